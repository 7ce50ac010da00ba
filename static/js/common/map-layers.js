// Leaflet layers built from the API's GeoJSON FeatureCollections.
// Data reaches the DOM only through textContent / setAttribute: never as HTML.
// Colours and line widths live in static/css/map.css (CSS overrides Leaflet's SVG attributes);
// each path gets classes such as `grid-cell`, `building`, `street-arterial`.

import { el } from './dom.js';

const L = window.L;

/** A class-name token from a vocabulary key ("compound_path"); anything else becomes "other". */
export function token(value) {
  return /^[a-z][a-z0-9_]*$/.test(value || '') ? value : 'other';
}

/**
 * Keep Leaflet's idea of the map's size right when the page, not the window, resizes it
 * (phone layouts, folding panels): Leaflet itself only listens to the window.
 */
export function watchSize(map) {
  const container = map.getContainer();
  let last = `${container.clientWidth}x${container.clientHeight}`;
  new ResizeObserver(() => {
    const now = `${container.clientWidth}x${container.clientHeight}`;
    if (now !== last) map.invalidateSize();
    last = now;
  }).observe(container);
}

/**
 * A popup body: kind line, title, a definition list of [label, value] rows (empty values
 * left out) and an optional bullet list.
 */
export function infoCard({ kind, title, rows = [], listTitle, list = [] }) {
  const card = el('div', 'info-card');
  if (kind) card.append(el('p', 'info-kind', kind));
  card.append(el('h3', 'info-title', title));
  const dl = el('dl');
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(el('dt', null, label));
    const dd = el('dd');
    if (value instanceof Node) dd.append(value);
    else dd.textContent = String(value);
    dl.append(dd);
  }
  if (dl.childElementCount) card.append(dl);
  if (list.length) {
    if (listTitle) card.append(el('p', 'info-list-title', listTitle));
    const ul = el('ul', 'info-list');
    for (const item of list) ul.append(el('li', null, item));
    card.append(ul);
  }
  return card;
}

function count(n, unit) {
  return Number.isFinite(n) ? `${n.toLocaleString('zh-CN')} ${unit}` : '';
}

/** A phone number as a tel: link (digits, +, - only in the href). */
function phoneLink(contact) {
  if (!contact) return '';
  const digits = contact.replace(/[^0-9+-]/g, '');
  if (digits.length < 3) return contact;
  const a = el('a', null, contact);
  a.href = `tel:${digits}`;
  return a;
}

/** The land colour under the user's communities: the no-tiles base layer. */
export function landLayer(communities) {
  return L.geoJSON(communities, {
    pane: 'gridLand',
    interactive: false,
    style: () => ({ className: 'land', stroke: false, fillOpacity: 1 }),
  });
}

/** Community outlines with a name label at the middle of each northern edge. */
export function communityLayer(communities) {
  const group = L.featureGroup();
  const outlines = L.geoJSON(communities, {
    pane: 'gridCommunities',
    interactive: false,
    style: () => ({ className: 'community', fill: false, weight: 3 }),
  });
  group.addLayer(outlines);
  outlines.eachLayer((layer) => {
    const bounds = layer.getBounds();
    const anchor = L.latLng(bounds.getNorth(), bounds.getCenter().lng);
    const label = L.tooltip({
      permanent: true,
      direction: 'top',
      className: 'community-label',
      offset: [0, -4],
    });
    label.setLatLng(anchor).setContent(el('span', null, layer.feature.properties.name));
    group.addLayer(label);
  });
  return group;
}

/** A cell's permanent label: its name, and its code (shown from street zoom on). */
export function cellLabel(props) {
  const label = el('span', 'cell-label-text');
  label.append(el('span', 'cell-label-name', props.name));
  label.append(el('span', 'cell-label-code', props.code));
  return label;
}

/** Grid cells: `path.grid-cell`, a permanent label (shown at street zoom) and a popup. */
export function cellLayer(cells) {
  return L.geoJSON(cells, {
    pane: 'gridCells',
    style: () => ({ className: 'grid-cell', weight: 2, fillOpacity: 0.08 }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindTooltip(cellLabel(p), {
        permanent: true,
        direction: 'center',
        className: 'cell-label',
      });
      layer.bindPopup(
        infoCard({
          kind: '网格',
          title: p.name,
          rows: [
            ['编码', p.code],
            ['所属社区', p.community_name],
            ['户数', count(p.households, '户')],
            ['人口', count(p.residents, '人')],
          ],
        }),
      );
    },
  });
}

function overlaps(a, b) {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/**
 * Show a cell's label only where it fits inside the cell's box on screen and overlaps no
 * label already shown (nor any of the `avoid` elements, e.g. community labels), so that
 * labels never pile up. Labels hidden here keep their size (visibility: hidden), so they
 * can be measured again at the next zoom.
 */
export function fitCellLabels(map, cells, avoid = []) {
  const taken = avoid.map((node) => node.getBoundingClientRect());
  cells.eachLayer((layer) => {
    const tooltip = layer.getTooltip();
    const node = tooltip && tooltip.getElement();
    if (!node || !node.isConnected || node.offsetParent === null) return;
    tooltip.update(); // re-centre: its size changes with the zoom classes (codes shown or not)
    const bounds = layer.getBounds();
    const nw = map.latLngToContainerPoint(bounds.getNorthWest());
    const se = map.latLngToContainerPoint(bounds.getSouthEast());
    let show = node.offsetWidth <= (se.x - nw.x) * 0.9 && node.offsetHeight <= (se.y - nw.y) * 0.9;
    if (show) {
      const box = node.getBoundingClientRect();
      show = !taken.some((other) => overlaps(other, box));
      if (show) taken.push(box);
    }
    node.classList.toggle('label-hidden', !show);
  });
}

/** Buildings, grey footprints; click for name, kind, floors and households. */
export function buildingLayer(buildings) {
  return L.geoJSON(buildings, {
    pane: 'gridBuildings',
    style: (feature) => ({
      className: `building building-${token(feature.properties.kind)}`,
      weight: 1,
      fillOpacity: 1,
    }),
    onEachFeature: (feature, layer) => {
      const p = feature.properties;
      layer.bindPopup(
        infoCard({
          kind: p.kind_label || '建筑',
          title: p.name || p.kind_label || '建筑',
          rows: [
            ['层数', p.levels ? `${p.levels} 层` : ''],
            ['户数', p.households ? count(p.households, '户') : ''],
            ['人口', p.residents ? count(p.residents, '人') : ''],
          ],
        }),
      );
    },
  });
}

/** Streets drawn as a base map: a grey casing under a white line, width by kind. */
export function streetLayer(streets) {
  const group = L.featureGroup();
  for (const part of ['street-casing', 'street-line']) {
    group.addLayer(
      L.geoJSON(streets, {
        pane: 'gridStreets',
        interactive: false,
        style: (feature) => ({
          className: `${part} street-${token(feature.properties.kind)}`,
          fill: false,
        }),
      }),
    );
  }
  return group;
}

/** Service points: round icons coloured by kind (class `sp-<kind>`) with a one-glyph label. */
export function servicePointLayer(points, glyphs) {
  return L.geoJSON(points, {
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      const kind = token(p.kind);
      const glyph = el('span', 'sp-glyph', glyphs[kind] || '站');
      const marker = L.marker(latlng, {
        icon: L.divIcon({
          className: `sp-icon sp-${kind}`,
          html: glyph,
          iconSize: [28, 28],
          iconAnchor: [14, 14],
          popupAnchor: [0, -14],
          tooltipAnchor: [0, -14],
        }),
        title: p.name,
        riseOnHover: true,
      });
      marker.bindTooltip(el('span', null, p.name), { direction: 'top' });
      marker.on('popupopen', () => marker.closeTooltip());
      marker.bindPopup(
        infoCard({
          kind: p.kind_label,
          title: p.name,
          rows: [
            ['地址', p.address],
            ['开放时间', p.hours],
            ['联系电话', phoneLink(p.contact)],
          ],
          listTitle: '服务项目',
          list: p.services || [],
        }),
      );
      return marker;
    },
  });
}
