// The cell sheet (网格档案, GET /api/cells/<id>/sheet) drawn into its sections
// (templates/field/cell.html): who is due a visit, open events, households in difficulty
// (names only for those who may read them), party organisations and 党员中心户, teams,
// nearby service points with walking minutes, recent visits, buildings. Every 走访 button
// calls onVisit({kind, id, name, address}). Text only through textContent.
import { button, el } from '../common/dom.js';
import { chips, count, dotted, dueText, formatTime, phoneLink } from './format.js';

const NAMES_HIDDEN = '姓名仅对本网格的网格员、社区网格管理员显示';
const DUE_HIDDEN = '待走访名单仅对本网格的网格员、社区网格管理员显示';

function section(root, key) {
  return root.querySelector(`[data-section="${key}"]`);
}

function fill(root, key, nodes, countText = '') {
  const box = section(root, key);
  const counter = box.querySelector('.section-count');
  if (counter) counter.textContent = countText;
  box.querySelector('.section-body').replaceChildren(...nodes);
}

function list(items, render, empty) {
  if (!items.length) return [el('p', 'empty', empty)];
  const ul = el('ul', 'sheet-list');
  ul.append(...items.map(render));
  return [ul];
}

function item(className, title, ...lines) {
  const li = el('li', className);
  li.append(el('span', 'item-title', title));
  for (const line of lines) {
    if (line instanceof Node) li.append(line);
    else if (line) li.append(el('span', 'item-line', line));
  }
  return li;
}

function visitButton(opts, target) {
  if (!opts.canRecord) return null;
  const node = button('走访', 'visit-button primary', () => opts.onVisit(target));
  node.dataset.target = target.kind;
  node.dataset.targetId = String(target.id);
  node.setAttribute('aria-label', `走访 ${target.name}`);
  return node;
}

function withActions(li, ...actions) {
  const row = el('span', 'item-actions');
  for (const action of actions) if (action) row.append(action);
  if (row.childElementCount) li.append(row);
  return li;
}

function dueItem(opts, due) {
  const li = item('due-item', due.name, due.address, chips(due.reason_labels || []));
  li.dataset.target = due.target;
  li.dataset.targetId = String(due.id);
  const late = due.never_visited || due.overdue_days > 0;
  const state = el('span', late ? 'due-state is-overdue' : 'due-state', dueText(due));
  const target = { kind: due.target, id: due.id, name: due.name, address: due.address };
  return withActions(li, state, visitButton(opts, target));
}

function renderDue(root, sheet, opts) {
  const n = sheet.visits_due_count || 0;
  if (!sheet.visits_due) {
    const text = n ? `共 ${n} 户（人）待走访；${NAMES_HIDDEN}` : DUE_HIDDEN;
    fill(root, 'due', [el('p', 'empty', text)], n ? `${n}` : '');
    return;
  }
  fill(root, 'due', list(sheet.visits_due, (d) => dueItem(opts, d), '今天没有到期的走访'), `${n}`);
}

function eventItem(opts, event) {
  const label = event.category_label || opts.vocab.categories[event.category] || '事件';
  const li = item('event-item', event.description, chips([label]));
  li.dataset.eventId = String(event.id);
  li.append(el('span', 'item-line', dotted(event.reporter, formatTime(event.reported_at))));
  return li;
}

function renderEvents(root, sheet, opts) {
  const events = sheet.events_open || [];
  fill(root, 'events', list(events, (e) => eventItem(opts, e), '没有未办结的事件'), `${events.length}`);
}

function householdItem(opts, h) {
  const li = item('household-item', h.head_name, h.address, chips(h.tag_labels || []));
  li.dataset.householdId = String(h.id);
  const target = { kind: 'household', id: h.id, name: h.head_name, address: h.address };
  return withActions(li, phoneLink(h.phone), visitButton(opts, target));
}

function renderDifficulty(root, sheet, opts) {
  const d = sheet.difficulty || { count: 0, by_tag: {}, households: null };
  const tags = Object.entries(d.by_tag || {})
    .filter(([, n]) => n > 0)
    .map(([tag, n]) => `${opts.vocab.tags[tag] || tag} ${n}`);
  const nodes = [];
  if (tags.length) nodes.push(chips(tags, 'chip tag-count'));
  if (d.households) nodes.push(...list(d.households, (h) => householdItem(opts, h), '没有困难群众户'));
  else nodes.push(el('p', 'empty', d.count ? `共 ${d.count} 户；${NAMES_HIDDEN}` : '没有困难群众户'));
  fill(root, 'difficulty', nodes, `${d.count || 0} 户`);
}

function renderParty(root, sheet, opts) {
  const party = sheet.party || { orgs: [], hubs: [] };
  const orgs = list(
    party.orgs || [],
    (o) => item('org-item', o.name, dotted(o.level_label, o.secretary && `书记 ${o.secretary}`)),
    '本网格暂无党组织',
  );
  const hubs = list(
    party.hubs || [],
    (h) => {
      const served = h.hub_households ? `联系 ${h.hub_households} 户` : '';
      const li = item('hub-item', h.name, dotted(h.building_name, served));
      li.dataset.memberId = String(h.member_id);
      const target = { kind: 'member', id: h.member_id, name: h.name, address: h.building_name };
      return withActions(li, phoneLink(h.phone), visitButton(opts, target));
    },
    '本网格暂无党员中心户',
  );
  fill(root, 'party', [el('h3', null, '党组织'), ...orgs, el('h3', null, '党员中心户'), ...hubs]);
}

function renderTeams(root, sheet) {
  const teams = sheet.teams || [];
  const nodes = list(
    teams,
    (t) => {
      const captain = t.captain ? `队长 ${t.captain.name}` : '暂无队长';
      const li = item('team-item', t.name, dotted(t.kind_label, captain));
      return withActions(li, t.captain ? phoneLink(t.captain.phone) : null);
    },
    '本网格暂无服务队',
  );
  fill(root, 'teams', nodes, `${teams.length}`);
}

function walkText(p) {
  if (!Number.isFinite(p.walk_min)) return '';
  const metres = Number.isFinite(p.walk_m) ? `，${count(Math.round(p.walk_m), '米')}` : '';
  return `步行约 ${Math.max(1, Math.round(p.walk_min))} 分钟${metres}`;
}

function renderServicePoints(root, sheet) {
  const nodes = list(
    sheet.service_points || [],
    (p) => {
      const hours = p.hours ? `开放时间 ${p.hours}` : '';
      const li = item('service-point-item', p.name, p.kind_label, hours, p.address);
      li.append(el('span', 'walk', walkText(p)));
      return li;
    },
    '附近没有服务阵地',
  );
  fill(root, 'service-points', nodes);
}

/** One visit in a list: who was visited (unless redacted), how, by whom, when, the note. */
export function visitItem(visit, vocab) {
  const method = visit.method_label || vocab.methods[visit.method] || '';
  const title = visit.redacted ? `${visit.cell_name || ''}走访` : visit.name || '走访';
  const li = item(
    'visit-item',
    title,
    dotted(method, visit.user_name, formatTime(visit.visited_at)),
    visit.redacted ? '' : visit.address,
    visit.redacted ? '' : visit.note,
  );
  li.dataset.visitId = String(visit.id);
  if (visit.photo_url) {
    const img = el('img', 'visit-photo');
    img.src = visit.photo_url;
    img.alt = '走访照片';
    img.loading = 'lazy';
    li.append(img);
  }
  return li;
}

function renderRecent(root, sheet, opts) {
  const visits = sheet.visits_recent || [];
  const nodes = list(visits, (v) => visitItem(v, opts.vocab), '还没有走访记录');
  fill(root, 'recent', nodes, `${visits.length}`);
}

function renderBuildings(root, sheet) {
  const buildings = sheet.buildings || [];
  const nodes = list(
    buildings,
    (b) => {
      const figures = dotted(b.kind_label, count(b.households, '户'));
      return item('building-item', b.name || b.kind_label, figures);
    },
    '本网格暂无楼栋',
  );
  fill(root, 'buildings', nodes, `${buildings.length}`);
}

/** Draw the sheet; `opts`: {canRecord, vocab, onVisit}. */
export function renderSheet(root, sheet, opts) {
  renderDue(root, sheet, opts);
  renderEvents(root, sheet, opts);
  renderDifficulty(root, sheet, opts);
  renderParty(root, sheet, opts);
  renderTeams(root, sheet);
  renderServicePoints(root, sheet);
  renderRecent(root, sheet, opts);
  renderBuildings(root, sheet);
}
