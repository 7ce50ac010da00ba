// 事件 (/field/events): the events in scope on a map and in a list (open, closed or all),
// with 办结 for the open ones (a note is optional). Closing goes through the outbox.
// Marks #field data-state="ready" when the list is drawn.
import { button, el, withId } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import { watchSize } from '../common/map-layers.js';
import { getData, pageOf, showSaved } from './data.js';
import { chips, dotted, formatTime } from './format.js';
import { cellsLayer, drawBase, eventMarker, fitBox, padBox } from './maps.js';
import { pageState, reportOutcome, startShell } from './shell.js';
import { showError } from './visit-form.js';

const ctx = startShell();
const shell = document.getElementById('grid-map');
const { map, groups } = mapFrame(shell);
const status = shell.querySelector('.map-status');
const listNode = document.querySelector('.event-cards');
const listStatus = document.querySelector('.list-status');
const more = document.querySelector('button.more');
const filter = document.getElementById('event-status');
const dialog = document.getElementById('close-dialog');
const form = dialog.querySelector('form');
const markers = new Map();
let page = 1;
let closing = null;
watchSize(map);

function eventCard(event) {
  const label = event.category_label || ctx.vocab.categories[event.category] || '事件';
  const li = el('li', `event-card status-${event.status}`);
  li.dataset.eventId = String(event.id);
  li.dataset.status = event.status;
  const stateText = event.status_label || ctx.vocab.statuses[event.status] || event.status;
  li.append(chips([label, stateText]));
  li.append(el('p', 'card-title', event.description));
  const meta = dotted(event.cell_name, event.reporter, formatTime(event.reported_at));
  li.append(el('p', 'card-meta', meta));
  if (event.photo_url) {
    const img = el('img', 'event-photo');
    img.src = event.photo_url;
    img.alt = '事件照片';
    img.loading = 'lazy';
    li.append(img);
  }
  if (event.status === 'closed') {
    li.append(el('p', 'card-meta', dotted('办结', event.closer, formatTime(event.closed_at))));
    if (event.close_note) li.append(el('p', 'card-note', event.close_note));
  }
  const actions = el('div', 'item-actions');
  if (Number.isFinite(event.lat)) {
    actions.append(
      button('在地图上查看', 'secondary show-on-map', () => {
        const marker = markers.get(event.id);
        shell.scrollIntoView({ block: 'start' });
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 17), { animate: false });
        marker.openPopup();
      }),
    );
  }
  if (event.status === 'open') {
    actions.append(button('办结', 'primary close-event', () => openClose(event)));
  }
  li.append(actions);
  return li;
}

function openClose(event) {
  closing = event;
  form.reset();
  showError(form, '');
  dialog.querySelector('.dialog-target').textContent = event.description;
  dialog.showModal();
}

form.querySelector('button.cancel').addEventListener('click', () => dialog.close());
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  const event = closing;
  const save = form.querySelector('button.save');
  save.disabled = true;
  try {
    const outcome = await ctx.outbox.submit({
      kind: 'close',
      label: `办结事件：${event.description.slice(0, 16)}`,
      url: withId(ctx.urls.close_event, event.id),
      json: { note: form.elements.note.value.trim() },
      keyed: false,
    });
    if (outcome.status === 'refused') {
      showError(form, outcome.message);
      return;
    }
    dialog.close();
    reportOutcome(ctx, outcome, '事件已办结');
  } finally {
    save.disabled = false;
  }
});

async function load(reset) {
  if (reset) {
    page = 1;
    markers.clear();
    groups.events.clearLayers();
    listNode.replaceChildren();
  }
  listStatus.textContent = '正在加载…';
  try {
    const { data, savedAt } = await getData(ctx.urls.events, { status: filter.value, page });
    const { items, more: hasMore, total } = pageOf(data);
    showSaved(document.querySelector('.data-saved'), savedAt);
    for (const event of items) {
      if (Number.isFinite(event.lat)) {
        const marker = eventMarker(event, ctx.vocab.categories);
        markers.set(event.id, marker);
        groups.events.addLayer(marker);
      }
    }
    listNode.append(...items.map(eventCard));
    document.querySelector('.section-count').textContent = `${total} 件`;
    listStatus.textContent = total ? '' : '没有事件';
    more.hidden = !hasMore;
    pageState(ctx, 'ready');
  } catch (err) {
    listStatus.textContent = err.message;
    pageState(ctx, 'error');
    console.error(err);
  }
}

async function loadMap() {
  try {
    const [{ data: me }, { data: cells }] = await Promise.all([
      getData(ctx.urls.me),
      getData(ctx.urls.cells),
    ]);
    groups.cells.addLayer(cellsLayer(cells.features));
    if (me.extent) {
      fitBox(map, me.extent);
      await drawBase(groups, ctx.urls, padBox(me.extent, 0.1), []);
    }
    status.hidden = true;
    shell.dataset.layersLoaded = 'true';
  } catch (err) {
    status.textContent = `地图加载失败：${err.message}`;
    status.classList.add('error');
    shell.dataset.layersLoaded = 'error';
  }
}

filter.addEventListener('change', () => load(true));
more.addEventListener('click', () => {
  page += 1;
  load(false);
});
ctx.outbox.addEventListener('sent', (e) => {
  if (['event', 'close'].includes(e.detail.item.kind)) load(true);
});
loadMap();
load(true);
