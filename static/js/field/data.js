// Reading the API on the field pages: like ../common/api.js getJSON, and also says whether
// the answer is the service worker's offline copy (templates/field/sw.js) and from when.
import { ApiError } from '../common/api.js';
import { formatTime } from './format.js';

/** GET a JSON document: {data, savedAt} (savedAt: ISO time of an offline copy, else null). */
export async function getData(url, params = {}) {
  const target = new URL(url, window.location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      target.searchParams.set(key, String(value));
    }
  }
  let response;
  try {
    response = await fetch(target, {
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  } catch (err) {
    throw new ApiError(0, '网络不可用，且本机没有保存过这些数据');
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    // not JSON
  }
  if (!response.ok) {
    const message =
      response.status === 401
        ? '登录已过期，请刷新页面重新登录'
        : (body && body.message) || `读取失败（${response.status}）`;
    throw new ApiError(response.status, message, body);
  }
  return { data: body, savedAt: response.headers.get('X-Field-Saved-At') };
}

/** Show (or hide) the note that the page shows an offline copy. */
export function showSaved(node, savedAt) {
  if (!node) return;
  node.hidden = !savedAt;
  node.textContent = savedAt ? `离线：显示的是 ${formatTime(savedAt)} 保存在本机的数据` : '';
}

/** The items of a paged list answer ({items, total, page, per_page}) and whether more follow. */
export function pageOf(answer) {
  const items = (answer && answer.items) || [];
  const total = answer && Number.isFinite(answer.total) ? answer.total : items.length;
  const page = (answer && answer.page) || 1;
  const perPage = (answer && answer.per_page) || items.length || 1;
  return { items, more: page * perPage < total, total };
}
