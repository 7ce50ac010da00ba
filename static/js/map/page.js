// The map page: find the map and the empty layer groups folium rendered, fill them from the
// JSON API, fit the view to the user's cells, and mark the container for tests:
// data-layers-loaded="true" (or "error") and data-*-count per layer.
import { createApi } from '../common/api.js';
import { readJSON } from '../common/dom.js';
import { mapFrame } from '../common/map-frame.js';
import {
  buildingLayer,
  cellLayer,
  communityLayer,
  fitCellLabels,
  landLayer,
  servicePointLayer,
  streetLayer,
  watchSize,
} from '../common/map-layers.js';
import { MarkerPiles } from '../common/marker-piles.js';

const CELL_LABEL_ZOOM = 15; // cell names from this zoom on
const CELL_CODE_ZOOM = 17; // and their codes from this one
const FIT_MAX_ZOOM = 18;

function setStatus(node, text, isError = false) {
  node.textContent = text;
  node.hidden = !text;
  node.classList.toggle('error', isError);
}

/** Zoom-dependent label classes on the container; cell labels only where they fit. */
function trackLabels(map, shell, cells) {
  const update = () => {
    const zoom = map.getZoom();
    shell.classList.toggle('show-cell-labels', zoom >= CELL_LABEL_ZOOM);
    shell.classList.toggle('show-cell-codes', zoom >= CELL_CODE_ZOOM);
    fitCellLabels(map, cells, [...shell.querySelectorAll('.community-label')]);
  };
  map.on('zoomend resize overlayadd', update);
  update();
}

function fitToExtent(map, extent) {
  if (!extent) return;
  const [minLon, minLat, maxLon, maxLat] = extent;
  map.fitBounds(
    [
      [minLat, minLon],
      [maxLat, maxLon],
    ],
    { padding: [24, 24], maxZoom: FIT_MAX_ZOOM },
  );
}

async function main() {
  const shell = document.getElementById('grid-map');
  const status = shell.querySelector('.map-status');
  const { map, groups } = mapFrame(shell);
  const api = createApi(readJSON(shell, 'apiUrls'));
  const kinds = readJSON(shell, 'serviceKinds');
  const glyphs = Object.fromEntries(kinds.map((k) => [k.kind, k.glyph]));
  const piles = new MarkerPiles(map, [groups.service_points], {
    kindOf: (marker) => marker.feature.properties.kind,
    glyphs,
    labels: Object.fromEntries(kinds.map((k) => [k.kind, k.label])),
  });
  watchSize(map);

  try {
    const [me, communities, cells, buildings, streets, points] = await Promise.all([
      api.me(),
      api.communities(),
      api.cells(),
      api.buildings(),
      api.streets(),
      api.servicePoints(),
    ]);
    groups.land.addLayer(landLayer(communities));
    groups.communities.addLayer(communityLayer(communities));
    const cellPolygons = cellLayer(cells);
    groups.cells.addLayer(cellPolygons);
    groups.buildings.addLayer(buildingLayer(buildings));
    groups.streets.addLayer(streetLayer(streets));
    groups.service_points.addLayer(servicePointLayer(points, glyphs));
    fitToExtent(map, me.extent);
    trackLabels(map, shell, cellPolygons);
    piles.update();

    shell.dataset.communityCount = String(communities.features.length);
    shell.dataset.cellCount = String(cells.features.length);
    shell.dataset.buildingCount = String(buildings.features.length);
    shell.dataset.streetCount = String(streets.features.length);
    shell.dataset.servicePointCount = String(points.features.length);
    shell.dataset.layersLoaded = 'true';
    setStatus(status, me.extent ? '' : '您的范围内暂无网格');
  } catch (err) {
    shell.dataset.layersLoaded = 'error';
    const message =
      err.status === 401 ? '登录已过期，请刷新页面重新登录' : `图层加载失败：${err.message}`;
    setStatus(status, message, true);
    console.error(err);
  }
}

main();
