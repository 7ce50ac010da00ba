// Service points that would cover each other (and the cells and labels under them) at the
// current zoom are shown as one "pile" marker: the glyph of the commonest kind and a count;
// a tap zooms in until they come apart. From PILE_UNTIL_ZOOM on every point shows on its own.
// No plugin: a greedy grouping in screen pixels, redone after every zoom and whenever the
// page redraws its markers (call `update()`).
//
// Piled markers keep their layer, popup and drag handlers; only their icon is hidden (class
// `piled`, map.css), so pages keep their own marker logic.
import { el } from './dom.js';
import { token } from './map-layers.js';

const L = window.L;
export const PILE_UNTIL_ZOOM = 17;
const PILE_RADIUS_PX = 44; // icons are 28 px, piles 46 px wide: closer than this, they crowd
const PILE_SIZE = 32;

/** Every L.Marker inside `layer` (nested groups included). */
function markersIn(layer, out = []) {
  if (layer instanceof L.Marker) out.push(layer);
  else if (typeof layer.eachLayer === 'function') layer.eachLayer((l) => markersIn(l, out));
  return out;
}

/** Greedy grouping: each marker joins the first group whose seed lies within `radius` px. */
function group(markers, map, zoom, radius) {
  const groups = [];
  for (const marker of markers) {
    const point = map.project(marker.getLatLng(), zoom);
    const near = groups.find((g) => g.seed.distanceTo(point) < radius);
    if (near) near.members.push(marker);
    else groups.push({ seed: point, members: [marker] });
  }
  return groups;
}

export class MarkerPiles {
  /**
   * `sources`: layer groups whose markers may pile; `kindOf(marker)` gives a marker's kind
   * key; `include(marker)` says whether it may pile at all; `glyphs` and `labels`: kind key ->
   * glyph and Chinese name.
   */
  constructor(map, sources, { kindOf, include = () => true, glyphs, labels = {} }) {
    this.map = map;
    this.sources = sources;
    this.kindOf = kindOf;
    this.include = include;
    this.glyphs = glyphs;
    this.labels = labels;
    this.piles = L.layerGroup().addTo(map);
    map.on('zoomend overlayadd overlayremove', () => this.update());
  }

  update() {
    const map = this.map;
    this.piles.clearLayers();
    const markers = this.sources
      .filter((s) => map.hasLayer(s))
      .flatMap((s) => markersIn(s))
      .filter((m) => this.include(m));
    const zoom = map.getZoom();
    const groups =
      zoom >= PILE_UNTIL_ZOOM
        ? markers.map((m) => ({ members: [m] }))
        : group(markers, map, zoom, PILE_RADIUS_PX);
    let piled = 0;
    for (const { members } of groups) {
      const alone = members.length === 1;
      for (const m of members) {
        const icon = m.getElement();
        if (icon) icon.classList.toggle('piled', !alone);
      }
      if (!alone) {
        this.piles.addLayer(this.pile(members));
        piled += members.length;
      }
    }
    map.getContainer().dataset.piledMarkers = String(piled);
  }

  pile(members) {
    const counts = new Map();
    for (const m of members) {
      const kind = token(this.kindOf(m));
      counts.set(kind, (counts.get(kind) || 0) + 1);
    }
    const ranked = [...counts].sort((a, b) => b[1] - a[1]);
    const [top] = ranked[0];
    const bounds = L.latLngBounds(members.map((m) => m.getLatLng()));
    const body = el('span', 'pile-body');
    body.append(el('span', 'sp-glyph', this.glyphs[top] || '站'));
    body.append(el('span', 'pile-count', `×${members.length}`));
    const detail = ranked.map(([kind, n]) => `${this.labels[kind] || kind} ${n} 处`).join('、');
    const marker = L.marker(bounds.getCenter(), {
      icon: L.divIcon({
        className: `marker-pile sp-${top}`,
        html: body,
        iconSize: [PILE_SIZE + 14, PILE_SIZE],
        iconAnchor: [(PILE_SIZE + 14) / 2, PILE_SIZE / 2],
      }),
      title: `${members.length} 处服务阵地：${detail}（点击放大）`,
      zIndexOffset: 200,
    });
    marker.on('click', () => {
      const next = Math.min(this.map.getBoundsZoom(bounds.pad(0.5)), PILE_UNTIL_ZOOM);
      this.map.setView(bounds.getCenter(), Math.max(next, this.map.getZoom() + 1));
    });
    return marker;
  }
}
