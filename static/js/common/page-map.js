// Shared by the side-panel map pages (partition check, proposal, data): the map frame folium rendered, fitting
// the view, and drawing community and cell outlines from the JSON API.
import { el, readJSON } from './dom.js';
import { mapFrame } from './map-frame.js';
import { communityLayer, landLayer } from './map-layers.js';

const L = window.L;

/** The map, its layer groups (by key) and the API URLs the page named. */
export function pageMap() {
  const shell = document.getElementById('grid-map');
  const { map, groups } = mapFrame(shell);
  return { shell, map, groups, urls: readJSON(shell, 'apiUrls') };
}

/** Show a status line; `kind` is '', 'ok', 'bad' or 'error' (a class on the node). */
export function setStatus(node, text, kind = '') {
  node.textContent = text;
  node.classList.remove('ok', 'bad', 'error');
  if (kind) node.classList.add(kind);
}

/** Replace what a layer group shows with the communities (land + outlines). */
export function showCommunities(groups, communities) {
  if (groups.land) {
    groups.land.clearLayers();
    groups.land.addLayer(landLayer(communities));
  }
  groups.communities.clearLayers();
  groups.communities.addLayer(communityLayer(communities));
}

/** Plain cell outlines (no labels), each with its name and code as a tooltip. */
export function showCells(group, cells) {
  group.clearLayers();
  group.addLayer(
    L.geoJSON(cells, {
      pane: 'gridCells',
      style: () => ({ className: 'grid-cell', weight: 2, fillOpacity: 0.03 }),
      onEachFeature: (feature, layer) => {
        const p = feature.properties;
        layer.bindTooltip(el('span', null, `${p.name}（${p.code}）`), { sticky: true });
      },
    }),
  );
}

export function fitTo(map, layer) {
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18 });
}

export function formatNumber(n, digits = 0) {
  return Number(n).toLocaleString('zh-CN', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
