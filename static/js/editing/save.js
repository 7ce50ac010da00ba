// Saving: the edited outlines go first as a dry run, whose impact the preview dialog shows;
// 确认保存 writes them. `commit` runs every real write (also split, merge, draw, rename and
// revert from ops.js): it reloads the cells and says what changed, or hands a refusal to
// refusals.js. The user's edit is kept when a save is refused.

import { el } from '../common/dom.js';

/** `ctx`: the editor's api, map, view, dialog, state and actions (see page.js). */
export function createSaving(ctx) {
  const { api, emap, view, dialog, state } = ctx;

  function saveBody(dryRun) {
    return {
      community_id: state.community.properties.id,
      cells: ctx.dirtyIds().map((id) => ({
        id,
        version: state.cells.get(id).version,
        geometry: emap.geometry(id),
      })),
      override_reason: state.overrideReason,
      dry_run: dryRun,
    };
  }

  function backToEditing() {
    if (state.selected && state.mode === 'reshape') {
      emap.enableEdit(state.selected, ctx.editHandlers);
    }
    view.setState(ctx.dirtyIds().length ? 'editing' : 'idle');
  }

  /** Save the edited outlines: a dry run first, shown in the preview dialog. */
  async function save() {
    if (!ctx.dirtyIds().length) {
      view.showMessage('info', '没有未保存的修改');
      return;
    }
    emap.disableEdit();
    emap.clearAll();
    view.clearMessage();
    view.setState('checking');
    try {
      const preview = await api.save(saveBody(true));
      for (const f of preview.cells) emap.show('preview', f.geometry, 'preview-cell');
      const names = ctx.dirtyIds().map(ctx.label).join('、');
      dialog.open({
        title: '保存前预览',
        impact: preview.impact,
        extra: [el('p', 'preview-cells', `将保存：${names}`)],
        confirmLabel: '确认保存',
        onConfirm: () =>
          commit(() => api.save(saveBody(false)), '已保存', { kind: 'save', retry: save }),
        onCancel: () => {
          state.overrideReason = '';
          emap.clear('preview');
          backToEditing();
        },
      });
      view.setState('preview');
    } catch (err) {
      backToEditing();
      ctx.handleError(err, { kind: 'save', retry: save });
    }
  }

  /**
   * Run a real write; on success reload the cells and say what changed. `options.select(result)`
   * names the cell to select afterwards; `options.quiet` leaves out the impact summary;
   * `options.kind` and `options.retry` go to the refusal handler.
   */
  async function commit(call, doneText, options = {}) {
    view.setState('saving');
    try {
      const result = await call();
      dialog.close();
      emap.clearAll();
      const selectId = options.select ? options.select(result) : state.selected;
      if (state.mode !== 'reshape') ctx.setMode('reshape');
      await ctx.reloadCells(selectId);
      const text = options.quiet ? doneText : `${doneText}：${result.impact.summary}`;
      view.showMessage('success', text);
      view.setState('saved');
    } catch (err) {
      dialog.close();
      emap.clear('preview');
      backToEditing();
      ctx.handleError(err, options);
    }
  }

  return { save, commit };
}
