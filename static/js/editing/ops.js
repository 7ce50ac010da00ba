// The editor's whole-cell operations: split along a drawn line, merge, draw a new cell,
// rename, revert a change. Each previews with a dry run, then writes on confirmation
// through the editor's `commit` (which reloads the cells).

import { button, el } from '../common/dom.js';
import { OP_LABELS, selectField, textField } from './panel.js';

const L = window.L;

function lineGeometry(latlngs) {
  return L.polyline(latlngs).toGeoJSON(false).geometry;
}

function polygonGeometry(latlngs) {
  return L.polygon(latlngs).toGeoJSON(false).geometry;
}

/** `ctx`: the editor's api, map, dialog, state and actions (see page.js). */
export function createOps(ctx) {
  const { api, emap, dialog, state, label, commit, handleError, showMessage, setState } = ctx;

  function showParts(cells, prefix) {
    emap.clear('preview');
    cells.forEach((f, i) => {
      const text = `${prefix(i, f)}：${f.properties.households} 户`;
      emap.show('preview', f.geometry, 'preview-cell', text);
    });
  }

  function backToReshape() {
    state.overrideReason = '';
    emap.clear('preview');
    ctx.setMode('reshape');
  }

  function cancelled() {
    emap.clear('preview');
    setState('idle');
  }

  // --- split -------------------------------------------------------------------------

  function startSplit() {
    if (!state.selected) {
      showMessage('info', '请先在地图上点击要分割的网格');
      return;
    }
    state.drawing = true;
    emap.draw('Line', (latlngs) => {
      state.drawing = false;
      previewSplit(state.selected, lineGeometry(latlngs));
    });
  }

  async function previewSplit(id, line) {
    const entry = state.cells.get(id);
    const { name, code } = entry.feature.properties;
    const body = { version: entry.version, line, override_reason: state.overrideReason };
    try {
      setState('checking');
      const result = await api.split(id, { ...body, dry_run: true });
      showParts(result.cells, (i) => `第 ${i + 1} 部分`);
      const fields = result.cells.map((f, i) =>
        textField(
          i === 0 ? `第 1 部分名称（保留编码 ${code}）` : `第 ${i + 1} 部分名称（新编码）`,
          i === 0 ? name : `${name}-${i + 1}`,
          `name-${i}`,
        ),
      );
      const assign = selectField(
        '党组织、服务队、网格员随',
        result.cells.map((f, i) => [i, `第 ${i + 1} 部分（${f.properties.households} 户）`]),
        0,
        'assignments_to',
      );
      dialog.open({
        title: `分割 ${label(id)}`,
        impact: result.impact,
        extra: [
          el('p', 'dialog-note', `分割为 ${result.cells.length} 个网格，各部分已在地图上标出。`),
          ...fields.map((f) => f.wrap),
          assign.wrap,
        ],
        confirmLabel: '确认分割',
        onConfirm: () =>
          commit(
            () =>
              api.split(id, {
                ...body,
                names: fields.map((f) => f.input.value.trim()),
                assignments_to: Number(assign.select.value),
              }),
            '已分割',
            { kind: 'split', retry: () => previewSplit(id, line) },
          ),
        onCancel: () => {
          backToReshape();
          setState('idle');
        },
      });
      setState('preview');
    } catch (err) {
      handleError(err, { kind: 'split', retry: () => previewSplit(id, line) });
      backToReshape();
    }
  }

  // --- merge -------------------------------------------------------------------------

  async function previewMerge() {
    const ids = [...state.merge];
    if (ids.length < 2) return;
    const cells = ids.map((id) => ({ id, version: state.cells.get(id).version }));
    try {
      setState('checking');
      const result = await api.merge({ cells, dry_run: true });
      const survivor = Number(result.cells[0].properties.key);
      showParts(result.cells, () => '合并后');
      const keep = selectField(
        '保留哪个网格的编码（其余网格的党组织等并入它）',
        ids.map((id) => [id, label(id)]),
        survivor,
        'keep',
      );
      const nameOf = (id) => state.cells.get(id).feature.properties.name;
      const name = textField('合并后的名称', nameOf(survivor), 'name');
      keep.select.addEventListener('change', () => {
        name.input.value = nameOf(Number(keep.select.value));
      });
      dialog.open({
        title: `合并 ${ids.length} 个网格`,
        impact: result.impact,
        extra: [keep.wrap, name.wrap],
        confirmLabel: '确认合并',
        onConfirm: () => {
          const keepId = Number(keep.select.value);
          const newName = name.input.value.trim();
          return commit(
            () => api.merge({ cells, keep: keepId, ...(newName ? { name: newName } : {}) }),
            '已合并',
            { kind: 'merge', select: () => keepId },
          );
        },
        onCancel: cancelled,
      });
      setState('preview');
    } catch (err) {
      handleError(err, { kind: 'merge' });
    }
  }

  // --- draw a new cell ---------------------------------------------------------------

  function startDraw() {
    state.drawing = true;
    emap.draw('Polygon', (latlngs) => {
      state.drawing = false;
      previewDraw(polygonGeometry(latlngs));
    });
  }

  /**
   * Preview a drawn cell. First it takes only the community's free space; when the drawing
   * overlaps cells (or there is no free space) the manager may instead carve it out of
   * them (`carve`: the overlapped cells shrink; the server checks buildings and gaps).
   */
  async function previewDraw(geometry, carve = false) {
    const communityId = state.community.properties.id;
    const draft = { community_id: communityId, name: '新网格', geometry, carve };
    try {
      setState('checking');
      const result = await api.draw({ ...draft, dry_run: true });
      showParts(result.cells.filter((f) => f.id === null), () => '新网格');
      const overlapped = result.overlapped || [];
      const names = overlapped.map(label).join('、');
      let note = '画出的范围没有压到已有网格。';
      if (carve) note = `将从 ${names} 中划出所画范围，这些网格相应缩小（见影响预览）。`;
      else if (overlapped.length) note = `画出的范围压到了 ${names}，重叠部分已自动裁去（见地图）。`;
      const extra = [el('p', 'dialog-note', note)];
      if (!carve && overlapped.length) {
        extra.push(
          button('改为从重叠网格中划出', 'carve', () => {
            dialog.close();
            previewDraw(geometry, true);
          }),
        );
      }
      const name = textField('新网格名称', '', 'name');
      name.input.required = true;
      name.input.placeholder = '例如：幸福小区网格';
      extra.push(name.wrap);
      dialog.open({
        title: carve ? '新建网格（从相邻网格中划出）' : '新建网格',
        impact: result.impact,
        extra,
        confirmLabel: '确认新建',
        onConfirm: () => {
          const value = name.input.value.trim();
          if (!value) {
            dialog.showError('请填写新网格的名称');
            name.input.focus();
            return undefined;
          }
          return commit(() => api.draw({ ...draft, name: value }), '已新建网格', {
            kind: 'draw',
            select: (r) => {
              const created = r.cells.find((f) => f.properties.version === 1);
              return created ? created.id : null;
            },
          });
        },
        onCancel: () => {
          backToReshape();
          setState('idle');
        },
      });
      setState('preview');
    } catch (err) {
      const noFreeSpace = err.status === 422 && (err.body || {}).status === 'partition_error';
      if (!carve && noFreeSpace) {
        previewDraw(geometry, true); // a fully covered community: offer to carve instead
        return;
      }
      handleError(err, { kind: 'draw' });
      backToReshape();
    }
  }

  // --- rename and revert -------------------------------------------------------------

  function rename(name) {
    const id = state.selected;
    if (!id || ctx.needsClean()) return;
    if (!name) {
      showMessage('error', '网格名称不能为空');
      return;
    }
    const { version } = state.cells.get(id);
    commit(() => api.rename(id, { version, name }), '已改名', { kind: 'rename', quiet: true });
  }

  async function revert(entry) {
    if (ctx.needsClean()) return;
    try {
      setState('checking');
      const result = await api.revert(entry.change_id, { dry_run: true });
      showParts(result.cells, (i, f) => f.properties.name || '撤销后');
      dialog.open({
        title: `撤销修改 #${entry.change_id}（${OP_LABELS[entry.op] || entry.op}）`,
        impact: result.impact,
        extra: [el('p', 'dialog-note', `原修改：${entry.summary}（${entry.user}）`)],
        confirmLabel: '确认撤销',
        onConfirm: () =>
          commit(() => api.revert(entry.change_id, { dry_run: false }), '已撤销', {
            kind: 'revert',
          }),
        onCancel: cancelled,
      });
      setState('preview');
    } catch (err) {
      handleError(err, { kind: 'revert' });
    }
  }

  return { startSplit, previewMerge, startDraw, rename, revert };
}
