// The boundary editor (网格编辑), the page's entry: the editor's state, loading a community,
// selecting cells and tools, and wiring the parts together: reshaping and undo in reshape.js,
// saving with a preview in save.js, refused writes in refusals.js, split, merge, draw, rename
// and revert in ops.js, the panel in view.js, the map in map.js.
//
// States (data-state on #editor): loading, idle, editing, checking (dry run under way),
// preview (dialog open), saving, saved, error, conflict.

import { readJSON } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import { createEditorApi } from './api.js';
import { EditorMap } from './map.js';
import { createOps } from './ops.js';
import { PreviewDialog } from './panel.js';
import { createRefusals } from './refusals.js';
import { createReshaping } from './reshape.js';
import { createSaving } from './save.js';
import { EditorView } from './view.js';

const L = window.L;
const shell = document.getElementById('editor');
const view = new EditorView(shell);
const { ui } = view;
const api = createEditorApi(readJSON(shell, 'apiUrls'), shell.dataset.idPlaceholder);
const { map, groups } = mapFrame(shell);
const emap = new EditorMap(map, groups, shell.querySelector('.editor-map'));
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
  if (id !== null && state.mode === 'reshape') emap.enableEdit(id, reshaping.handlers);
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
  if (mode === 'reshape' && state.selected) emap.enableEdit(state.selected, reshaping.handlers);
  else emap.disableEdit();
  refresh();
  if (mode === 'split' && state.selected) ops.startSplit();
  if (mode === 'draw') ops.startDraw();
  return true;
}

// --- the parts -------------------------------------------------------------------------

const reshaping = createReshaping({ emap, view, state, allSignature, dirtyIds, refresh });

const saving = createSaving({
  api,
  emap,
  view,
  dialog,
  state,
  label,
  dirtyIds,
  editHandlers: reshaping.handlers,
  setMode,
  reloadCells,
  handleError: (err, options) => refusals.handleError(err, options),
});

const refusals = createRefusals({
  emap,
  view,
  state,
  label,
  dirtyIds,
  commitEdit: reshaping.commitEdit,
  renderCell,
  reloadCells,
  save: saving.save,
});

const ops = createOps({
  api,
  emap,
  dialog,
  state,
  label,
  commit: saving.commit,
  handleError: refusals.handleError,
  showMessage: (kind, text) => view.showMessage(kind, text),
  needsClean,
  setMode,
  setState: (value) => view.setState(value),
});

// --- wiring ----------------------------------------------------------------------------

function wire() {
  ui.community.addEventListener('change', () => {
    if (needsClean()) return;
    view.clearMessage();
    loadCommunity(Number(ui.community.value)).catch((err) => view.setStatus(err.message, true));
  });
  for (const b of ui.tools) b.addEventListener('click', () => setMode(b.dataset.mode));
  ui.undo.addEventListener('click', reshaping.undo);
  ui.discard.addEventListener('click', reshaping.discard);
  ui.save.addEventListener('click', saving.save);
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
      reshaping.undo();
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
window.gridEditor = {
  state,
  emap,
  dirtyIds,
  selectCell,
  save: saving.save,
  undo: reshaping.undo,
  discard: reshaping.discard,
};

main();
