// The cell panel: a cell's current assignments (with 解除), pick lists to assign a party
// branch/group, a grid worker or a team, and the assignment history; below them the party
// members and registrations of the cell (coverage-members.js). Read-only for users who may
// not assign.
import { button, el, option } from '../common/dom.js';
import { ResponsibilityAreas } from './coverage-areas.js';
import { membersSection, registrationsSection } from './coverage-members.js';
import { ITEM_LABELS, STATUS_LABELS, dateTime, number, setStatus } from './dom.js';

const KINDS = [
  { kind: 'party_org', title: '党组织', hint: '党总支、党支部或党小组', none: '未分配党组织' },
  { kind: 'worker', title: '网格员', hint: '网格员', none: '未分配网格员' },
  { kind: 'team', title: '服务队', hint: '服务队', none: '未分配服务队' },
];
const ASSIGNABLE_LEVELS = new Set(['general_branch', 'branch', 'group']);

function flatten(nodes, out = []) {
  for (const node of nodes) {
    out.push(node);
    flatten(node.children || [], out);
  }
  return out;
}

/** <optgroup>s: the cell's own community first, then the others by name, then the rest. */
function grouped(items, communityId, communityNames, label) {
  const groups = new Map();
  for (const item of items) {
    const key = item.community_id ?? 0;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(item);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    if (a === communityId) return -1;
    if (b === communityId) return 1;
    if (a === 0) return 1;
    if (b === 0) return -1;
    return (communityNames.get(a) || '').localeCompare(communityNames.get(b) || '', 'zh-CN');
  });
  return keys.map((key) => {
    const group = el('optgroup');
    const name = key ? communityNames.get(key) || `社区 ${key}` : '街道直属';
    group.label = key === communityId ? `本社区（${name}）` : name;
    for (const item of groups.get(key)) group.append(option(item.id, label(item)));
    return group;
  });
}

export class CellPanel {
  /**
   * `root` is the <aside>; `api` the organisations API; `canAssign` shows the write
   * controls; `cellInfo(id)` gives the cell's row of the coverage report; `communityNames`
   * maps community id → name; `onChange()` is awaited after every assignment change.
   */
  constructor({ root, api, canAssign, cellInfo, communityNames, onChange, onClose }) {
    this.root = root;
    this.body = root.querySelector('.panel-body');
    this.empty = root.querySelector('.panel-empty');
    this.api = api;
    this.canAssign = canAssign;
    this.cellInfo = cellInfo;
    this.communityNames = communityNames;
    this.onChange = onChange;
    this.onClose = onClose;
    this.cellId = null;
    this.options = null; // {orgs, teams, workers}, loaded once
    this.token = 0;
    this.areas = new ResponsibilityAreas(document.getElementById('grid-map'));
  }

  async loadOptions() {
    if (!this.options) {
      const [tree, teams, workers] = await Promise.all([
        this.api.tree(),
        this.api.teams(),
        this.api.workers(),
      ]);
      this.options = {
        orgs: flatten(tree.tree).filter((o) => ASSIGNABLE_LEVELS.has(o.level)),
        teams: teams.teams,
        workers: workers.workers,
      };
    }
    return this.options;
  }

  close() {
    this.cellId = null;
    this.token += 1;
    this.areas.clear();
    this.body.replaceChildren();
    this.body.hidden = true;
    this.empty.hidden = false;
    this.root.dataset.state = 'empty';
    delete this.root.dataset.cellId;
    if (this.onClose) this.onClose();
  }

  /** Show a cell: its figures at once, then what the API says about it. */
  async open(cellId, message = '', kind = '') {
    const token = ++this.token;
    if (this.cellId !== cellId) this.areas.clear();
    else this.areas.cancel();
    delete this.root.dataset.drawing;
    this.cellId = cellId;
    this.root.dataset.cellId = String(cellId);
    this.root.dataset.state = 'loading';
    const info = this.cellInfo(cellId);
    this.empty.hidden = true;
    this.body.hidden = false;
    const status = el('p', 'panel-status');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    this.body.replaceChildren(this.head(info), status);
    setStatus(status, message || '正在加载…', kind);
    try {
      const [assigned, members, registrations, options] = await Promise.all([
        this.api.assignments(cellId),
        this.api.members(cellId).catch((err) => ({ error: err })),
        this.api.registrations(cellId).catch((err) => ({ error: err })),
        this.canAssign ? this.loadOptions() : Promise.resolve(null),
      ]);
      if (token !== this.token) return;
      this.areas.show(members.members || []);
      this.body.append(
        ...KINDS.map((k) => this.kindSection(k, info, assigned.assignments, options)),
        this.historySection(cellId),
        membersSection(this, members),
        registrationsSection(registrations),
      );
      if (!message) setStatus(status, '');
      this.root.dataset.state = 'ready';
    } catch (err) {
      if (token !== this.token) return;
      setStatus(status, `加载失败：${err.message}`, 'error');
      this.root.dataset.state = 'error';
    }
  }

  head(info) {
    const head = el('header', 'panel-head');
    const title = el('div');
    title.append(el('h2', null, info ? info.name : '网格'));
    if (info) {
      title.append(
        el(
          'p',
          'panel-sub',
          `${info.code} · ${info.community_name} · ${number(info.households)} 户`,
        ),
      );
      const tags = el('p', 'panel-tags');
      if (!info.missing.length) tags.append(el('span', 'tag ok', STATUS_LABELS.complete));
      for (const item of info.missing) {
        tags.append(el('span', `tag tag-${item}`, `缺${ITEM_LABELS[item]}`));
      }
      if (info.blind_spot) tags.append(el('span', 'tag tag-blind', '盲点'));
      tags.append(el('span', 'tag plain', `党员中心户 ${info.hubs} 户`));
      title.append(tags);
    }
    head.append(title);
    const close = button('×', 'panel-close', () => this.close());
    close.setAttribute('aria-label', '关闭');
    close.title = '关闭';
    head.append(close);
    return head;
  }

  kindSection({ kind, title, hint, none }, info, assignments, options) {
    const section = el('section', 'assign-kind');
    section.dataset.kind = kind;
    section.append(el('h3', null, title));
    const mine = assignments.filter((a) => a.kind === kind);
    const list = el('ul', 'assigned');
    for (const a of mine) {
      const li = el('li');
      li.dataset.assignmentId = String(a.id);
      li.append(el('span', 'assigned-label', a.label));
      if (a.assigned_at) {
        li.append(el('span', 'assigned-at', `自 ${dateTime(a.assigned_at).slice(0, 10)}`));
      }
      if (this.canAssign) {
        const end = button('解除', 'end', () => this.end(a));
        end.setAttribute('aria-label', `解除：${a.label}`);
        li.append(end);
      }
      list.append(li);
    }
    if (!mine.length) list.append(el('li', 'none lacking', none));
    section.append(list);
    if (this.canAssign && options && info) {
      const taken = new Set(mine.map((a) => a.target_id));
      section.append(this.assignForm(kind, hint, info, taken, options));
    }
    return section;
  }

  assignForm(kind, hint, info, taken, options) {
    const form = el('form', 'assign-form');
    form.dataset.kind = kind;
    const select = el('select');
    select.name = kind;
    select.setAttribute('aria-label', `选择要分配的${hint}`);
    select.append(option('', `选择${hint}…`));
    const names = this.communityNames;
    if (kind === 'party_org') {
      const orgs = options.orgs.filter((o) => !taken.has(o.id));
      const label = (o) =>
        `${o.name}（${o.level_label}${o.kind === 'regular' ? '' : ` · ${o.kind_label}`}）`;
      select.append(...grouped(orgs, info.community_id, names, label));
    } else if (kind === 'team') {
      const teams = options.teams.filter((t) => !taken.has(t.id));
      const label = (t) => `${t.name}（${t.kind_label}）`;
      select.append(...grouped(teams, info.community_id, names, label));
    } else {
      for (const w of options.workers.filter((x) => !taken.has(x.id))) {
        select.append(option(w.id, `${w.display_name}（${w.username}）`));
      }
    }
    const submit = el('button', 'assign', '分配');
    submit.type = 'submit';
    form.append(select, submit);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!select.value) {
        this.say(`请先选择${hint}`, 'error');
        return;
      }
      const text = select.options[select.selectedIndex].textContent;
      this.assign(kind, Number(select.value), text);
    });
    return form;
  }

  /** Show a line in the panel's status (e.g. '正在保存…'; kind '' | 'ok' | 'error'). */
  say(text, kind = '') {
    const status = this.body.querySelector('.panel-status');
    if (status) setStatus(status, text, kind);
  }

  /** Disable (or enable again) the panel's controls while a write is under way. */
  busy(on) {
    for (const control of this.body.querySelectorAll('button, select')) {
      if (!control.classList.contains('panel-close')) control.disabled = on;
    }
  }

  async assign(kind, targetId, text) {
    const cellId = this.cellId;
    this.busy(true);
    this.say('正在保存…');
    try {
      await this.api.assign(cellId, kind, targetId);
    } catch (err) {
      this.busy(false);
      this.say(`分配失败：${err.message}`, 'error');
      return;
    }
    await this.onChange();
    if (this.cellId === cellId) await this.open(cellId, `已分配：${text}`, 'ok');
  }

  async end(assignment) {
    const cellId = this.cellId;
    this.busy(true);
    this.say('正在解除…');
    try {
      await this.api.endAssignment(assignment.id);
    } catch (err) {
      this.busy(false);
      this.say(`解除失败：${err.message}`, 'error');
      return;
    }
    await this.onChange();
    if (this.cellId === cellId) {
      await this.open(cellId, `已解除：${assignment.label}（保留在分配历史中）`, 'ok');
    }
  }

  historySection(cellId) {
    const details = el('details', 'assign-history');
    details.append(el('summary', null, '分配历史'));
    const list = el('ul');
    details.append(list);
    details.addEventListener('toggle', async () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = 'true';
      list.replaceChildren(el('li', null, '正在加载…'));
      try {
        const { assignments } = await this.api.assignments(cellId, true);
        list.replaceChildren(
          ...assignments.map((a) => {
            const until = a.ended_at ? `，${dateTime(a.ended_at)} 解除` : '，至今';
            const when = `${dateTime(a.assigned_at)} 起${until}`;
            const li = el('li', a.ended_at ? 'ended' : null);
            li.append(el('span', 'tag plain', a.kind_label), ` ${a.label}`);
            li.append(el('br'), el('small', null, when));
            return li;
          }),
        );
        if (!assignments.length) list.replaceChildren(el('li', null, '暂无分配记录'));
      } catch (err) {
        list.replaceChildren(el('li', 'error', `加载失败：${err.message}`));
      }
    });
    return details;
  }
}
