// 15分钟服务圈 (/service): parameters → coverage report, circles and gaps from the API →
// map, figures and the two-coverages tables; what-if stations and suggested sites.
// Test markers: #service-page[data-ready="true"], data-state (loading/ready/error),
// data-generation (+1 whenever new figures are shown), #svc-figures[data-share-residents].
import { getJSON, postJSON } from '../common/api.js';
import { bindControls } from './controls.js';
import { renderFigures, renderWhatIf } from './figures.js';
import { num } from './format.js';
import { ServiceMap } from './map.js';
import { Markers } from './markers.js';
import { Scenario } from './scenario.js';
import { Suggest } from './suggest.js';
import { CoverageTables } from './table.js';

const L = window.L;
const page = document.getElementById('service-page');
const shell = document.getElementById('grid-map');
const urls = JSON.parse(page.dataset.apiUrls);
const limits = JSON.parse(page.dataset.limits);
const subdistricts = new Map(JSON.parse(page.dataset.subdistricts).map((s) => [s.id, s.name]));
const kinds = JSON.parse(page.dataset.serviceKinds);
const glyphs = Object.fromEntries(kinds.map((k) => [k.kind, k.glyph]));
const kindLabels = Object.fromEntries(kinds.map((k) => [k.kind, k.label]));
const status = page.querySelector('.svc-status');
const figures = document.getElementById('svc-figures');
const whatifBox = document.getElementById('svc-whatif');
const whatifStatus = whatifBox.querySelector('.whatif-status');
const addButton = document.getElementById('whatif-add');
const resetButton = document.getElementById('whatif-reset');

const smap = new ServiceMap(shell);
const map = smap.map;
const scenario = new Scenario();
const state = {
  params: null,
  report: null,
  org: new Map(), // cell id -> organisation coverage row
  buildings: new Map(), // building id -> properties
  points: [], // service point features (details for popups)
  subdistrictOf: new Map(), // community id -> subdistrict id
  cellNames: new Map(),
};
let loadSeq = 0;
let whatIfSeq = 0;
let fittedTo = null;
let circlesZoom = null; // the zoom the drawn circles were simplified for
let refineSeq = 0;

function say(node, text, isError = false) {
  node.textContent = text;
  node.classList.toggle('error', isError);
}

function bump() {
  page.dataset.generation = String(Number(page.dataset.generation) + 1);
}

function query(params) {
  const q = { minutes: params.minutes, speed: params.speed, kind: params.kinds };
  if (params.subdistrict_id) q.subdistrict_id = params.subdistrict_id;
  return q;
}

// Circles are never asked for coarser than a pixel at this zoom (~7 m): a subdistrict fits
// at about this zoom, and the first request goes out before the map is fitted.
const MIN_CIRCLE_ZOOM = 14;

/** The zoom circles are asked for: the server simplifies them to a pixel at this zoom. */
function viewZoom() {
  return Math.max(Math.floor(map.getZoom()), MIN_CIRCLE_ZOOM);
}

/** Draw the circles of the counted stations (one too far from every street has none). */
function drawCounted(circles, zoom) {
  const counted = new Set(state.report.stations.map((s) => s.id));
  circles.features = circles.features.filter((f) => counted.has(f.properties.point_id));
  smap.drawCircles(circles);
  smap.hideCircles(scenario.changedIds());
  circlesZoom = zoom;
}

/** After zooming in past the circles' detail, ask for finer ones (the server caches them). */
async function refineCircles() {
  const zoom = viewZoom();
  if (!state.report || circlesZoom === null || zoom <= circlesZoom) return;
  const seq = loadSeq;
  const mine = ++refineSeq;
  try {
    const circles = await getJSON(urls.circles, { ...query(state.params), zoom });
    if (seq !== loadSeq || mine !== refineSeq) return;
    drawCounted(circles, zoom);
  } catch (err) {
    console.warn('服务圈细化失败，保留当前服务圈', err);
  }
}
map.on('zoomend', refineCircles);

const tables = new CoverageTables(page, (id) => focusCell(id));
const markers = new Markers(map, smap.groups, glyphs, {
  move: (id, latlng) => change(scenario.move(id, latlng)),
  unmove: (id) => change(scenario.unmove(id)),
  remove: (id) => change(scenario.remove(id)),
  restore: (id) => change(scenario.restore(id)),
  moveAdded: (item, latlng) => change(scenario.moveAdded(item, latlng)),
  dropAdded: (item) => change(scenario.dropAdded(item)),
  adopt: (site) => adopt(site),
}, kindLabels);
const suggest = new Suggest(document.getElementById('svc-suggest'), {
  request: (body) => postJSON(urls.suggest, body),
  params: () => state.params,
  show: (sites) => markers.drawSuggestions(sites, state.buildings),
  adopt: (site) => adopt(site),
  focus: (i) => markers.focusSuggestion(i),
  buildings: state.buildings,
});

function focusCell(id) {
  shell.scrollIntoView({ block: 'nearest' });
  smap.focusCell(id);
}

function adopt(site) {
  const [lon, lat] = site.geometry.coordinates;
  change(scenario.add(L.latLng(lat, lon)));
}

// --- the base layers (once) and the coverage (whenever the parameters change) -----------

const baseReady = Promise.all([
  getJSON(urls.communities),
  getJSON(urls.cells),
  getJSON(urls.streets),
  getJSON(urls.buildings),
  getJSON(urls.service_points),
  getJSON(urls.organisation),
]).then(([communities, cells, streets, buildings, points, org]) => {
  smap.drawBase({ communities, cells, streets, buildings });
  for (const f of buildings.features) state.buildings.set(f.id, f.properties);
  for (const f of communities.features) state.subdistrictOf.set(f.id, f.properties.subdistrict_id);
  state.points = points.features;
  state.org = new Map(org.cells.map((c) => [c.cell_id, c]));
});

function describe(report) {
  const p = report.params;
  const name = subdistricts.get(p.subdistrict_id) || '';
  let text =
    `${name} · ${p.minutes} 分钟 × ${p.speed_kmh} km/h（步行约 ${num(p.distance_m)} 米）` +
    ` · 计入服务阵地 ${report.stations.length} 处`;
  if (report.off_network.length) {
    const names = report.off_network.map((s) => s.name).join('、');
    text += `；${report.off_network.length} 处离道路过远、未计入：${names}`;
  }
  if (report.stations_outside_scope) {
    text += `；另有您查看范围外的 ${report.stations_outside_scope} 处服务阵地计入覆盖（不显示）`;
  }
  return text;
}

async function load(params) {
  const seq = ++loadSeq;
  page.dataset.state = 'loading';
  say(status, '正在计算服务覆盖…');
  suggest.clear();
  if (state.params && state.params.subdistrict_id !== params.subdistrict_id) scenario.clear();
  const q = query(params);
  const zoom = viewZoom();
  try {
    const [report, circles, gaps] = await Promise.all([
      getJSON(urls.coverage, q),
      getJSON(urls.circles, { ...q, zoom }),
      getJSON(urls.gaps, q),
      baseReady,
    ]);
    if (seq !== loadSeq) return;
    state.params = params;
    state.report = report;
    state.cellNames = new Map(report.cells.map((c) => [c.cell_id, c.name]));
    const sub = report.params.subdistrict_id;
    if (fittedTo !== sub) {
      smap.fitCells(report.cells);
      fittedTo = sub;
    }
    const counted = new Set(report.stations.map((s) => s.id));
    const details = new Map(state.points.map((f) => [f.id, f.properties]));
    const others = state.points.filter(
      (f) => !counted.has(f.id) && state.subdistrictOf.get(f.properties.community_id) === sub,
    );
    const offNetwork = new Set(report.off_network.map((s) => s.id));
    markers.drawStations(report.stations, details, others, offNetwork);
    drawCounted(circles, zoom);
    smap.drawGaps(gaps, state.cellNames, state.buildings);
    updateExports(q);
    scenario.keepOnly(counted);
    markers.syncStations(scenario);
    markers.drawAdded(scenario);
    say(status, describe(report));
    page.dataset.state = 'ready';
    page.dataset.ready = 'true';
    if (scenario.isEmpty()) show(null);
    else await change(null);
    refineCircles(); // the first fit may have zoomed in while the circles were on their way
  } catch (err) {
    if (seq !== loadSeq) return;
    clearCoverage();
    page.dataset.state = 'error';
    const message = err.status === 401 ? '登录已过期，请刷新页面重新登录' : err.message;
    say(status, `计算失败：${message}`, true);
    console.error(err);
  }
}

/** After a failed load: show no figures or layers of other parameters. */
function clearCoverage() {
  state.report = null;
  for (const key of ['cells', 'circles', 'gaps', 'stations', 'scenario', 'suggestions']) {
    smap.groups[key].clearLayers();
  }
  for (const value of figures.querySelectorAll('.fig-value')) value.textContent = '—';
  for (const sub of figures.querySelectorAll('.fig-sub')) sub.textContent = '';
  delete figures.dataset.shareResidents;
  renderWhatIf(whatifBox, null, focusCell);
  tables.clear();
}

function updateExports(q) {
  for (const format of ['csv', 'xlsx']) {
    const url = new URL(urls.export, window.location.href);
    url.searchParams.set('format', format);
    for (const [key, value] of Object.entries(q)) {
      for (const v of [].concat(value)) url.searchParams.append(key, String(v));
    }
    document.getElementById(`export-${format}`).href = url.pathname + url.search;
  }
}

// --- what-if ---------------------------------------------------------------------------

/** Show the coverage now (result null) or under the scenario (a what-if answer). */
function show(result) {
  const { report, org } = state;
  const after = new Map(result ? result.cells.map((c) => [c.cell_id, c]) : []);
  renderFigures(figures, report.summary, result ? result.after : null);
  renderWhatIf(whatifBox, result, focusCell);
  smap.drawCells(report.cells, org, after);
  tables.show(report, org, after);
  smap.hideCircles(scenario.changedIds());
  smap.resolveGaps(
    new Set([...after.values()].filter((c) => c.uncovered_buildings === 0).map((c) => c.cell_id)),
  );
  smap.drawScenarioCircles(result ? result.circles : null);
  say(whatifBox.querySelector('.whatif-scenario'), scenario.describe());
  resetButton.disabled = scenario.isEmpty();
  page.dataset.scenario = String(!scenario.isEmpty());
  whatifBox.dataset.state = result ? 'done' : 'idle';
  bump();
}

/** The scenario changed (`undo` reverts that change): redraw markers, ask the server. */
async function change(undo) {
  markers.syncStations(scenario);
  markers.drawAdded(scenario);
  if (scenario.isEmpty()) {
    whatIfSeq += 1;
    say(whatifStatus, '');
    show(null);
    return;
  }
  const seq = ++whatIfSeq;
  whatifBox.dataset.state = 'running';
  say(whatifStatus, '正在重算覆盖…');
  try {
    const result = await postJSON(urls.what_if, scenario.body(state.params));
    if (seq !== whatIfSeq) return;
    say(whatifStatus, '橙色斜线为假设后的服务圈；灰色的盲点所在网格已被完全覆盖。');
    show(result);
  } catch (err) {
    if (seq !== whatIfSeq) return;
    let message = `重算失败：${err.message}`;
    if (undo && err.status === 400) {
      undo();
      markers.syncStations(scenario);
      markers.drawAdded(scenario);
      message += '（已撤销这次改动）';
      say(whatifBox.querySelector('.whatif-scenario'), scenario.describe());
      resetButton.disabled = scenario.isEmpty();
    }
    whatifBox.dataset.state = 'error';
    say(whatifStatus, message, true);
  }
}

function setPlacing(on) {
  shell.dataset.placing = String(on);
  addButton.setAttribute('aria-pressed', String(on));
  addButton.textContent = on ? '在地图上点选位置…（Esc 取消）' : '添加假设站点';
}

addButton.addEventListener('click', () => setPlacing(shell.dataset.placing !== 'true'));
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') setPlacing(false);
});
map.on('click', (event) => {
  if (shell.dataset.placing !== 'true' || !state.report) return;
  setPlacing(false);
  change(scenario.add(event.latlng));
});
resetButton.addEventListener('click', () => {
  scenario.clear();
  change(null);
});

bindControls(document.getElementById('svc-params'), limits, load).start();
