// Shared by the partition check and proposal pages: the map frame folium rendered, fitting
// the view, and drawing community and cell outlines from the JSON API.
import { communityLayer, el, landLayer } from '../common/map-layers.js';

const L = window.L;

export function readJSON(node, key) {
  return JSON.parse(node.dataset[key]);
}

/** The map, its layer groups (by key) and the API URLs the page named. */
export function pageMap() {
  const shell = document.getElementById('grid-map');
  const map = window[shell.dataset.mapVar];
  const groups = {};
  for (const [key, name] of Object.entries(readJSON(shell, 'layerVars'))) groups[key] = window[name];
  return { shell, map, groups, urls: readJSON(shell, 'apiUrls') };
}

/** A URL template such as "/api/communities/{id}/proposal" with the id filled in. */
export function withId(template, id) {
  return template.replace('{id}', encodeURIComponent(String(id)));
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

/** A map pane of our own (clickable), created once. */
export function ensurePane(map, name, zIndex) {
  if (!map.getPane(name)) {
    const pane = map.createPane(name);
    pane.style.zIndex = String(zIndex);
  }
  return name;
}
