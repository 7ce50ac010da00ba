// The organisations API, bound to the URLs the page names in data-api-urls.
import { ApiError, getJSON, postJSON } from '../common/api.js';
import { withId } from './dom.js';

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/**
 * POST a file as multipart/form-data (field `file`); answers the JSON document or throws an
 * ApiError whose `body` is the server's error document (e.g. 422 with errors.rows).
 */
export async function postFile(url, file, params = {}) {
  const target = new URL(url, window.location.href);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') {
      target.searchParams.set(key, String(value));
    }
  }
  const form = new FormData();
  form.append('file', file, file.name);
  let response;
  try {
    response = await fetch(target, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'X-CSRFToken': csrfToken() },
      body: form,
    });
  } catch (err) {
    throw new ApiError(0, '网络连接失败，请稍后重试');
  }
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    // not JSON
  }
  if (!response.ok) {
    const message =
      body && typeof body.message === 'string' ? body.message : `请求失败（${response.status}）`;
    throw new ApiError(response.status, message, body);
  }
  return body;
}

/** Getters and actions of the organisations API; `urls` holds the routes by key. */
export function createOrgApi(urls) {
  const url = (key, params = {}) => {
    let out = urls[key];
    for (const [name, value] of Object.entries(params)) {
      out = out.replace(`{${name}}`, encodeURIComponent(String(value)));
    }
    return out;
  };
  return {
    url,
    me: () => getJSON(urls.me),
    communities: () => getJSON(urls.communities),
    cells: () => getJSON(urls.cells),
    streets: () => getJSON(urls.streets),
    units: () => getJSON(urls.units),
    coverage: (communityId) => getJSON(urls.coverage, { community_id: communityId }),
    tree: () => getJSON(urls.tree),
    teams: (communityId) => getJSON(urls.teams, { community_id: communityId }),
    workers: () => getJSON(urls.workers),
    zones: () => getJSON(urls.zones),
    assignments: (cellId, history = false) =>
      getJSON(withId(urls.assignments, cellId), { history: history ? 'true' : '' }),
    assign: (cellId, kind, targetId) =>
      postJSON(withId(urls.assignments, cellId), { kind, target_id: targetId }),
    endAssignment: (assignmentId) => postJSON(withId(urls.end, assignmentId), {}),
    members: (cellId) => getJSON(withId(urls.members, cellId)),
    registrations: (cellId) => getJSON(withId(urls.registrations, cellId)),
    createOrg: (body) => postJSON(urls.create, body),
    renameOrg: (orgId, body) => postJSON(withId(urls.rename, orgId), body),
    moveOrg: (orgId, parentId) => postJSON(withId(urls.move, orgId), { parent_id: parentId }),
    dissolveOrg: (orgId) => postJSON(withId(urls.dissolve, orgId), {}),
    importFile: (kind, file, params) => postFile(url('import', { kind }), file, params),
  };
}
