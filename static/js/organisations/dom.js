// Small DOM and wording helpers shared by the organisation pages (组织架构, 组织覆盖).
// Data reaches the DOM only through textContent / setAttribute: never as HTML.
import { el } from '../common/dom.js';
import { ORG_ITEMS } from '../common/vocab.js';

/** Show a status line; `kind` is '', 'ok' or 'error' (a class on the node). */
export function setStatus(node, text, kind = '') {
  node.textContent = text;
  node.hidden = !text;
  node.classList.remove('ok', 'error');
  if (kind) node.classList.add(kind);
}

/** 0.4567 → "45.7%". */
export function percent(share) {
  return `${(Math.round(share * 1000) / 10).toLocaleString('zh-CN')}%`;
}

export function number(n) {
  return Number(n).toLocaleString('zh-CN');
}

/** ISO timestamp → "2024-05-01 09:30" (local time); empty for none. */
export function dateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${day} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A phone number as a tel: link (digits, + and - only in the href); '' for none. */
export function phoneLink(phone) {
  if (!phone) return '';
  const a = el('a', 'phone', phone);
  a.href = `tel:${phone.replace(/[^0-9+-]/g, '')}`;
  return a;
}

export const MEMBER_STATUS_LABELS = {
  in_post: '在职',
  retired: '离退休',
  migrant: '流动',
  unattached: '空挂户',
};

export const UNIT_KIND_LABELS = {
  company: '企业',
  school: '学校',
  hospital: '医院',
  agency: '机关事业单位',
};

// --- coverage status of a cell: the most important missing item decides its colour -------

/** Items in order of importance: a cell without a party org is worse than one without a hub. */
export const ITEM_ORDER = ORG_ITEMS.map(([key]) => key);
export const ITEM_LABELS = Object.fromEntries(ORG_ITEMS);

export const STATUS_LABELS = {
  complete: '四项齐全',
  no_party_org: '缺党组织',
  no_worker: '缺网格员',
  no_team: '缺服务队',
  no_hub: '仅缺党员中心户',
};

/** "complete" or "no_<item>" for the most important item the cell lacks. */
export function cellStatus(cell) {
  const first = ITEM_ORDER.find((item) => cell.missing.includes(item));
  return first ? `no_${first}` : 'complete';
}

/** The colour of a status: the CSS custom property --cov-<status> (organisations.css). */
export function statusColour(status) {
  const value = getComputedStyle(document.documentElement).getPropertyValue(`--cov-${status}`);
  return value.trim() || '#888';
}
