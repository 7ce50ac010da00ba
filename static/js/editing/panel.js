// The editor's side panel and dialog: DOM built from API data with textContent only.
// Each function returns elements; page.js decides where they go and what buttons do.

import { button, el, option } from '../common/dom.js';

export const OP_LABELS = {
  reshape: '调整边界',
  split: '分割',
  merge: '合并',
  create: '新建',
  delete: '删除',
  attributes: '修改名称',
  revert: '撤销',
  proposal: '划分方案',
};
const ASSIGNMENT_KINDS = { party_org: '党组织', team: '服务队', worker: '网格员' };

export function number(n) {
  return Number.isFinite(n) ? n.toLocaleString('zh-CN') : '—';
}

export function area(m2) {
  return `${number(Math.round(m2))} 平方米`;
}

/** "before → after" with the difference, e.g. "300 → 412 户（+112）". */
export function change(before, after, format = number, unit = '') {
  const delta = after - before;
  const sign = delta > 0 ? '+' : '';
  const diff = Math.abs(delta) < 0.5 ? '' : `（${sign}${format(delta)}${unit}）`;
  return `${format(before)}${unit} → ${format(after)}${unit}${diff}`;
}

function table(headers, rows, className) {
  const t = el('table', className);
  const head = el('tr');
  for (const h of headers) head.append(el('th', null, h));
  t.append(el('thead'));
  t.tHead.append(head);
  const body = el('tbody');
  for (const row of rows) {
    const tr = el('tr');
    for (const cell of row) tr.append(el('td', null, cell));
    body.append(tr);
  }
  t.append(body);
  return t;
}

/** The change-impact preview: what moves from which cell to which, and area per cell. */
export function impactView(impact) {
  const box = el('div', 'impact');
  box.append(el('p', 'impact-summary', impact.summary));
  if (impact.transfers.length) {
    box.append(el('h3', null, '建筑与住户的变化'));
    box.append(
      table(
        ['从', '到', '建筑', '户数', '人数'],
        impact.transfers.map((t) => [
          t.from_label,
          t.to_label,
          `${t.buildings.length} 栋`,
          `${number(t.households)} 户`,
          `${number(t.residents)} 人`,
        ]),
        'impact-transfers',
      ),
    );
  }
  if (impact.assignments.length) {
    box.append(el('h3', null, '随之调整的党组织、服务队、网格员'));
    const ul = el('ul', 'impact-assignments');
    for (const a of impact.assignments) {
      const kind = ASSIGNMENT_KINDS[a.kind] || a.kind;
      ul.append(el('li', null, `${kind}：${a.from_label} → ${a.to_label}`));
    }
    box.append(ul);
  }
  if (impact.cells.length) {
    box.append(el('h3', null, '各网格面积与户数'));
    box.append(
      table(
        ['网格', '面积', '户数'],
        impact.cells.map((c) => [
          c.label,
          change(c.area_before_m2, c.area_after_m2, (v) => number(Math.round(v)), ' 平方米'),
          change(c.households_before, c.households_after, number, ' 户'),
        ]),
        'impact-cells',
      ),
    );
  }
  if (impact.cut_buildings.length) {
    box.append(
      el('p', 'impact-warning', `注意：边界穿过 ${impact.cut_buildings.length} 栋建筑（已填写理由）`),
    );
  }
  return box;
}

/** A labelled text input. */
export function textField(label, value, name) {
  const wrap = el('label', 'field');
  wrap.append(el('span', 'field-label', label));
  const input = el('input');
  input.type = 'text';
  input.name = name;
  input.value = value || '';
  input.maxLength = 100;
  wrap.append(input);
  return { wrap, input };
}

/** A labelled select of [value, text] options. */
export function selectField(label, options, value, name) {
  const wrap = el('label', 'field');
  wrap.append(el('span', 'field-label', label));
  const select = el('select');
  select.name = name;
  for (const [v, text] of options) select.append(option(v, text));
  select.value = String(value);
  wrap.append(select);
  return { wrap, select };
}

/** One cell's history, newest first, each with a "撤销" button. */
export function historyView(entries, onRevert) {
  if (!entries.length) return el('p', 'history-empty', '暂无修改记录');
  const ol = el('ol', 'history');
  for (const e of entries) {
    const li = el('li', 'history-entry');
    li.dataset.changeId = String(e.change_id);
    const head = el('p', 'history-head');
    head.append(el('span', 'history-op', OP_LABELS[e.op] || e.op));
    head.append(el('span', 'history-user', e.user));
    head.append(el('time', 'history-at', new Date(e.at).toLocaleString('zh-CN')));
    li.append(head);
    li.append(el('p', 'history-summary', e.summary));
    li.append(
      el('p', 'history-area', `面积 ${change(e.area_before_m2, e.area_after_m2, area)}`),
    );
    li.append(
      el('p', 'history-households', `户数 ${change(e.households_before, e.households_after)}`),
    );
    if (e.override_reason) li.append(el('p', 'history-reason', `强制保存理由：${e.override_reason}`));
    li.append(button('撤销', 'history-revert', () => onRevert(e)));
    ol.append(li);
  }
  return ol;
}

/** The dialog that previews a change before it is saved. */
export class PreviewDialog {
  constructor(dialog) {
    this.dialog = dialog;
    this.onCancel = null;
    dialog.addEventListener('cancel', () => this.cancel());
  }

  /**
   * Open with a title, the preview (impact and extra elements) and a confirm button.
   * `onConfirm()` may return a promise; the button is disabled while it runs.
   */
  open({ title, impact, extra = [], confirmLabel, onConfirm, onCancel }) {
    const d = this.dialog;
    d.replaceChildren();
    d.append(el('h2', 'dialog-title', title));
    if (impact) d.append(impactView(impact));
    for (const node of extra) d.append(node);
    this.error = el('p', 'dialog-error');
    this.error.hidden = true;
    d.append(this.error);
    const actions = el('div', 'dialog-actions');
    const cancel = button('返回修改', 'dialog-cancel', () => this.cancel());
    this.confirm = button(confirmLabel, 'dialog-confirm primary', async () => {
      this.confirm.disabled = true;
      this.confirm.textContent = '正在保存…';
      try {
        await onConfirm();
      } finally {
        this.confirm.disabled = false;
        this.confirm.textContent = confirmLabel;
      }
    });
    actions.append(cancel, this.confirm);
    d.append(actions);
    this.onCancel = onCancel || null;
    if (!d.open) d.showModal();
  }

  showError(message) {
    this.error.textContent = message;
    this.error.hidden = false;
  }

  close() {
    this.onCancel = null;
    if (this.dialog.open) this.dialog.close();
  }

  cancel() {
    const callback = this.onCancel;
    this.close();
    if (callback) callback();
  }
}
