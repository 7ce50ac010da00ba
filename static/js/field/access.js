// 住户信息访问记录 (/field/access, admins): the household access log, newest first, filtered
// by reader or household, a page at a time. Marks #access-log data-state="ready" when drawn.
import { getJSON } from '../common/api.js';
import { el } from '../common/dom.js';
import { formatTime } from './format.js';

const root = document.getElementById('access-log');
const form = root.querySelector('.access-filter');
const rows = root.querySelector('tbody');
const status = root.querySelector('.list-status');
const prev = root.querySelector('button.prev');
const next = root.querySelector('button.next');
const pageNo = root.querySelector('.page-no');
let page = 1;

function row(read) {
  const tr = el('tr');
  const cells = [
    formatTime(read.at),
    `${read.user_name}（${read.user_id ?? '已删除'}）`,
    String(read.household_id),
    read.cell_id === null ? '—' : String(read.cell_id),
    read.route,
    read.purpose,
  ];
  const labels = ['时间', '查阅人', '住户编号', '网格编号', '功能', '目的'];
  cells.forEach((text, i) => {
    const td = el('td', null, text);
    td.dataset.label = labels[i]; // the label of a card's line on phones
    tr.append(td);
  });
  return tr;
}

async function load() {
  root.dataset.state = 'loading';
  const filters = Object.fromEntries(new FormData(form));
  try {
    const answer = await getJSON(root.dataset.apiUrl, { ...filters, page });
    rows.replaceChildren(...answer.items.map(row));
    const pages = Math.max(1, Math.ceil(answer.total / answer.per_page));
    status.textContent = answer.total ? `共 ${answer.total} 条` : '没有访问记录';
    pageNo.textContent = `第 ${answer.page} / ${pages} 页`;
    prev.disabled = answer.page <= 1;
    next.disabled = answer.page >= pages;
    root.dataset.state = 'ready';
  } catch (err) {
    status.textContent = err.message;
    root.dataset.state = 'error';
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  page = 1;
  load();
});
prev.addEventListener('click', () => {
  page -= 1;
  load();
});
next.addEventListener('click', () => {
  page += 1;
  load();
});
load();
