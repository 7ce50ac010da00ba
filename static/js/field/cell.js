// 网格档案 (/field/cells/<id>): the cell on a small map (base drawn from our own data, open
// events), its sheet (sheet-view.js) with 走访 buttons (visit-form.js) and 上报事件
// (event-form.js). Marks #field data-state="ready" when the sheet is drawn and #grid-map
// data-layers-loaded="true" when the map is.
import { withId } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import { watchSize } from '../common/map-layers.js';
import { getData, showSaved } from './data.js';
import { count } from './format.js';
import { EventForm } from './event-form.js';
import { accuracyText, locate } from './geo.js';
import {
  boxOf,
  cellsLayer,
  contains,
  drawBase,
  eventMarker,
  fitBox,
  padBox,
  showMe,
} from './maps.js';
import { renderSheet } from './sheet-view.js';
import { pageState, startShell } from './shell.js';
import { VisitForm } from './visit-form.js';

const ctx = startShell();
const sheetRoot = document.querySelector('.sheet');
const head = document.querySelector('.sheet-head');
const cellId = Number(sheetRoot.dataset.cellId);
const communityId = Number(head.dataset.communityId);
const shell = document.getElementById('grid-map');
const { map, groups } = mapFrame(shell);
const status = shell.querySelector('.map-status');
const geoMessage = document.querySelector('.geo-message');
let cellGeometry = null;
watchSize(map);

function setStatus(node, text, isError = false) {
  node.textContent = text;
  node.hidden = !text;
  node.classList.toggle('error', isError);
}

const visitForm = ctx.canRecord
  ? new VisitForm(document.getElementById('visit-dialog'), ctx)
  : null;

async function loadSheet() {
  const { data, savedAt } = await getData(withId(ctx.urls.sheet, cellId));
  showSaved(document.querySelector('.data-saved'), savedAt);
  const c = data.cell;
  head.querySelector('.sheet-figures').textContent = [
    `住户 ${count(c.households, '户')}`,
    `人口 ${count(c.residents, '人')}`,
  ].join(' · ');
  renderSheet(sheetRoot, data, {
    canRecord: ctx.canRecord,
    vocab: ctx.vocab,
    onVisit: (target) => visitForm.open(target),
  });
  groups.events.clearLayers();
  for (const event of data.events_open || []) {
    if (Number.isFinite(event.lat)) {
      groups.events.addLayer(eventMarker(event, ctx.vocab.categories));
    }
  }
  sheetRoot.dataset.loaded = String(Date.now());
  return data;
}

async function loadMap() {
  const { data } = await getData(ctx.urls.cells, { community_id: communityId });
  const feature = data.features.find((f) => f.properties.id === cellId);
  if (!feature) throw new Error('未找到网格边界');
  cellGeometry = feature.geometry;
  groups.cells.addLayer(cellsLayer([feature], { labels: false }));
  const box = boxOf([cellGeometry]);
  fitBox(map, box);
  const base = await drawBase(groups, ctx.urls, padBox(box, 0.5), ctx.vocab.service_kinds);
  setStatus(status, '');
  shell.dataset.layersLoaded = 'true';
  return base;
}

function wireEventReport(base) {
  const reportButton = head.querySelector('.report-event');
  if (!reportButton) return;
  const cell = { id: cellId, name: head.querySelector('h1').textContent, geometry: cellGeometry };
  const form = new EventForm(document.getElementById('event-dialog'), ctx, cell, base);
  reportButton.addEventListener('click', () => form.open());
  reportButton.disabled = false;
}

async function locateMe() {
  const node = shell.querySelector('.locate-button');
  node.disabled = true;
  setStatus(geoMessage, '正在定位…');
  try {
    const position = await locate();
    showMe(groups.me, position);
    map.setView([position.lat, position.lon], Math.max(map.getZoom(), 16), { animate: false });
    const inside = cellGeometry && contains(cellGeometry, position.lon, position.lat);
    setStatus(geoMessage, `已定位（${accuracyText(position)}）：${inside ? '您在本网格内' : '您不在本网格内'}`);
  } catch (err) {
    setStatus(geoMessage, err.message, true);
  } finally {
    node.disabled = false;
  }
}

async function main() {
  shell.querySelector('.locate-button').addEventListener('click', locateMe);
  // a record sent (now or from the outbox later) changes what is due and open
  ctx.outbox.addEventListener('sent', () => loadSheet().catch((err) => console.error(err)));
  const sheet = loadSheet().then(
    () => pageState(ctx, 'ready'),
    (err) => {
      pageState(ctx, 'error');
      setStatus(document.querySelector('.data-saved'), err.message, true);
      console.error(err);
    },
  );
  try {
    wireEventReport(await loadMap());
  } catch (err) {
    setStatus(status, `地图加载失败：${err.message}`, true);
    shell.dataset.layersLoaded = 'error';
    console.error(err);
  }
  await sheet;
}

main();
