// The editor's side panel: the elements of templates/editing/index.html, filled from the
// editor's state with textContent only. The container's data-* attributes mirror the state
// for tests: data-state, data-mode, data-selected-cell, data-dirty-count, data-undo-depth.

import { button, el, option } from '../common/dom.js';
import { historyView, number } from './panel.js';

const HINTS = {
  reshape:
    '点击网格开始调整边界：拖动顶点移动它，拖动边中间的小圆点增加顶点，右键点击顶点删除它。' +
    '按住 Alt 拖动时不吸附。',
  split: '在地图上依次点击，画一条完整穿过所选网格的线，再次点击最后一个点结束。',
  merge: '点击要合并的相邻网格（也可在调整边界时按住 Shift 点击），然后点“预览合并”。',
  draw: '在社区内依次点击画出新网格，点击第一个点闭合。与已有网格重叠的部分会自动裁去。',
};

export class EditorView {
  constructor(shell) {
    this.shell = shell;
    const $ = (selector) => shell.querySelector(selector);
    this.ui = {
      status: $('.map-status'),
      community: $('#editor-community'),
      tools: [...shell.querySelectorAll('.editor-tools button[data-mode]')],
      linkShared: $('#editor-link-shared'),
      hint: $('#editor-hint'),
      dirty: $('#editor-dirty'),
      undo: $('#editor-undo'),
      discard: $('#editor-discard'),
      save: $('#editor-save'),
      message: $('#editor-message'),
      cell: $('#editor-cell'),
      cellCode: $('#editor-cell .cell-code'),
      cellName: $('#editor-cell-name'),
      households: $('#editor-cell .cell-households'),
      residents: $('#editor-cell .cell-residents'),
      version: $('#editor-cell .cell-version'),
      rename: $('#editor-rename'),
      history: $('#editor-cell .cell-history'),
      cellList: $('#editor-cells'),
      merge: $('#editor-merge'),
      mergeList: $('#editor-merge .merge-list'),
      mergePreview: $('#editor-merge-preview'),
      mergeClear: $('#editor-merge-clear'),
      dialog: $('#editor-dialog'),
    };
  }

  setState(value) {
    this.shell.dataset.state = value;
  }

  get state() {
    return this.shell.dataset.state;
  }

  setStatus(text, isError = false) {
    const { status } = this.ui;
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle('error', isError);
  }

  /** Show a message box in the panel; returns it so callers can add buttons. */
  showMessage(kind, text) {
    const box = el('div', `message message-${kind}`);
    box.append(el('p', 'message-text', text));
    this.ui.message.replaceChildren(box);
    this.ui.message.hidden = false;
    this.ui.message.scrollIntoView({ block: 'nearest' });
    return box;
  }

  clearMessage() {
    this.ui.message.replaceChildren();
    this.ui.message.hidden = true;
  }

  setCommunities(features) {
    for (const f of features) {
      const { id, name, code } = f.properties;
      this.ui.community.append(option(id, `${name}（${code}）`));
    }
  }

  /** Everything that follows the state: buttons, notes, list marks, data attributes. */
  render({ mode, selected, merge, undoDepth, dirty, label }) {
    const { ui, shell } = this;
    shell.dataset.dirtyCount = String(dirty.length);
    shell.dataset.selectedCell = selected ? String(selected) : '';
    shell.dataset.mode = mode;
    shell.dataset.undoDepth = String(undoDepth);
    ui.undo.disabled = !undoDepth;
    ui.discard.disabled = !dirty.length;
    ui.save.disabled = !dirty.length;
    ui.dirty.textContent = dirty.length
      ? `${dirty.length} 个网格有未保存的修改`
      : '没有未保存的修改';
    ui.dirty.classList.toggle('has-changes', dirty.length > 0);
    ui.community.disabled = dirty.length > 0;
    ui.community.title = dirty.length ? '请先保存或放弃修改，再切换社区' : '';
    for (const b of ui.tools) b.setAttribute('aria-pressed', String(b.dataset.mode === mode));
    ui.hint.textContent = HINTS[mode];
    const dirtySet = new Set(dirty);
    for (const li of ui.cellList.children) {
      const id = Number(li.dataset.cellId);
      li.classList.toggle('selected', id === selected);
      li.classList.toggle('dirty', dirtySet.has(id));
      li.classList.toggle('merge-pick', merge.has(id));
    }
    ui.merge.hidden = mode !== 'merge';
    ui.mergeList.replaceChildren(...[...merge].map((id) => el('li', null, label(id))));
    ui.mergePreview.disabled = merge.size < 2;
  }

  /** The community's cells as a list; `onClick(id, event)` when one is clicked. */
  renderCellList(cells, onClick) {
    this.ui.cellList.replaceChildren();
    for (const [id, { feature }] of cells) {
      const p = feature.properties;
      const li = el('li');
      li.dataset.cellId = String(id);
      const b = button('', 'cell-item', (e) => onClick(id, e));
      b.append(el('span', 'cell-item-code', p.code), el('span', 'cell-item-name', p.name));
      b.append(el('span', 'cell-item-households', `${number(p.households)} 户`));
      li.append(b);
      this.ui.cellList.append(li);
    }
  }

  /** The selected cell's facts (entry: { feature, version }), or nothing. */
  renderCell(entry) {
    const { ui } = this;
    ui.cell.hidden = !entry;
    if (!entry) return;
    const p = entry.feature.properties;
    ui.cellCode.textContent = `${p.code}　${p.name}`;
    ui.cellName.value = p.name;
    ui.households.textContent = `${number(p.households)} 户`;
    ui.residents.textContent = `${number(p.residents)} 人`;
    ui.version.textContent = `第 ${entry.version} 版`;
  }

  historyLoading() {
    this.ui.history.replaceChildren(el('p', 'history-loading', '正在加载修改记录…'));
  }

  historyFailed(message) {
    this.ui.history.replaceChildren(el('p', 'error', `修改记录加载失败：${message}`));
  }

  renderHistory(entries, onRevert) {
    this.ui.history.replaceChildren(historyView(entries, onRevert));
  }
}
