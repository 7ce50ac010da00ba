// The "two coverages" tables: per community and per cell, work coverage (share of residents
// and households within the circles) next to organisation coverage (党组织, 网格员, 服务队,
// 党员中心户). Cells are ordered by worst coverage first; headers sort.
import { button, el } from '../common/dom.js';
import { ORG_ITEMS } from '../common/vocab.js';
import { num, pct, shareBin } from './format.js';

const ORG_KEYS = ORG_ITEMS.map(([key]) => key);

function shareCell(share, residents, before = null) {
  const td = el('td', `share ${shareBin(share, residents)}`);
  const bar = el('span', 'bar');
  const fill = el('span', 'bar-fill');
  fill.style.width = `${Math.max(0, Math.min(1, share)) * 100}%`;
  bar.append(fill);
  const text = before === null || before === share ? pct(share) : `${pct(before)} → ${pct(share)}`;
  td.append(bar, el('span', 'share-text', text));
  if (before !== null && before !== share) td.classList.add('changed');
  return td;
}

function orgCell(org, key) {
  if (!org) return el('td', 'org unknown', '—');
  const missing = org.missing.includes(key);
  const td = el('td', missing ? 'org missing' : 'org ok', missing ? '缺' : '✓');
  td.title = missing ? '缺少' : '有';
  td.dataset.org = missing ? 'missing' : 'ok';
  return td;
}

export class CoverageTables {
  constructor(root, focus) {
    this.community = root.querySelector('#svc-community-table');
    this.cells = root.querySelector('#svc-cell-table');
    this.problemOnly = root.querySelector('#svc-problem-only');
    this.count = root.querySelector('.cell-count');
    this.focus = focus;
    this.sort = { key: 'share_residents', dir: 1 };
    this.data = null;
    for (const th of this.cells.querySelectorAll('th[data-sort]')) {
      const sort = button(th.textContent, 'sort', () => {
        const key = th.dataset.sort;
        this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
        this.renderCells();
      });
      th.replaceChildren(sort);
    }
    this.problemOnly.addEventListener('change', () => this.renderCells());
  }

  /** `report`: the coverage report; `org`: cell id -> organisation coverage row;
   * `after`: cell id -> what-if row (changed cells only). */
  show(report, org, after = new Map()) {
    this.data = { report, org, after };
    this.renderCommunities();
    this.renderCells();
  }

  clear() {
    this.data = null;
    this.community.tBodies[0].replaceChildren();
    this.community.tFoot.replaceChildren();
    this.cells.tBodies[0].replaceChildren();
    this.count.textContent = '';
  }

  renderCommunities() {
    const { report, org } = this.data;
    const body = this.community.tBodies[0];
    body.replaceChildren();
    const cellsOf = new Map();
    for (const c of report.cells) {
      if (!cellsOf.has(c.community_id)) cellsOf.set(c.community_id, []);
      cellsOf.get(c.community_id).push(c);
    }
    const totals = { cells: 0, gaps: 0, missing: Object.fromEntries(ORG_KEYS.map((k) => [k, 0])) };
    const rows = [...report.communities].sort(
      (a, b) => a.share_residents - b.share_residents || a.name.localeCompare(b.name, 'zh-CN'),
    );
    for (const c of rows) {
      const cells = cellsOf.get(c.community_id) || [];
      const gaps = cells.reduce((s, x) => s + x.uncovered_buildings, 0);
      const tr = el('tr');
      tr.dataset.communityId = String(c.community_id);
      tr.dataset.shareResidents = String(c.share_residents);
      tr.append(
        el('th', null, c.name),
        el('td', 'num', num(cells.length)),
        el('td', 'num', num(c.households)),
        el('td', 'num', num(c.residents)),
        el('td', 'num', pct(c.share_households)),
        shareCell(c.share_residents, c.residents),
        el('td', 'num', num(gaps)),
      );
      tr.firstChild.scope = 'row';
      for (const key of ORG_KEYS) {
        const lacking = (x) => org.has(x.cell_id) && org.get(x.cell_id).missing.includes(key);
        const n = cells.filter(lacking).length;
        totals.missing[key] += n;
        tr.append(el('td', n ? 'num missing' : 'num', num(n)));
      }
      totals.cells += cells.length;
      totals.gaps += gaps;
      body.append(tr);
    }
    const s = report.summary;
    const foot = el('tr');
    foot.append(
      el('th', null, '合计'),
      el('td', 'num', num(totals.cells)),
      el('td', 'num', num(s.households)),
      el('td', 'num', num(s.residents)),
      el('td', 'num', pct(s.share_households)),
      shareCell(s.share_residents, s.residents),
      el('td', 'num', num(totals.gaps)),
      ...ORG_KEYS.map((k) => el('td', 'num', num(totals.missing[k]))),
    );
    this.community.tFoot.replaceChildren(foot);
  }

  sortValue(row, key) {
    if (ORG_KEYS.includes(key)) {
      const o = this.data.org.get(row.cell_id);
      return o ? Number(!o.missing.includes(key)) : 2;
    }
    return row[key];
  }

  renderCells() {
    if (!this.data) return;
    const { report, org, after } = this.data;
    const { key, dir } = this.sort;
    const rows = report.cells.map((c) => after.get(c.cell_id) || c);
    const shown = rows.filter(
      (r) =>
        !this.problemOnly.checked ||
        r.share_residents < 1 ||
        (org.has(r.cell_id) && org.get(r.cell_id).missing.length > 0),
    );
    shown.sort((a, b) => {
      const x = this.sortValue(a, key);
      const y = this.sortValue(b, key);
      const order = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
      return dir * order || a.code.localeCompare(b.code);
    });
    const body = this.cells.tBodies[0];
    body.replaceChildren();
    for (const r of shown) {
      const before = after.has(r.cell_id) ? r.share_residents_before : null;
      const tr = el('tr');
      tr.dataset.cellId = String(r.cell_id);
      tr.dataset.shareResidents = String(r.share_residents);
      const name = el('td', 'cell-name card-title');
      const link = button(r.name, 'link', () => this.focus(r.cell_id));
      link.title = `在地图上查看（${r.code}）`;
      name.append(link, el('span', 'code', r.code));
      tr.append(
        el('td', null, r.community_name),
        name,
        el('td', 'num', num(r.households)),
        el('td', 'num', num(r.residents)),
        el('td', 'num', pct(r.share_households)),
        shareCell(r.share_residents, r.residents, before),
        el('td', r.uncovered_buildings ? 'num missing' : 'num', num(r.uncovered_buildings)),
        ...ORG_KEYS.map((k) => orgCell(org.get(r.cell_id), k)),
      );
      body.append(tr);
    }
    for (const th of this.cells.querySelectorAll('th[data-sort]')) {
      const order = dir > 0 ? 'ascending' : 'descending';
      if (th.dataset.sort === key) th.setAttribute('aria-sort', order);
      else th.removeAttribute('aria-sort');
    }
    this.count.textContent = `显示 ${shown.length} / ${rows.length} 个网格`;
  }
}
