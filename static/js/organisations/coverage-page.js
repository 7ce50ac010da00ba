// The organisation-coverage page (组织覆盖): figures, charts, the map coloured by what each
// cell lacks, the cell table, the cell panel (assign from the map or the table), export and
// import. Every figure comes from GET /api/coverage/organisation; after an assignment the
// page fetches it again and redraws figures, charts, table and map without reloading.
// For tests the root carries data-state ("loading", "ready", "error") and data-generation
// (how many times the report has been drawn).
import { CoverageCharts } from './coverage-charts.js';
import { renderCards, renderCommunityTable } from './coverage-figures.js';
import { setUpImport } from './coverage-import.js';
import { CoverageMap } from './coverage-map.js';
import { CellPanel } from './coverage-panel.js';
import { CellTable } from './coverage-table.js';
import { createOrgApi } from './api.js';
import { option, readJSON } from '../common/dom.js';
import { setStatus } from './dom.js';

const root = document.getElementById('coverage');
const status = root.querySelector('.cov-status');
const picker = document.getElementById('cov-community');
const api = createOrgApi(readJSON(root, 'apiUrls'));
const canAssign = root.dataset.canAssign === 'true';

let report = null;
let generation = 0;

function communityId() {
  return picker.value ? Number(picker.value) : null;
}

function exportLinks() {
  const scope = communityId() ? `&community_id=${communityId()}` : '';
  for (const format of ['csv', 'xlsx']) {
    const link = document.getElementById(`export-${format}`);
    link.href = `${api.url('export')}?format=${format}${scope}`;
  }
}

const covMap = new CoverageMap(document.getElementById('grid-map'), (cellId) =>
  pick(cellId, false),
);
const charts = new CoverageCharts(
  document.getElementById('chart-communities'),
  document.getElementById('chart-blind'),
);
const table = new CellTable({
  table: document.getElementById('cell-table'),
  blindOnly: document.getElementById('blind-only'),
  search: document.getElementById('cell-search'),
  count: document.querySelector('.cell-count'),
  actionLabel: canAssign ? '分配' : '查看',
  onOpen: (cellId) => pick(cellId, true),
});
const communityNames = new Map();
const panel = new CellPanel({
  root: document.getElementById('cell-panel'),
  api,
  canAssign,
  communityNames,
  cellInfo: (cellId) => (report ? report.cells.find((c) => c.cell_id === cellId) : null),
  onChange: () => refresh(),
  onClose: () => {
    covMap.highlight(null);
    table.select(null);
  },
});

/** Open a cell's panel; from the table, bring the map and the panel into view. */
function pick(cellId, fromTable) {
  covMap.highlight(cellId, fromTable);
  table.select(cellId);
  panel.open(cellId);
  if (fromTable) {
    document.querySelector('.cov-map-row').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }
}

/** Fetch the report for the picked range and redraw everything that shows it. */
async function refresh() {
  root.dataset.state = 'loading';
  try {
    report = await api.coverage(communityId());
  } catch (err) {
    root.dataset.state = 'error';
    setStatus(status, err.status === 401 ? '登录已过期，请刷新页面重新登录' : `加载失败：${err.message}`, 'error');
    return;
  }
  renderCards(document.querySelector('.cov-cards'), report);
  renderCommunityTable(document.getElementById('community-table'), report);
  charts.update(report);
  table.render(report);
  covMap.colour(report.cells);
  exportLinks();
  setStatus(status, report.cells.length ? '' : '您的范围内暂无网格');
  generation += 1;
  root.dataset.generation = String(generation);
  root.dataset.state = 'ready';
}

function fillPicker(communities, wanted) {
  const features = [...communities.features].sort((a, b) =>
    a.properties.code.localeCompare(b.properties.code),
  );
  for (const f of features) {
    communityNames.set(f.id, f.properties.name);
    picker.append(option(f.id, f.properties.name));
  }
  if (wanted && communityNames.has(wanted)) picker.value = String(wanted);
}

async function main() {
  const wanted = Number(new URLSearchParams(window.location.search).get('community')) || null;
  try {
    const [communities, cells, streets, units] = await Promise.all([
      api.communities(),
      api.cells(),
      api.streets(),
      api.units(),
    ]);
    fillPicker(communities, wanted);
    covMap.draw({ communities, cells, streets, units });
  } catch (err) {
    root.dataset.state = 'error';
    setStatus(status, `地图加载失败：${err.message}`, 'error');
    return;
  }
  await refresh();
  covMap.fit(communityId() ? report.cells.map((c) => c.cell_id) : null);

  picker.addEventListener('change', async () => {
    const url = new URL(window.location.href);
    if (communityId()) url.searchParams.set('community', String(communityId()));
    else url.searchParams.delete('community');
    window.history.replaceState(null, '', url);
    await refresh();
    const shown = report.cells.some((c) => c.cell_id === panel.cellId);
    if (panel.cellId !== null && !shown) panel.close();
    covMap.fit(communityId() ? report.cells.map((c) => c.cell_id) : null);
  });

  const importRoot = document.getElementById('import');
  if (importRoot) {
    setUpImport(importRoot, api, async () => {
      panel.options = null; // new teams or members may now be offered
      await refresh();
      if (panel.cellId !== null) await panel.open(panel.cellId);
    });
  }
}

main();
