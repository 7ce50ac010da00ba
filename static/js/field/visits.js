// 走访 (/field/visits): the 四访 due list with its 走访 buttons (visit-form.js) and the visit
// log — a grid worker's own visits, everyone's in scope for those who oversee (names and
// notes only where they may read them). Marks #field data-state="ready" when both are drawn.
import { button, el, option } from '../common/dom.js';
import { getData, pageOf, showSaved } from './data.js';
import { chips, dotted, dueText } from './format.js';
import { pageState, startShell } from './shell.js';
import { visitItem } from './sheet-view.js';
import { VisitForm } from './visit-form.js';

const ctx = startShell();
const dueSection = document.querySelector('[data-section="due"]');
const visitSection = document.querySelector('[data-section="visits"]');
const own = visitSection.dataset.own === 'true';
const more = visitSection.querySelector('button.more');
const workerFilter = visitSection.querySelector('#visit-worker'); // overseers: one worker's log
let page = 1;

const visitForm = ctx.canRecord
  ? new VisitForm(document.getElementById('visit-dialog'), ctx)
  : null;

function dueCard(due) {
  const li = el('li', 'due-item');
  li.dataset.target = due.target;
  li.dataset.targetId = String(due.id);
  li.append(el('span', 'item-title', due.name));
  li.append(el('span', 'item-line', dotted(due.cell_name, due.address)));
  li.append(chips(due.reason_labels || []));
  const actions = el('span', 'item-actions');
  const overdue = due.never_visited || due.overdue_days > 0;
  actions.append(el('span', `due-state${overdue ? ' is-overdue' : ''}`, dueText(due)));
  if (visitForm) {
    const target = { kind: due.target, id: due.id, name: due.name, address: due.address };
    const node = button('走访', 'visit-button primary', () => visitForm.open(target));
    node.setAttribute('aria-label', `走访 ${due.name}`);
    actions.append(node);
  }
  li.append(actions);
  return li;
}

async function loadDue() {
  const status = dueSection.querySelector('.list-status');
  if (!ctx.canRecord) {
    status.textContent = '待走访名单仅对网格员和社区网格管理员显示';
    return;
  }
  try {
    const { data } = await getData(ctx.urls.due);
    const items = data.items || [];
    dueSection.querySelector('.section-count').textContent = `${items.length}`;
    dueSection.querySelector('.due-cards').replaceChildren(...items.map(dueCard));
    status.textContent = items.length ? '' : '今天没有到期的走访';
  } catch (err) {
    status.textContent = err.message;
  }
}

async function loadVisits(reset) {
  const status = visitSection.querySelector('.list-status');
  const listNode = visitSection.querySelector('.visit-cards');
  if (reset) {
    page = 1;
    listNode.replaceChildren();
  }
  try {
    const worker = own ? ctx.userId : workerFilter?.value;
    const params = worker ? { user_id: worker, page } : { page };
    const { data, savedAt } = await getData(ctx.urls.visits, params);
    const { items, more: hasMore, total } = pageOf(data);
    showSaved(visitSection.querySelector('.data-saved'), savedAt);
    listNode.append(...items.map((v) => visitItem(v, ctx.vocab)));
    fillWorkers(data.workers);
    status.textContent = total ? `共 ${total} 次` : '还没有走访记录';
    more.hidden = !hasMore;
  } catch (err) {
    status.textContent = err.message;
    throw err;
  }
}

/** The workers an overseer may pick: those with visits in scope (kept once filled). */
function fillWorkers(workers) {
  if (!workerFilter || workerFilter.options.length > 1) return;
  for (const worker of workers || []) workerFilter.append(option(worker.id, worker.name));
}

async function refresh() {
  const results = await Promise.allSettled([loadDue(), loadVisits(true)]);
  pageState(ctx, results.every((r) => r.status === 'fulfilled') ? 'ready' : 'error');
}

workerFilter?.addEventListener('change', () => loadVisits(true).catch(() => {}));
more.addEventListener('click', () => {
  page += 1;
  loadVisits(false);
});
ctx.outbox.addEventListener('sent', (e) => {
  if (e.detail.item.kind === 'visit') refresh();
});
refresh();
