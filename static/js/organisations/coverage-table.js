// The table of every cell in range: names per item, missing items highlighted, a filter for
// 盲点 cells and a text filter; each row has a button opening the cell's panel.
import { button, el } from '../common/dom.js';
import { number } from './dom.js';

const NAME_COLUMNS = [
  ['party_org', 'party_orgs'],
  ['worker', 'workers'],
  ['team', 'teams'],
];

export class CellTable {
  /**
   * `table` is the <table>; `blindOnly` a checkbox; `search` a text input; `count` the line
   * saying how many rows are shown; `onOpen(cellId)` opens the cell's panel.
   */
  constructor({ table, blindOnly, search, count, actionLabel, onOpen }) {
    this.table = table;
    this.blindOnly = blindOnly;
    this.search = search;
    this.count = count;
    this.actionLabel = actionLabel;
    this.onOpen = onOpen;
    this.cells = [];
    this.selected = null;
    blindOnly.addEventListener('change', () => this.filter());
    search.addEventListener('input', () => this.filter());
  }

  render(report) {
    this.cells = report.cells;
    const labels = Object.fromEntries(report.items.map((i) => [i.key, i.label]));
    this.table.tBodies[0].replaceChildren(...report.cells.map((c) => this.row(c, labels)));
    this.filter();
    this.select(this.selected);
  }

  row(cell, labels) {
    const tr = el('tr');
    tr.dataset.cellId = String(cell.cell_id);
    tr.dataset.missing = cell.missing.join(' ');
    if (cell.blind_spot) tr.classList.add('blind-spot');
    tr.append(el('td', null, cell.community_name));
    tr.append(el('td', 'code', cell.code));
    tr.append(el('td', 'card-title', cell.name));
    tr.append(el('td', 'num', number(cell.households)));
    for (const [item, field] of NAME_COLUMNS) {
      const names = cell[field];
      const td = el('td', names.length ? null : 'lacking', names.length ? names.join('、') : '无');
      td.dataset.item = item;
      tr.append(td);
    }
    const hubs = el('td', `num${cell.hubs ? '' : ' lacking'}`, cell.hubs ? `${cell.hubs} 户` : '无');
    hubs.dataset.item = 'hub';
    tr.append(hubs);
    const missing = el('td', 'missing card-wide');
    if (cell.missing.length === 0) missing.append(el('span', 'tag ok', '齐全'));
    for (const item of cell.missing) missing.append(el('span', `tag tag-${item}`, labels[item]));
    if (cell.blind_spot) missing.append(el('span', 'tag tag-blind', '盲点'));
    tr.append(missing);
    const action = el('td', 'action card-wide card-action');
    const open = button(this.actionLabel, 'open-cell', () => this.onOpen(cell.cell_id));
    open.setAttribute('aria-label', `${this.actionLabel}：${cell.name}`);
    action.append(open);
    tr.append(action);
    return tr;
  }

  filter() {
    const blindOnly = this.blindOnly.checked;
    const text = this.search.value.trim();
    let shown = 0;
    for (const tr of this.table.tBodies[0].rows) {
      const cell = this.cells.find((c) => String(c.cell_id) === tr.dataset.cellId);
      const visible =
        (!blindOnly || cell.blind_spot) &&
        (!text || [cell.code, cell.name, cell.community_name].some((t) => t.includes(text)));
      tr.hidden = !visible;
      if (visible) shown += 1;
    }
    const blind = this.cells.filter((c) => c.blind_spot).length;
    this.count.textContent = `显示 ${shown} / ${this.cells.length} 个网格（其中盲点 ${blind} 个）`;
  }

  /** Highlight the row of the selected cell. */
  select(cellId) {
    this.selected = cellId;
    for (const tr of this.table.tBodies[0].rows) {
      tr.classList.toggle('selected', tr.dataset.cellId === String(cellId));
    }
  }
}
