// The coverage map: cells coloured by the most important thing they lack (classes
// `cov-cell cov-<status>`, colours in organisations.css), faded when outside the picked
// community; units based in the area as small markers. Clicking a cell calls `onPick(cellId)`.
import { el } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import { communityLayer, infoCard, landLayer, streetLayer, watchSize } from '../common/map-layers.js';
import { MarkerPiles } from '../common/marker-piles.js';
import { STATUS_LABELS, UNIT_KIND_LABELS, cellStatus } from './dom.js';

const L = window.L;
const FIT_MAX_ZOOM = 18;
const STATUS_CLASSES = Object.keys(STATUS_LABELS).map((s) => `cov-${s}`);

export class CoverageMap {
  constructor(shell, onPick) {
    this.shell = shell;
    const { map, groups } = mapFrame(shell);
    this.map = map;
    this.groups = groups;
    watchSize(map);
    this.onPick = onPick;
    this.layers = new Map(); // cell id -> Leaflet polygon
    this.selected = null;
  }

  /** Draw the base layers and the cells (uncoloured until `colour` is called). */
  draw({ communities, cells, streets, units }) {
    this.groups.land.addLayer(landLayer(communities));
    this.groups.communities.addLayer(communityLayer(communities));
    this.groups.streets.addLayer(streetLayer(streets));
    this.groups.units.addLayer(unitLayer(units));
    // units close together show as one pile until the map is zoomed in
    this.piles = new MarkerPiles(this.map, [this.groups.units], {
      kindOf: () => 'unit',
      glyphs: { unit: '单' },
      labels: { unit: '驻区单位' },
    });
    const polygons = L.geoJSON(cells, {
      pane: 'gridCells',
      style: () => ({ className: 'grid-cell cov-cell', weight: 2, fillOpacity: 0.5 }),
      onEachFeature: (feature, layer) => {
        this.layers.set(feature.id, layer);
        layer.feature = feature;
        layer.on('click', () => this.onPick(feature.id));
        // Leaflet makes a new <path> each time the layer is shown again: re-apply classes.
        layer.on('add', () => this.decorate(feature.id, layer));
        layer.bindTooltip(() => this.tooltip(feature), { sticky: true, className: 'cov-tooltip' });
      },
    });
    this.groups.cells.addLayer(polygons);
    this.cellBounds = polygons.getBounds();
    this.shell.dataset.cellCount = String(this.layers.size);
  }

  tooltip(feature) {
    const p = feature.properties;
    const info = this.coverage ? this.coverage.get(feature.id) : null;
    const box = el('div', 'cov-tip');
    box.append(el('strong', null, p.name));
    box.append(el('span', null, ` ${p.code}`));
    if (info) box.append(el('div', null, STATUS_LABELS[cellStatus(info)]));
    else box.append(el('div', null, '不在当前范围'));
    return box;
  }

  /** Colour every cell from the coverage report's cells; cells not in it are faded. */
  colour(cells) {
    this.coverage = new Map(cells.map((c) => [c.cell_id, c]));
    for (const [id, layer] of this.layers) this.decorate(id, layer);
  }

  /** Classes and data attributes of one cell's <path>: status, missing items, selection. */
  decorate(id, layer) {
    const path = layer.getElement();
    if (!path) return;
    path.setAttribute('data-cell-id', String(id));
    const info = this.coverage ? this.coverage.get(id) : null;
    path.classList.remove(...STATUS_CLASSES, 'cov-out');
    if (info) {
      const status = cellStatus(info);
      path.classList.add(`cov-${status}`);
      path.setAttribute('data-status', status);
      path.setAttribute('data-missing', info.missing.join(' '));
    } else {
      path.classList.add('cov-out');
      path.setAttribute('data-status', this.coverage ? 'out' : 'loading');
      path.removeAttribute('data-missing');
    }
    path.classList.toggle('cov-selected', id === this.selected);
  }

  /** Mark one cell as selected (thick outline, on top); `pan` brings it into view. */
  highlight(cellId, pan = false) {
    if (this.selected !== null) {
      const old = this.layers.get(this.selected);
      if (old && old.getElement()) old.getElement().classList.remove('cov-selected');
    }
    this.selected = cellId;
    const layer = cellId === null ? null : this.layers.get(cellId);
    if (!layer) return;
    if (layer.getElement()) layer.getElement().classList.add('cov-selected');
    layer.bringToFront();
    if (pan) {
      const bounds = layer.getBounds();
      if (!this.map.getBounds().contains(bounds)) {
        this.map.fitBounds(bounds, { padding: [60, 60], maxZoom: 17 });
      }
    }
  }

  /** Fit the view to the given cells (all cells when none is given). */
  fit(cellIds) {
    let bounds = this.cellBounds;
    if (cellIds && cellIds.length) {
      bounds = L.latLngBounds([]);
      for (const id of cellIds) {
        const layer = this.layers.get(id);
        if (layer) bounds.extend(layer.getBounds());
      }
    }
    if (bounds && bounds.isValid()) {
      this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: FIT_MAX_ZOOM });
    }
    if (this.piles) this.piles.update();
  }
}

/** Units based in the area (驻区单位): small square markers with a popup. */
function unitLayer(units) {
  return L.geoJSON(units, {
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      const marker = L.marker(latlng, {
        icon: L.divIcon({
          className: 'unit-icon',
          html: el('span', null, '单'),
          iconSize: [20, 20],
          iconAnchor: [10, 10],
          popupAnchor: [0, -10],
        }),
        title: p.name,
      });
      marker.bindPopup(
        infoCard({
          kind: `驻区单位 · ${UNIT_KIND_LABELS[p.kind] || p.kind}`,
          title: p.name,
          rows: [['党组织', p.party_org]],
          listTitle: '共享资源',
          list: p.resources || [],
        }),
      );
      return marker;
    },
  });
}
