// The cell panel: a cell's current assignments (with 解除), pick lists to assign a party
// branch/group, a grid worker or a team, the assignment history, and the party members and
// registrations (在职党员报到) of the cell, with their responsibility areas (党员责任区, drawn on
// the map; users who may assign draw or clear them here). Read-only for users who may not
// assign.
import { postJSON } from '../common/api.js';
import { ResponsibilityAreas } from './coverage-areas.js';
import { button, el, option } from '../common/dom.js';
import {
  ITEM_LABELS,
  MEMBER_STATUS_LABELS,
  STATUS_LABELS,
  dateTime,
  number,
  phoneLink,
  setStatus,
} from './dom.js';

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
        this.membersSection(members),
        this.registrationsSection(registrations),
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

  say(text, kind = '') {
    const status = this.body.querySelector('.panel-status');
    if (status) setStatus(status, text, kind);
  }

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

  membersSection(result) {
    const section = el('section', 'cell-members');
    if (result.error) {
      section.append(el('h3', null, '居住在本网格的党员'), el('p', 'hint', result.error.message));
      return section;
    }
    const { members } = result;
    const hubs = members.filter((m) => m.is_hub).length;
    section.append(el('h3', null, `居住在本网格的党员（${members.length} 名，党员中心户 ${hubs} 户）`));
    if (!members.length) {
      section.append(el('p', 'hint', '暂无登记的党员'));
      return section;
    }
    const drawn = members.filter((m) => m.responsibility_area).length;
    const summary = el('p', 'resp-summary');
    summary.append(
      '责任区：',
      el('span', 'resp-drawn', `已划定 ${drawn} 名`),
      ' / ',
      el(
        'span',
        drawn < members.length ? 'resp-missing lacking' : 'resp-missing',
        `未划定 ${members.length - drawn} 名`,
      ),
    );
    section.append(summary);
    const table = el('table', 'small-table');
    const head = el('tr');
    for (const text of ['姓名', '状态', '所属党组织', '中心户', '责任区', '电话']) {
      head.append(el('th', null, text));
    }
    table.createTHead().append(head);
    const body = table.createTBody();
    const canDraw = this.canAssign && this.areas.canDraw;
    for (const m of members) {
      const tr = el('tr', m.is_hub ? 'hub' : null);
      tr.dataset.memberId = String(m.id);
      tr.append(el('td', null, m.name));
      tr.append(el('td', null, MEMBER_STATUS_LABELS[m.status] || m.status));
      tr.append(el('td', null, m.org));
      tr.append(el('td', null, m.is_hub ? `是（${m.hub_households} 户）` : ''));
      const area = el('td', 'resp-cell');
      area.dataset.area = m.responsibility_area ? 'drawn' : 'none';
      area.append(el('span', 'resp-state', m.responsibility_area ? '已划定' : '未划定'));
      if (canDraw) area.append(...this.areaButtons(m));
      tr.append(area);
      const phone = el('td');
      const link = phoneLink(m.phone);
      if (link) phone.append(link);
      tr.append(phone);
      if (m.responsibility_area) {
        tr.addEventListener('mouseenter', () => this.areas.focus(m.id));
        tr.addEventListener('mouseleave', () => this.areas.focus(null));
      }
      body.append(tr);
    }
    section.append(table);
    return section;
  }

  areaButtons(member) {
    const label = member.responsibility_area ? '重新划定' : '划定责任区';
    const draw = button(label, 'resp-draw', () => this.drawArea(member));
    draw.setAttribute('aria-label', `${label}：${member.name}`);
    if (!member.responsibility_area) return [draw];
    const clear = button('撤销责任区', 'resp-clear', () => this.saveArea(member, null));
    clear.setAttribute('aria-label', `撤销责任区：${member.name}`);
    return [draw, clear];
  }

  /** Draw a member's area on the map, then save it (or show why it was refused). */
  drawArea(member) {
    const cellId = this.cellId;
    this.busy(true);
    this.root.dataset.drawing = String(member.id);
    this.say(
      `正在为 ${member.name} 划定责任区：在地图上依次点击各个顶点，点击第一个顶点完成；按 Esc 取消`,
    );
    const bar = el('p', 'resp-draw-bar');
    const stop = () => {
      bar.remove();
      delete this.root.dataset.drawing;
    };
    const cancel = button('取消划定', 'resp-cancel', () => {
      this.areas.cancel();
      stop();
      this.busy(false);
      this.say('已取消划定');
    });
    bar.append(cancel);
    const status = this.body.querySelector('.panel-status');
    if (status) status.after(bar);
    this.areas.draw(
      (geometry) => {
        stop();
        if (this.cellId === cellId) this.saveArea(member, geometry);
      },
      () => {
        stop();
        this.busy(false);
        this.say('已取消划定');
      },
    );
  }

  /** POST a member's area (`null` clears it: `{clear: true}`); reload the panel, or show the refusal. */
  async saveArea(member, geometry) {
    const cellId = this.cellId;
    this.busy(true);
    this.say('正在保存…');
    try {
      await postJSON(this.api.url('area', { id: member.id }), geometry ? { geometry } : { clear: true });
    } catch (err) {
      this.busy(false);
      if (geometry) this.areas.showRejected(geometry);
      this.say(`${geometry ? '划定' : '撤销'}失败：${err.message}`, 'error');
      return;
    }
    if (this.cellId !== cellId) return;
    const done = geometry ? `已划定 ${member.name} 的责任区` : `已撤销 ${member.name} 的责任区`;
    await this.open(cellId, done, 'ok');
  }

  registrationsSection(result) {
    const section = el('section', 'cell-registrations');
    section.append(el('h3', null, '在职党员报到'));
    if (result.error) {
      section.append(el('p', 'hint', result.error.message));
      return section;
    }
    const regs = result.registrations;
    if (!regs.length) {
      section.append(el('p', 'hint', '暂无在职党员在本网格报到'));
      return section;
    }
    const table = el('table', 'small-table');
    const head = el('tr');
    for (const text of ['姓名', '服务队', '报到时间', '电话']) head.append(el('th', null, text));
    table.createTHead().append(head);
    const body = table.createTBody();
    for (const r of regs) {
      const tr = el('tr');
      tr.append(el('td', null, r.name), el('td', null, r.team || '—'));
      tr.append(el('td', null, dateTime(r.registered_at).slice(0, 10)));
      const phone = el('td');
      const link = phoneLink(r.phone);
      if (link) phone.append(link);
      tr.append(phone);
      body.append(tr);
    }
    section.append(table);
    return section;
  }
}
