// 民情日志 (/field/log): those who record write the day's entry for one of their cells (a
// JSON write through the outbox); below, a grid worker sees their own entries, everyone
// else searches the entries in scope (words, cell, dates). Marks #field
// data-state="ready" when the list is drawn.
import { el, option } from '../common/dom.js';
import { getData, pageOf, showSaved } from './data.js';
import { dotted, formatDay, formatTime, today } from './format.js';
import { pageState, reportOutcome, startShell } from './shell.js';
import { showError } from './visit-form.js';

const ctx = startShell();
const section = document.querySelector('[data-section="entries"]');
const searches = section.dataset.search === 'true';
const listNode = section.querySelector('.entry-cards');
const listStatus = section.querySelector('.list-status');
const more = section.querySelector('button.more');
const writeForm = document.querySelector('.log-form');
const searchForm = document.querySelector('.log-search');
let page = 1;

function entryCard(entry) {
  const li = el('li', 'entry-card');
  li.dataset.entryId = String(entry.id);
  li.append(el('p', 'card-title', `${formatDay(entry.day)} · ${entry.cell_name || ''}`));
  li.append(el('p', 'card-meta', dotted(entry.user_name, formatTime(entry.created_at))));
  if (entry.seen) {
    li.append(el('p', 'entry-label', '所见所闻'));
    li.append(el('p', 'entry-text', entry.seen));
  }
  if (entry.problems) {
    li.append(el('p', 'entry-label', '发现的问题'));
    li.append(el('p', 'entry-text', entry.problems));
  }
  return li;
}

function query() {
  if (!searches) return { user_id: ctx.userId, page };
  const f = searchForm.elements;
  return {
    q: f.q.value.trim(),
    cell_id: f.cell_id.value,
    date_from: f.date_from.value,
    date_to: f.date_to.value,
    page,
  };
}

async function load(reset) {
  if (reset) {
    page = 1;
    listNode.replaceChildren();
  }
  listStatus.textContent = '正在加载…';
  try {
    const { data, savedAt } = await getData(ctx.urls.field_logs, query());
    const { items, more: hasMore, total } = pageOf(data);
    showSaved(section.querySelector('.data-saved'), savedAt);
    listNode.append(...items.map(entryCard));
    listStatus.textContent = total ? `共 ${total} 条` : '没有找到日志';
    more.hidden = !hasMore;
    pageState(ctx, 'ready');
  } catch (err) {
    listStatus.textContent = err.message;
    pageState(ctx, 'error');
  }
}

async function fillCells() {
  const { data } = await getData(ctx.urls.cells);
  const cells = data.features.map((f) => f.properties);
  if (writeForm) {
    writeForm.elements.cell_id.replaceChildren(...cells.map((c) => option(c.id, c.name)));
  }
  if (searchForm) {
    searchForm.elements.cell_id.append(...cells.map((c) => option(c.id, c.name)));
  }
}

async function write(event) {
  event.preventDefault();
  const f = writeForm.elements;
  const seen = f.seen.value.trim();
  const problems = f.problems.value.trim();
  if (!seen && !problems) {
    showError(writeForm, '请至少填写所见所闻或发现的问题');
    return;
  }
  if (!f.cell_id.value) {
    showError(writeForm, '请选择网格');
    return;
  }
  showError(writeForm, '');
  const submit = writeForm.querySelector('button[type=submit]');
  submit.disabled = true;
  try {
    const outcome = await ctx.outbox.submit({
      kind: 'log',
      label: `民情日志 ${formatDay(f.day.value)}`,
      url: ctx.urls.write_field_log,
      json: { cell_id: Number(f.cell_id.value), day: f.day.value || today(), seen, problems },
    });
    if (outcome.status === 'refused') {
      showError(writeForm, outcome.message);
      return;
    }
    f.seen.value = '';
    f.problems.value = '';
    reportOutcome(ctx, outcome, '日志已保存');
  } finally {
    submit.disabled = false;
  }
}

if (writeForm) {
  writeForm.elements.day.value = today();
  writeForm.elements.day.max = today();
  writeForm.addEventListener('submit', write);
}
if (searchForm) {
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    load(true);
  });
}
more.addEventListener('click', () => {
  page += 1;
  load(false);
});
ctx.outbox.addEventListener('sent', (e) => {
  if (e.detail.item.kind === 'log') load(true);
});
fillCells().catch((err) => console.error(err));
load(true);
