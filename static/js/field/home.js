// 我的网格 (/field/): my cells on the map (base drawn from our own data, no tiles needed),
// my position on a tap of 定位, and the list of my cells with what is due today.
// Marks #field data-state="ready" and #grid-map data-layers-loaded="true" when drawn.
import { el, withId } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import { watchSize } from '../common/map-layers.js';
import { getData, showSaved } from './data.js';
import { count } from './format.js';
import { accuracyText, locate } from './geo.js';
import { boxOf, cellsLayer, contains, drawBase, fitBox, padBox, showMe } from './maps.js';
import { pageState, startShell } from './shell.js';

const ctx = startShell();
const shell = document.getElementById('grid-map');
const { map, groups } = mapFrame(shell);
const status = shell.querySelector('.map-status');
const geoMessage = document.querySelector('.geo-message');
watchSize(map);

function setStatus(text, isError = false) {
  status.textContent = text;
  status.hidden = !text;
  status.classList.toggle('error', isError);
}

function say(text, isError = false) {
  geoMessage.textContent = text;
  geoMessage.hidden = !text;
  geoMessage.classList.toggle('error', isError);
}

function badge(kind, text) {
  return el('span', kind ? `due-badge ${kind}` : 'due-badge', text);
}

function cellCard(cell) {
  const a = el('a', 'cell-card');
  a.href = withId(ctx.urls.cell_page, cell.id);
  a.dataset.cellId = String(cell.id);
  a.append(el('span', 'card-title', cell.name));
  a.append(el('span', 'card-meta', `${cell.code} · ${cell.community_name}`));
  const figures = [`住户 ${count(cell.households, '户')}`];
  if (cell.in_difficulty) figures.push(`困难群众 ${count(cell.in_difficulty, '户')}`);
  a.append(el('span', 'card-figures', figures.join(' · ')));
  const due = el('span', 'card-due');
  if (cell.can_read_names) {
    const visits = badge(cell.visits_due ? 'is-due' : '', `待走访 ${cell.visits_due}`);
    visits.dataset.due = String(cell.visits_due);
    due.append(visits);
    if (cell.visits_overdue) due.append(badge('is-overdue', `逾期 ${cell.visits_overdue}`));
  }
  const events = badge(cell.open_events ? 'is-event' : '', `未办结事件 ${cell.open_events}`);
  events.dataset.openEvents = String(cell.open_events);
  due.append(events);
  a.append(due);
  const li = el('li');
  li.append(a);
  return li;
}

function summary(cells) {
  const due = cells.reduce((n, c) => n + (c.visits_due || 0), 0);
  const overdue = cells.reduce((n, c) => n + (c.visits_overdue || 0), 0);
  const events = cells.reduce((n, c) => n + (c.open_events || 0), 0);
  if (!cells.length) return '您的范围内暂无网格';
  const parts = [];
  if (cells.some((c) => c.can_read_names)) {
    parts.push(due ? `今天应走访 ${due} 户（人）${overdue ? `，其中逾期 ${overdue}` : ''}` : '今天没有到期的走访');
  }
  parts.push(events ? `未办结事件 ${events} 件` : '没有未办结事件');
  return parts.join('；');
}

function features(cells) {
  return cells
    .filter((c) => c.geometry)
    .map((c) => ({
      type: 'Feature',
      geometry: c.geometry,
      properties: { id: c.id, name: c.name, code: c.code, due: c.visits_due > 0 },
    }));
}

async function locateMe(cells) {
  const buttonNode = shell.querySelector('.locate-button');
  buttonNode.disabled = true;
  say('正在定位…');
  try {
    const position = await locate();
    showMe(groups.me, position);
    map.setView([position.lat, position.lon], Math.max(map.getZoom(), 16), { animate: false });
    const here = cells.find((c) => c.geometry && contains(c.geometry, position.lon, position.lat));
    const where = here ? `您在「${here.name}」内` : '您不在自己负责的网格内';
    say(`已定位（${accuracyText(position)}）：${where}`);
  } catch (err) {
    say(err.message, true);
  } finally {
    buttonNode.disabled = false;
  }
}

/** The list of my cells and today's summary; answers the cells. */
async function loadList() {
  const { data, savedAt } = await getData(ctx.urls.my_cells);
  const cells = data.cells || [];
  showSaved(document.querySelector('.my-cells .data-saved'), savedAt);
  document.querySelector('.my-cells .section-count').textContent = `${cells.length} 个`;
  document.querySelector('.today-summary').textContent = summary(cells);
  document.querySelector('.cell-cards').replaceChildren(...cells.map(cellCard));
  return cells;
}

async function main() {
  try {
    const cells = await loadList();
    shell.querySelector('.locate-button').addEventListener('click', () => locateMe(cells));
    ctx.outbox.addEventListener('sent', () => loadList().catch((err) => console.error(err)));
    const drawn = features(cells);
    const open = (feature) => {
      window.location.href = withId(ctx.urls.cell_page, feature.properties.id);
    };
    groups.cells.addLayer(cellsLayer(drawn, { onTap: open }));
    const box = boxOf(drawn.map((f) => f.geometry));
    shell.dataset.cellCount = String(drawn.length);
    pageState(ctx, 'ready');
    if (!box) {
      setStatus('您的范围内暂无网格');
      shell.dataset.layersLoaded = 'true';
      return;
    }
    fitBox(map, box);
    await drawBase(groups, ctx.urls, padBox(box), ctx.vocab.service_kinds);
    setStatus('');
    shell.dataset.layersLoaded = 'true';
  } catch (err) {
    setStatus(err.message, true);
    if (ctx.root.dataset.state !== 'ready') pageState(ctx, 'error');
    shell.dataset.layersLoaded = 'error';
    console.error(err);
  }
}

main();
