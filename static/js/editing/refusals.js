// What the editor does when the server refuses a write: show the Chinese message, highlight
// the offending geometry on the map, and offer the way out that fits the refusal —
// give a gap to the suggested neighbour, force a save through a building with a reason, or
// resolve a conflict (load the other person's version, or overwrite it knowingly).
// The user's edit is never thrown away here.

import { button, el } from '../common/dom.js';
import { unionTouching } from './polygon-union.js';

/** `ctx`: the editor's map, view, state and actions (see page.js). */
export function createRefusals(ctx) {
  const { emap, view, state, label } = ctx;

  /** Give the freed area to the suggested neighbour (its outline grows by the gap), then save. */
  function fixGap(id, gap) {
    const merged = unionTouching(emap.geometry(id), gap);
    if (!merged) {
      view.showMessage('error', '无法自动并入该网格，请手动调整边界');
      return;
    }
    emap.setGeometry(id, merged);
    ctx.commitEdit();
    ctx.save();
  }

  function forcedSaveForm(retry) {
    const reason = el('textarea', 'override-reason');
    reason.placeholder = '强制保存的理由（将记录在修改记录中）';
    reason.maxLength = 500;
    reason.rows = 2;
    const force = button('填写理由后强制保存', 'force-save', () => {
      if (!reason.value.trim()) {
        reason.focus();
        return;
      }
      state.overrideReason = reason.value.trim();
      retry();
    });
    return [reason, force];
  }

  function loadTheirs(cells) {
    emap.clear('conflict');
    view.clearMessage();
    if (!cells.every((c) => state.cells.has(c.id) && c.current)) {
      ctx.reloadCells();
      return;
    }
    for (const c of cells) {
      const entry = state.cells.get(c.id);
      entry.feature = c.current;
      entry.version = c.current_version;
      emap.setGeometry(c.id, c.current.geometry);
      entry.original = emap.signature(c.id);
    }
    ctx.commitEdit();
    ctx.renderCell();
    view.setState(ctx.dirtyIds().length ? 'editing' : 'idle');
    view.showMessage('info', '已载入他人的版本；您的修改可用“撤销上一步”找回后重新保存');
  }

  /** Save again over the other version, now that the user has seen it. */
  function overwrite(cells) {
    for (const c of cells) {
      const entry = state.cells.get(c.id);
      entry.version = c.current_version;
      entry.feature = c.current;
      entry.original = emap.signatureOf(c.current.geometry);
    }
    emap.clear('conflict');
    ctx.renderCell();
    ctx.save();
  }

  /** Someone saved the same cells meanwhile: show theirs and yours, let the user choose. */
  function showConflict(body, kind) {
    const cells = (body.errors && body.errors.cells) || [];
    emap.clear('conflict');
    for (const c of cells) {
      const text = `他人的版本（第 ${c.current_version} 版）`;
      emap.show('conflict', c.current.geometry, 'conflict-theirs', text);
      if (c.yours) emap.show('conflict', c.yours, 'conflict-yours');
    }
    emap.reveal('conflict');
    const box = view.showMessage('conflict', body.message);
    box.dataset.code = body.status;
    const ul = el('ul', 'conflict-cells');
    for (const c of cells) {
      const text = `${label(c.id)}：您基于第 ${c.your_version} 版修改，他人已保存为第 ${c.current_version} 版`;
      ul.append(el('li', null, text));
    }
    const legend = el('p', 'conflict-legend');
    legend.append(el('span', 'swatch swatch-theirs'), '他人的版本　');
    legend.append(el('span', 'swatch swatch-yours'), '您的修改');
    box.append(ul, legend, button('载入对方版本', 'load-theirs', () => loadTheirs(cells)));
    if (kind === 'save' && cells.length && cells.every((c) => c.yours)) {
      box.append(button('用我的修改覆盖', 'overwrite primary', () => overwrite(cells)));
    }
    view.setState('conflict');
  }

  /**
   * Show a refused write. `ctx.kind` names the operation ("save", "split", ...);
   * `ctx.retry()` repeats it (for a forced save with a reason).
   */
  function handleError(err, { kind = '', retry = null } = {}) {
    const body = err.body || {};
    emap.clear('error');
    if (err.status === 409 && body.status === 'stale_version') {
      showConflict(body, kind);
      return;
    }
    const text = err.status === 401 ? '登录已过期，请刷新页面重新登录' : err.message;
    const box = view.showMessage('error', text);
    box.dataset.code = body.status || String(err.status);
    if (body.geometry) {
      emap.show('error', body.geometry, 'error-highlight');
      emap.reveal('error');
      const kept = kind === 'save' ? '您的修改仍保留，可继续调整后再保存。' : '';
      box.append(el('p', 'message-note', `出错的位置已在地图上用红色虚线标出。${kept}`));
    }
    const details = body.errors || {};
    const suggested = Number(details.suggested_cell);
    if (body.status === 'gap' && kind === 'save' && state.cells.has(suggested)) {
      const text = `将空隙并入相邻网格：${label(suggested)}`;
      box.append(button(text, 'fix-gap primary', () => fixGap(suggested, body.geometry)));
    }
    if (body.status === 'building_cut' && retry) box.append(...forcedSaveForm(retry));
    view.setState('error');
  }

  return { handleError };
}
