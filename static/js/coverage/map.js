// The service page's map: base layers, cells coloured by the share of residents covered,
// service circles, the 盲点 (gap) layer. Station, hypothetical and suggested markers are in
// markers.js. Data reaches the DOM only as text (textContent / infoCard).
import { el } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import {
  buildingLayer,
  communityLayer,
  infoCard,
  landLayer,
  streetLayer,
  watchSize,
} from '../common/map-layers.js';
import { ORG_ITEMS } from '../common/vocab.js';
import { num, pct, shareBin } from './format.js';

const L = window.L;
const FIT_MAX_ZOOM = 17;
// Panes of this page (above the cell fill, under buildings and markers).
const PANES = [
  ['svcCircles', 395],
  ['svcScenario', 397],
  ['svcGaps', 445],
];

export class ServiceMap {
  constructor(shell) {
    this.shell = shell;
    const { map, groups } = mapFrame(shell);
    this.map = map;
    this.groups = groups;
    map.options.zoomSnap = 0.25; // finer fits: the whole subdistrict above the legend
    watchSize(map);
    for (const [name, z] of PANES) {
      const pane = this.map.createPane(name);
      pane.style.zIndex = String(z);
      pane.style.pointerEvents = 'none';
    }
    this.cellFeatures = [];
    this.cellLayers = new Map(); // cell id -> polygon
    this.circleLayers = new Map(); // point id -> polygon
  }

  /** Land, streets, buildings and community outlines: drawn once. */
  drawBase({ communities, streets, buildings, cells }) {
    this.groups.land.addLayer(landLayer(communities));
    this.groups.streets.addLayer(streetLayer(streets));
    this.groups.buildings.addLayer(buildingLayer(buildings));
    this.groups.communities.addLayer(communityLayer(communities));
    this.cellFeatures = cells.features;
  }

  /** Fit the view to the cells of the report. */
  fitCells(rows) {
    const ids = new Set(rows.map((r) => r.cell_id));
    const features = this.cellFeatures.filter((f) => ids.has(f.id));
    if (!features.length) return;
    const bounds = L.geoJSON({ type: 'FeatureCollection', features }).getBounds();
    // keep the cells clear of the open legend in the bottom-left corner
    const legend = this.shell.querySelector('.map-legend');
    const below = legend && legend.open ? legend.offsetHeight + 16 : 16;
    this.map.fitBounds(bounds, {
      paddingTopLeft: [16, 16],
      paddingBottomRight: [16, Math.min(below, this.map.getSize().y / 3)],
      maxZoom: FIT_MAX_ZOOM,
    });
  }

  /**
   * Cells of the report coloured by share of residents covered. `after` (cell id -> row of
   * the what-if) overrides a cell's figures while a scenario is shown; `org` (cell id ->
   * organisation coverage row) adds what the cell lacks to its popup.
   */
  drawCells(rows, org, after = new Map()) {
    this.groups.cells.clearLayers();
    this.cellLayers.clear();
    const byId = new Map(rows.map((r) => [r.cell_id, r]));
    const features = this.cellFeatures.filter((f) => byId.has(f.id));
    const layer = L.geoJSON(
      { type: 'FeatureCollection', features },
      {
        pane: 'gridCells',
        style: (f) => {
          const row = after.get(f.id) || byId.get(f.id);
          const changed = after.has(f.id) ? ' cov-changed' : '';
          return {
            className: `svc-cell ${shareBin(row.share_residents, row.residents)}${changed}`,
            weight: 1.5,
            fillOpacity: 0.45,
          };
        },
        onEachFeature: (f, polygon) => {
          const row = after.get(f.id) || byId.get(f.id);
          this.cellLayers.set(f.id, polygon);
          polygon.on('add', () => {
            const path = polygon.getElement();
            path.dataset.cellId = String(f.id);
            path.dataset.shareResidents = String(row.share_residents);
          });
          polygon.bindTooltip(
            () => el('span', null, `${row.name}：居民覆盖率 ${pct(row.share_residents)}`),
            { sticky: true, className: 'svc-tip' },
          );
          polygon.bindPopup(() => cellCard(row, byId.get(f.id), org.get(f.id)));
        },
      },
    );
    this.groups.cells.addLayer(layer);
  }

  /** Open the popup of a cell and bring it into view. */
  focusCell(cellId) {
    const polygon = this.cellLayers.get(cellId);
    if (!polygon) return;
    if (!this.map.hasLayer(this.groups.cells)) this.map.addLayer(this.groups.cells);
    this.map.fitBounds(polygon.getBounds(), { padding: [40, 40], maxZoom: FIT_MAX_ZOOM });
    polygon.openPopup(polygon.getBounds().getCenter());
  }

  /** The service circles of the counted stations (GeoJSON polygons following the network). */
  drawCircles(collection) {
    this.groups.circles.clearLayers();
    this.circleLayers.clear();
    const layer = (this.circles = L.geoJSON(collection, {
      pane: 'svcCircles',
      interactive: false,
      filter: (f) => f.geometry !== null,
      style: () => ({ className: 'service-circle', weight: 1.5, fillOpacity: 1 }),
      onEachFeature: (f, polygon) => {
        this.circleLayers.set(f.properties.point_id, polygon);
        polygon.on('add', () => {
          polygon.getElement().dataset.pointId = String(f.properties.point_id);
        });
      },
    }));
    this.groups.circles.addLayer(layer);
    this.shell.dataset.circleCount = String(this.circleLayers.size);
  }

  /** Hide the circles of stations a scenario moves or removes (their old reach). */
  hideCircles(pointIds) {
    for (const [id, polygon] of this.circleLayers) {
      const shown = this.circles.hasLayer(polygon);
      if (pointIds.has(id) && shown) this.circles.removeLayer(polygon);
      else if (!pointIds.has(id) && !shown) this.circles.addLayer(polygon);
    }
  }

  /** The circles of hypothetical and moved stations (what-if answer), or none. */
  drawScenarioCircles(collection) {
    this.groups.scenario.eachLayer((l) => {
      if (l.options && l.options.pane === 'svcScenario') this.groups.scenario.removeLayer(l);
    });
    if (!collection) return;
    const layer = L.geoJSON(collection, {
      pane: 'svcScenario',
      interactive: false,
      filter: (f) => f.geometry !== null,
      style: () => ({ className: 'scenario-circle', weight: 2, fillOpacity: 1 }),
    });
    this.groups.scenario.addLayer(layer);
  }

  /** Homes outside every circle: dots sized by residents, with a popup. */
  drawGaps(collection, cellNames, buildings) {
    this.groups.gaps.clearLayers();
    const layer = L.geoJSON(collection, {
      pointToLayer: (f, latlng) =>
        L.circleMarker(latlng, {
          pane: 'svcGaps',
          className: 'svc-gap',
          radius: Math.min(10, 3 + Math.sqrt(f.properties.residents || 0) / 5),
          weight: 1.5,
          fillOpacity: 0.85,
        }),
      onEachFeature: (f, marker) => {
        marker.bindPopup(() => gapCard(f.properties, cellNames, buildings, this.resolved));
        marker.on('add', () => {
          const resolved = this.resolved.has(f.properties.cell_id);
          marker.getElement().classList.toggle('gap-resolved', resolved);
        });
      },
    });
    this.gapLayer = layer;
    this.resolved = new Set();
    this.groups.gaps.addLayer(layer);
    this.shell.dataset.gapCount = String(collection.features.length);
  }

  /** Fade the gap dots of cells a scenario covers completely (cell ids in `cells`): the
   * what-if answers per cell, so only those homes are known to be reached. */
  resolveGaps(cells) {
    this.resolved = cells;
    if (!this.gapLayer) return;
    this.gapLayer.eachLayer((marker) => {
      const path = marker.getElement();
      if (path) path.classList.toggle('gap-resolved', cells.has(marker.feature.properties.cell_id));
    });
    this.shell.dataset.gapResolvedCount = String(
      this.gapLayer.getLayers().filter((m) => cells.has(m.feature.properties.cell_id)).length,
    );
  }
}

function shareLine(row) {
  return `${pct(row.share_residents)}（${num(row.residents_covered)} / ${num(row.residents)} 人）`;
}

function cellCard(row, base, org) {
  const rows = [
    ['社区', row.community_name],
    ['编码', row.code],
    ['户数', `${num(row.households)} 户`],
    ['居民覆盖率', shareLine(row)],
    ['户数覆盖率', pct(row.share_households)],
    ['未覆盖住宅楼', `${num(row.uncovered_buildings)} 栋`],
  ];
  if (base && base !== row) rows.splice(3, 0, ['现状覆盖率', shareLine(base)]);
  if (org) {
    const missing = ORG_ITEMS.filter(([key]) => org.missing.includes(key)).map(([, l]) => l);
    rows.push(['组织覆盖', missing.length ? `缺${missing.join('、')}` : '四项齐全']);
  }
  return infoCard({ kind: '网格', title: row.name, rows });
}

function gapCard(p, cellNames, buildings, resolved) {
  const building = buildings.get(p.building_id);
  const title = (building && building.name) || `住宅楼（编号 ${p.building_id}）`;
  return infoCard({
    kind: resolved.has(p.cell_id) ? '盲点（假设方案下已覆盖）' : '盲点：所有服务圈之外',
    title,
    rows: [
      ['所在网格', cellNames.get(p.cell_id) || ''],
      ['户数', `${num(p.households)} 户`],
      ['人口', `${num(p.residents)} 人`],
      [
        '到最近站点',
        p.distance_m === null ? '超出步行范围（或路网不连通）' : `步行 ${num(p.distance_m)} 米`,
      ],
    ],
  });
}
