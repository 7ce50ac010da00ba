// The field pages' maps: the base drawn from our own data (land, streets, buildings — no
// tile layer needed), the user's cells, events, the user's position, and a point-in-cell
// test. Layers come from ../common/map-layers.js where the map page has them already.
import { el } from '../common/dom.js';
import { ensurePane } from '../common/map-frame.js';
import {
  buildingLayer,
  cellLabel,
  infoCard,
  landLayer,
  servicePointLayer,
  streetLayer,
  token,
} from '../common/map-layers.js';
import { getData } from './data.js';
import { formatTime } from './format.js';

const L = window.L;
const FIT_MAX_ZOOM = 18;

function eachRing(geometry, visit) {
  const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates;
  for (const polygon of polygons) visit(polygon);
}

/** [minLon, minLat, maxLon, maxLat] of GeoJSON geometries; null when there are none. */
export function boxOf(geometries) {
  let box = null;
  for (const geometry of geometries) {
    if (!geometry) continue;
    eachRing(geometry, (polygon) => {
      for (const [x, y] of polygon[0]) {
        box = box
          ? [Math.min(box[0], x), Math.min(box[1], y), Math.max(box[2], x), Math.max(box[3], y)]
          : [x, y, x, y];
      }
    });
  }
  return box;
}

/** The box grown by `fraction` of its size on every side. */
export function padBox(box, fraction = 0.3) {
  const dx = (box[2] - box[0]) * fraction || 0.002;
  const dy = (box[3] - box[1]) * fraction || 0.002;
  return [box[0] - dx, box[1] - dy, box[2] + dx, box[3] + dy];
}

export function fitBox(map, box, padding = 16) {
  if (!box) return;
  map.fitBounds(
    [
      [box[1], box[0]],
      [box[3], box[2]],
    ],
    { padding: [padding, padding], maxZoom: FIT_MAX_ZOOM, animate: false },
  );
}

function inRing(ring, x, y) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether the point lies in the (Multi)Polygon. */
export function contains(geometry, lon, lat) {
  let inside = false;
  eachRing(geometry, (polygon) => {
    if (inRing(polygon[0], lon, lat) && !polygon.slice(1).some((hole) => inRing(hole, lon, lat))) {
      inside = true;
    }
  });
  return inside;
}

/**
 * Draw the base (land under the communities, streets, buildings) and the service points in
 * `box` into the frame's groups; answers the GeoJSON drawn ({communities, streets,
 * buildings, points}) when all is drawn. `urls` names the base-data routes; `kinds` the
 * service kinds with their glyphs.
 */
export async function drawBase(groups, urls, box, kinds) {
  const bbox = box.map((v) => v.toFixed(6)).join(',');
  const wanted = [
    getData(urls.communities),
    groups.streets ? getData(urls.streets, { bbox }) : null,
    groups.buildings ? getData(urls.buildings, { bbox }) : null,
    groups.service_points ? getData(urls.service_points, { bbox }) : null,
  ];
  const [communities, streets, buildings, points] = await Promise.all(wanted);
  groups.land.addLayer(landLayer(communities.data));
  if (streets) groups.streets.addLayer(streetLayer(streets.data));
  if (buildings) groups.buildings.addLayer(buildingLayer(buildings.data));
  if (points) {
    const glyphs = Object.fromEntries(kinds.map((k) => [k.kind, k.glyph]));
    groups.service_points.addLayer(servicePointLayer(points.data, glyphs));
  }
  const data = (answer) => (answer ? answer.data : null);
  return {
    communities: communities.data,
    streets: data(streets),
    buildings: data(buildings),
    points: data(points),
  };
}

/** The base of a small map: land, streets and buildings, none of them taking taps. */
export function quietBase(map, base) {
  const layers = [landLayer(base.communities)];
  if (base.streets) layers.push(streetLayer(base.streets));
  if (base.buildings) {
    layers.push(
      L.geoJSON(base.buildings, {
        pane: 'gridBuildings',
        interactive: false,
        style: (f) => ({ className: `building building-${token(f.properties.kind)}`, weight: 1 }),
      }),
    );
  }
  for (const layer of layers) layer.addTo(map);
}

/** Cells as polygons (`path.grid-cell`) with their names; `onTap(feature)` on a tap. */
export function cellsLayer(features, { onTap = null, labels = true } = {}) {
  return L.geoJSON(
    { type: 'FeatureCollection', features },
    {
      pane: 'gridCells',
      style: (feature) => ({
        className: `grid-cell${feature.properties.due ? ' has-due' : ''}`,
        weight: 2,
        fillOpacity: 0.08,
      }),
      onEachFeature: (feature, layer) => {
        if (labels) {
          layer.bindTooltip(cellLabel(feature.properties), {
            permanent: true,
            direction: 'center',
            className: 'cell-label field-cell-label',
          });
        }
        if (onTap) layer.on('click', () => onTap(feature));
      },
    },
  );
}

/** An event's marker: a round icon with the category's first character; a popup card. */
export function eventMarker(event, categories) {
  const label = event.category_label || categories[event.category] || '事件';
  const icon = L.divIcon({
    className: `event-icon event-${token(event.category)} event-${token(event.status)}`,
    html: el('span', 'event-glyph', label.slice(0, 1)),
    iconSize: [30, 30],
    iconAnchor: [15, 15],
    popupAnchor: [0, -15],
  });
  const marker = L.marker([event.lat, event.lon], { icon, title: label });
  marker.bindPopup(
    infoCard({
      kind: label,
      title: event.description,
      rows: [
        ['网格', event.cell_name],
        ['上报人', event.reporter],
        ['时间', formatTime(event.reported_at)],
      ],
    }),
  );
  return marker;
}

/** Show the user's position (a dot and its accuracy circle) in `group`. */
export function showMe(group, position) {
  group.clearLayers();
  const at = [position.lat, position.lon];
  if (Number.isFinite(position.accuracy)) {
    group.addLayer(
      L.circle(at, { radius: position.accuracy, className: 'me-accuracy', interactive: false }),
    );
  }
  group.addLayer(L.circleMarker(at, { radius: 8, className: 'me-dot', interactive: false }));
}

/** A small Leaflet map of our own (no folium frame) for `container`, with our panes. */
export function smallMap(container) {
  const map = L.map(container, { zoomControl: true, attributionControl: false, maxZoom: 20 });
  ensurePane(map, 'gridLand', 190);
  ensurePane(map, 'gridStreets', 370);
  ensurePane(map, 'gridCells', 390);
  ensurePane(map, 'gridBuildings', 420);
  map.getPane('gridLand').style.pointerEvents = 'none';
  map.getPane('gridStreets').style.pointerEvents = 'none';
  return map;
}
