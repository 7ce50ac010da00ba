// The map folium rendered for a page (gridapp/web/mapframe.py): the page's map element names
// the Leaflet map's global variable (data-map-var) and its empty layer groups
// (data-layer-vars: key -> global variable), which the page's module fills from the JSON API.
// Every map gets the coordinate readout here (coord-readout.js).
import { coordReadout } from './coord-readout.js';
import { readJSON } from './dom.js';

/** The Leaflet map and its layer groups (by key) that `shell`'s data attributes name. */
export function mapFrame(shell) {
  const map = window[shell.dataset.mapVar];
  coordReadout(map);
  const groups = {};
  for (const [key, name] of Object.entries(readJSON(shell, 'layerVars'))) {
    groups[key] = window[name];
  }
  return { map, groups };
}

/** A map pane of our own (clickable), created once; answers its name. */
export function ensurePane(map, name, zIndex) {
  if (!map.getPane(name)) {
    const pane = map.createPane(name);
    pane.style.zIndex = String(zIndex);
  }
  return name;
}
