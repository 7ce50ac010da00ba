// The boundary editor: state, loading, selection and tools, reshaping with shared vertices,
// undo, and saving with a preview. Refused saves are handled in editor-refusals.js; split,
// merge, draw, rename and revert in editor-ops.js; the panel in editor-view.js; the map in
// editor-map.js.
//
// States (data-state on #editor): loading, idle, editing, checking (dry run under way),
// preview (dialog open), saving, saved, error, conflict.

import { createEditorApi } from './api.js';
import { EditorMap } from './map.js';
import { createOps } from './ops.js';
import { PreviewDialog } from './panel.js';
import { createRefusals } from './refusals.js';
import { EditorView } from './view.js';
import { el } from '../common/dom.js';
import { linkVertex, moveLinked, removeLinked } from './shared-vertices.js';

const L = window.L;
const shell = document.getElementById('editor');
const view = new EditorView(shell);
const { ui } = view;
const api = createEditorApi(JSON.parse(shell.dataset.apiUrls), shell.dataset.idPlaceholder);
const groups = {};
for (const [key, name] of Object.entries(JSON.parse(shell.dataset.layerVars))) {
  groups[key] = window[name];
}
const mapShell = shell.querySelector('.editor-map');
const emap = new EditorMap(window[shell.dataset.mapVar], groups, mapShell);
const dialog = new PreviewDialog(ui.dialog);

const state = {
  communities: [],
  community: null, // GeoJSON feature
  cells: new Map(), // id -> { feature, version, original (outline signature) }
  selected: null,
  mode: 'reshape', // reshape | split | merge | draw
  merge: new Set(),
  undo: [], // snapshots before each edit
  current: null, // snapshot after the last edit
  currentSig: '',
  drag: null, // { links } while a vertex is dragged
  drawing: false,
  overrideReason: '',
};

// --- helpers ---------------------------------------------------------------------------

function label(id) {
  const entry = state.cells.get(id);
  return entry ? `${entry.feature.properties.name}（${entry.feature.properties.code}）` : `#${id}`;
}

function allSignature() {
  return [...state.cells.keys()].map((id) => emap.signature(id)).join('|');
}

function dirtyIds() {
  return [...state.cells].filter(([id, e]) => emap.signature(id) !== e.original).map(([id]) => id);
}

function needsClean() {
  if (!dirtyIds().length) return false;
  view.showMessage('info', '请先保存或放弃未保存的边界修改，再进行这项操作');
  return true;
}

function updateUrl() {
  const params = new URLSearchParams();
  if (state.community) params.set('community', state.community.properties.id);
  if (state.selected) params.set('cell', state.selected);
  window.history.replaceState(null, '', `${window.location.pathname}?${params}`);
}

function refresh() {
  const dirty = dirtyIds();
  view.render({ ...state, undoDepth: state.undo.length, dirty, label });
  emap.markCells('selected', new Set(state.selected ? [state.selected] : []));
  emap.markCells('dirty', new Set(dirty));
  emap.markCells('merge-pick', state.merge);
}

function renderCell() {
  view.renderCell(state.selected ? state.cells.get(state.selected) : null);
}

async function loadHistory() {
  const id = state.selected;
  view.historyLoading();
  try {
    const { entries } = await api.history(id);
    if (state.selected === id) view.renderHistory(entries, (entry) => ops.revert(entry));
  } catch (err) {
    view.historyFailed(err.message);
  }
}

// --- loading ---------------------------------------------------------------------------

function setCells(features) {
  emap.setCells(features, onCellClick);
  state.cells = new Map();
  for (const f of features) {
    const id = f.properties.id;
    const original = emap.signature(id);
    state.cells.set(id, { feature: f, version: f.properties.version, original });
  }
  state.undo = [];
  state.current = emap.snapshot();
  state.currentSig = allSignature();
  state.merge.clear();
  state.overrideReason = '';
  view.renderCellList(state.cells, onCellClick);
}

function bboxOf(geometry) {
  const b = L.geoJSON(geometry).getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(',');
}

async function loadCommunity(id, selectId = null) {
  const community = state.communities.find((f) => f.properties.id === id);
  state.community = community;
  ui.community.value = String(id);
  view.setStatus('正在加载网格…');
  const bbox = bboxOf(community.geometry);
  const [cells, buildings, streets] = await Promise.all([
    api.cells({ community_id: id }),
    api.buildings({ bbox }),
    api.streets({ bbox }),
  ]);
  emap.setBase(community, streets, buildings);
  setCells(cells.features);
  emap.fitTo(community.geometry);
  emap.fitLabels();
  view.setStatus(cells.features.length ? '' : '该社区还没有网格，可用“新建网格”画出');
  selectCell(state.cells.has(selectId) ? selectId : null);
}

/** Load the community's cells again (after a save: versions changed). */
async function reloadCells(selectId = state.selected) {
  const cells = await api.cells({ community_id: state.community.properties.id });
  setCells(cells.features);
  emap.fitLabels();
  selectCell(state.cells.has(selectId) ? selectId : null);
}

// --- selection and tools ---------------------------------------------------------------

function selectCell(id) {
  state.selected = id;
  if (id !== null && state.mode === 'reshape') emap.enableEdit(id, editHandlers);
  else emap.disableEdit();
  renderCell();
  refresh();
  updateUrl();
  if (id !== null) loadHistory();
}

function onCellClick(id, event) {
  if (state.drawing) return;
  if (state.mode === 'merge' || (event.shiftKey && state.mode === 'reshape')) {
    if (state.mode !== 'merge' && !setMode('merge')) return;
    if (state.merge.has(id)) state.merge.delete(id);
    else state.merge.add(id);
    refresh();
    return;
  }
  selectCell(id);
  if (state.mode === 'split') ops.startSplit();
}

/** Switch tools; false when refused (unsaved edits). */
function setMode(mode) {
  emap.cancelDraw();
  state.drawing = false;
  emap.clear('preview');
  if (mode !== 'reshape' && needsClean()) return false;
  state.mode = mode;
  state.merge = new Set(mode === 'merge' && state.selected ? [state.selected] : []);
  if (mode === 'reshape' && state.selected) emap.enableEdit(state.selected, editHandlers);
  else emap.disableEdit();
  refresh();
  if (mode === 'split' && state.selected) ops.startSplit();
  if (mode === 'draw') ops.startDraw();
  return true;
}

// --- reshaping and undo ----------------------------------------------------------------

/** Record the current outlines as one undo step (when something changed). */
function commitEdit() {
  const sig = allSignature();
  if (sig === state.currentSig) return;
  state.undo.push(state.current);
  state.current = emap.snapshot();
  state.currentSig = sig;
  state.overrideReason = ''; // a reason covers the outline it was given for, no other
  emap.centreLabels();
  if (!['error', 'conflict'].includes(view.state)) view.setState('editing');
  refresh();
}

function restore(snapshot) {
  emap.restore(snapshot);
  state.current = snapshot;
  state.currentSig = allSignature();
  emap.centreLabels();
  refresh();
}

function undo() {
  if (!state.undo.length) return;
  restore(state.undo.pop());
  view.setState(dirtyIds().length ? 'editing' : 'idle');
}

function discard() {
  for (const [id, entry] of state.cells) emap.setGeometry(id, entry.feature.geometry);
  state.undo = [];
  state.overrideReason = '';
  restore(emap.snapshot());
  emap.clearAll();
  view.clearMessage();
  view.setState('idle');
}

/** Geoman's editing events on the selected cell: shared vertices follow the dragged one. */
const editHandlers = {
  'pm:markerdragstart': (e) => {
    const p = e.markerEvent.target.getLatLng();
    const links = ui.linkShared.checked ? linkVertex(p, emap.neighbours(state.selected)) : [];
    // a linked neighbour follows the marker: snapping to it would pin the marker in place
    for (const { layer } of links) layer.options.snapIgnore = true;
    state.drag = { links };
  },
  'pm:markerdrag': (e) => {
    if (state.drag) moveLinked(state.drag.links, e.markerEvent.target.getLatLng());
  },
  'pm:markerdragend': (e) => {
    if (state.drag) {
      moveLinked(state.drag.links, e.markerEvent.target.getLatLng());
      for (const { layer } of state.drag.links) delete layer.options.snapIgnore;
    }
    state.drag = null;
    commitEdit();
  },
  'pm:vertexremoved': (e) => {
    if (ui.linkShared.checked && e.indexPath) {
      const path = e.indexPath.slice(0, -1);
      const ring = path.reduce((node, i) => node[i], e.layer.getLatLngs());
      const i = e.indexPath[e.indexPath.length - 1];
      if (ring && ring.length >= 3) {
        const prev = ring[(i - 1 + ring.length) % ring.length];
        const next = ring[i % ring.length];
        removeLinked(e.marker.getLatLng(), prev, next, emap.neighbours(state.selected));
      }
    }
    commitEdit();
  },
  'pm:edit': () => {
    // a vertex added by a click; a drag (also of a new vertex) commits at its end
    setTimeout(() => {
      if (!state.drag) commitEdit();
    }, 0);
  },
};

// --- saving ----------------------------------------------------------------------------

function saveBody(dryRun) {
  return {
    community_id: state.community.properties.id,
    cells: dirtyIds().map((id) => ({
      id,
      version: state.cells.get(id).version,
      geometry: emap.geometry(id),
    })),
    override_reason: state.overrideReason,
    dry_run: dryRun,
  };
}

function backToEditing() {
  if (state.selected && state.mode === 'reshape') emap.enableEdit(state.selected, editHandlers);
  view.setState(dirtyIds().length ? 'editing' : 'idle');
}

/** Save the edited outlines: a dry run first, shown in the preview dialog. */
async function save() {
  if (!dirtyIds().length) {
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
    const names = el('p', 'preview-cells', `将保存：${dirtyIds().map(label).join('、')}`);
    dialog.open({
      title: '保存前预览',
      impact: preview.impact,
      extra: [names],
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
    refusals.handleError(err, { kind: 'save', retry: save });
  }
}

/**
 * Run a real write; on success reload the cells and say what changed. `ctx.select(result)`
 * names the cell to select afterwards; `ctx.quiet` leaves out the impact summary.
 */
async function commit(call, doneText, ctx = {}) {
  view.setState('saving');
  try {
    const result = await call();
    dialog.close();
    emap.clearAll();
    const selectId = ctx.select ? ctx.select(result) : state.selected;
    if (state.mode !== 'reshape') setMode('reshape');
    await reloadCells(selectId);
    view.showMessage('success', ctx.quiet ? doneText : `${doneText}：${result.impact.summary}`);
    view.setState('saved');
  } catch (err) {
    dialog.close();
    emap.clear('preview');
    backToEditing();
    refusals.handleError(err, ctx);
  }
}

// --- wiring ----------------------------------------------------------------------------

const refusals = createRefusals({
  emap,
  view,
  state,
  label,
  dirtyIds,
  commitEdit,
  renderCell,
  reloadCells,
  save,
});

const ops = createOps({
  api,
  emap,
  dialog,
  state,
  label,
  commit,
  handleError: refusals.handleError,
  showMessage: (kind, text) => view.showMessage(kind, text),
  needsClean,
  setMode,
  setState: (value) => view.setState(value),
});

function wire() {
  ui.community.addEventListener('change', () => {
    if (needsClean()) return;
    view.clearMessage();
    loadCommunity(Number(ui.community.value)).catch((err) => view.setStatus(err.message, true));
  });
  for (const b of ui.tools) b.addEventListener('click', () => setMode(b.dataset.mode));
  ui.undo.addEventListener('click', undo);
  ui.discard.addEventListener('click', discard);
  ui.save.addEventListener('click', save);
  ui.rename.addEventListener('submit', (e) => {
    e.preventDefault();
    ops.rename(ui.cellName.value.trim());
  });
  ui.mergePreview.addEventListener('click', () => ops.previewMerge());
  ui.mergeClear.addEventListener('click', () => {
    state.merge.clear();
    emap.clear('preview');
    refresh();
  });
  document.addEventListener('keydown', (e) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && !typing && !ui.dialog.open) {
      e.preventDefault();
      undo();
    } else if (e.key === 'Escape' && state.drawing) {
      setMode('reshape');
    }
  });
  window.addEventListener('beforeunload', (e) => {
    if (dirtyIds().length) e.preventDefault();
  });
}

async function main() {
  wire();
  try {
    const communities = await api.communities();
    state.communities = communities.features;
    view.setCommunities(communities.features);
    if (communities.features.length) {
      const params = new URLSearchParams(window.location.search);
      const wanted = Number(params.get('community'));
      const first =
        communities.features.find((f) => f.properties.id === wanted) || communities.features[0];
      await loadCommunity(first.properties.id, Number(params.get('cell')) || null);
    } else {
      view.setStatus('您的管辖范围内没有社区');
    }
    view.setState('idle');
    shell.dataset.ready = 'true';
  } catch (err) {
    shell.dataset.ready = 'error';
    const text = err.status === 401 ? '登录已过期，请刷新页面重新登录' : `加载失败：${err.message}`;
    view.setStatus(text, true);
    console.error(err);
  }
}

// The page's own editor, for the console and for tests that need to look inside.
window.gridEditor = { state, emap, dirtyIds, selectCell, save, undo, discard };

main();
