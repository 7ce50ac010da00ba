// The organisation page (组织架构): the party-organisation tree (collapsible, with a name
// filter; create / rename / move / dissolve for coordinators and admins), teams, zones and
// units. The root carries data-state ("loading", "ready", "error") for tests.
import { createOrgApi } from './api.js';
import { button, el, readJSON } from '../common/dom.js';
import { setStatus } from './dom.js';
import { renderTeams, renderUnits, renderZones } from './directory.js';
import { openForm } from './tree-actions.js';

const root = document.getElementById('organisations');
const api = createOrgApi(readJSON(root, 'apiUrls'));
const vocab = readJSON(root, 'vocab');
const canManage = root.dataset.canManage === 'true';
const treeRoot = document.getElementById('org-tree');
const filterInput = document.getElementById('tree-filter');
const status = root.querySelector('.org-status');

const state = {
  orgs: new Map(), // id -> node (with parent_id, children, depth)
  expanded: new Set(),
  communityNames: new Map(),
  firstLoad: true,
};

const ACTIONS = [
  ['create', '新建下级'],
  ['rename', '更名'],
  ['move', '调整隶属'],
  ['dissolve', '撤销'],
];

/** Index the forest by id; each node gets its depth and its members including lower levels. */
function index(nodes, depth) {
  let members = 0;
  for (const node of nodes) {
    node.depth = depth;
    state.orgs.set(node.id, node);
    if (state.firstLoad && depth < 1) state.expanded.add(node.id);
    node.allMembers = node.members + index(node.children, depth + 1);
    members += node.allMembers;
  }
  return members;
}

function meta(node) {
  const parts = [];
  if (node.secretary) parts.push(`书记 ${node.secretary}`);
  parts.push(`党员 ${node.allMembers} 名`);
  if (node.cells) parts.push(`负责网格 ${node.cells} 个`);
  if (node.children.length) parts.push(`下级 ${node.children.length} 个`);
  // the community, where it differs from the parent's (a tower branch under the 党工委, …)
  const parent = node.parent_id === null ? null : state.orgs.get(node.parent_id);
  const inherited = parent ? parent.community_id : null;
  const own = node.community_id;
  if (own && own !== inherited && state.communityNames.has(own)) {
    parts.push(state.communityNames.get(node.community_id));
  }
  return parts.join(' · ');
}

function setExpanded(li, open) {
  li.classList.toggle('collapsed', !open);
  li.setAttribute('aria-expanded', String(open));
  const toggle = li.querySelector(':scope > .node-row > .node-toggle');
  toggle.textContent = open ? '▾' : '▸';
  toggle.setAttribute('aria-label', open ? '收起' : '展开');
}

function renderNode(node) {
  const li = el('li', 'org-node');
  li.setAttribute('role', 'treeitem');
  li.dataset.orgId = String(node.id);
  li.dataset.level = node.level;
  const row = el('div', 'node-row');
  const toggle = button('▸', `node-toggle${node.children.length ? '' : ' leaf'}`, () => {
    const open = li.classList.contains('collapsed');
    setExpanded(li, open);
    if (open) state.expanded.add(node.id);
    else state.expanded.delete(node.id);
  });
  row.append(toggle);
  row.append(el('span', 'node-name', node.name));
  row.append(el('span', 'tag level', node.level_label));
  if (node.kind !== 'regular') row.append(el('span', 'tag kind', node.kind_label));
  row.append(el('span', 'node-meta', meta(node)));
  if (canManage) {
    const manage = button('管理', 'act-manage', () => showActions(node, li, manage));
    manage.setAttribute('aria-label', `管理：${node.name}`);
    manage.setAttribute('aria-expanded', 'false');
    row.append(manage);
  }
  li.append(row);
  if (node.children.length) {
    const ul = el('ul');
    ul.setAttribute('role', 'group');
    for (const child of node.children) ul.append(renderNode(child));
    li.append(ul);
    setExpanded(li, state.expanded.has(node.id));
  } else {
    li.removeAttribute('aria-expanded');
    toggle.disabled = true;
  }
  return li;
}

function closeForms() {
  const opened = treeRoot.querySelectorAll('.node-form, .node-actions, .node-message');
  for (const node of opened) node.remove();
  for (const b of treeRoot.querySelectorAll('.act-manage')) {
    b.setAttribute('aria-expanded', 'false');
  }
}

/** The actions of one org, in a bar under its row (a second click closes it). */
function showActions(node, li, manage) {
  const open = manage.getAttribute('aria-expanded') === 'true';
  closeForms();
  if (open) return;
  manage.setAttribute('aria-expanded', 'true');
  const bar = el('div', 'node-actions');
  for (const [action, label] of ACTIONS) {
    if (action === 'move' && node.parent_id === null) continue;
    const b = button(label, `act-${action}`, () => showForm(action, node, li));
    b.setAttribute('aria-label', `${label}：${node.name}`);
    bar.append(b);
  }
  li.querySelector(':scope > .node-row').after(bar);
  bar.querySelector('button').focus();
}

function showForm(action, node, li) {
  closeForms();
  li.querySelector(':scope > .node-row > .act-manage').setAttribute('aria-expanded', 'true');
  const form = openForm(action, node, {
    api,
    vocab,
    orgs: state.orgs,
    communityNames: state.communityNames,
    close: closeForms,
    done: (focusId, message) => reload(focusId, message),
  });
  li.querySelector(':scope > .node-row').after(form);
  const first = form.querySelector('input, select, button');
  if (first) first.focus();
}

function nodeItem(id) {
  return treeRoot.querySelector(`li.org-node[data-org-id="${Number(id)}"]`);
}

/** Expand the ancestors of an org so that it shows. */
function reveal(id) {
  let node = state.orgs.get(id);
  while (node && node.parent_id !== null) {
    state.expanded.add(node.parent_id);
    node = state.orgs.get(node.parent_id);
  }
}

function renderTree(forest) {
  state.orgs.clear();
  index(forest, 0);
  state.firstLoad = false;
  treeRoot.replaceChildren(...forest.map(renderNode));
  const total = state.orgs.size;
  root.querySelector('.tree-count').textContent = `共 ${total} 个党组织`;
  if (!total) treeRoot.append(el('li', 'hint', '您的范围内暂无党组织'));
  applyFilter();
}

/** Fetch the tree again; show `message` under the org `focusId` (if it still exists). */
async function reload(focusId, message) {
  const { tree } = await api.tree();
  if (focusId) {
    state.orgs.clear();
    index(tree, 0);
    reveal(focusId);
  }
  renderTree(tree);
  const li = focusId ? nodeItem(focusId) : null;
  const note = el('p', 'node-message ok', message);
  note.setAttribute('role', 'status');
  if (li) {
    li.querySelector(':scope > .node-row').after(note);
    li.classList.add('changed');
    li.scrollIntoView({ block: 'nearest' });
  } else {
    treeRoot.before(note);
  }
}

/** Show only the orgs whose name or secretary holds the text, with their ancestors. */
function applyFilter() {
  const text = filterInput.value.trim();
  const items = treeRoot.querySelectorAll('li.org-node');
  if (!text) {
    for (const li of items) {
      li.classList.remove('hidden', 'match');
      if (li.querySelector(':scope > ul')) {
        setExpanded(li, state.expanded.has(Number(li.dataset.orgId)));
      }
    }
    return;
  }
  const keep = new Set();
  for (const node of state.orgs.values()) {
    if (node.name.includes(text) || (node.secretary || '').includes(text)) {
      let n = node;
      keep.add(n.id);
      while (n && n.parent_id !== null) {
        keep.add(n.parent_id);
        n = state.orgs.get(n.parent_id);
      }
    }
  }
  for (const li of items) {
    const id = Number(li.dataset.orgId);
    const node = state.orgs.get(id);
    const matches = node.name.includes(text) || (node.secretary || '').includes(text);
    li.classList.toggle('hidden', !keep.has(id));
    li.classList.toggle('match', matches);
    if (li.querySelector(':scope > ul')) setExpanded(li, keep.has(id) && !matches);
  }
}

function expandAll(open) {
  for (const li of treeRoot.querySelectorAll('li.org-node')) {
    if (!li.querySelector(':scope > ul')) continue;
    setExpanded(li, open);
    const id = Number(li.dataset.orgId);
    if (open) state.expanded.add(id);
    else state.expanded.delete(id);
  }
}

async function main() {
  filterInput.addEventListener('input', applyFilter);
  document.getElementById('expand-all').addEventListener('click', () => expandAll(true));
  document.getElementById('collapse-all').addEventListener('click', () => expandAll(false));
  try {
    const [communities, tree, teams, zones, units, coverage] = await Promise.all([
      api.communities(),
      api.tree(),
      api.teams(),
      api.zones(),
      api.units(),
      api.coverage(),
    ]);
    for (const f of communities.features) state.communityNames.set(f.id, f.properties.name);
    renderTree(tree.tree);
    const names = state.communityNames;
    renderTeams(document.getElementById('team-list'), teams.teams, coverage.cells, names);
    renderZones(document.getElementById('zone-list'), zones.zones, units.features, names);
    renderUnits(document.getElementById('unit-table'), units.features, zones.zones);
    setStatus(status, '');
    root.dataset.state = 'ready';
  } catch (err) {
    root.dataset.state = 'error';
    setStatus(status, err.status === 401 ? '登录已过期，请刷新页面重新登录' : `加载失败：${err.message}`, 'error');
  }
}

main();
