// The editor's map adapter: cell polygons (one editable Leaflet polygon per cell), the light
// base layers, Geoman vertex editing and drawing, and the overlays the editor shows (error
// highlights, conflicts, previews). Knows Leaflet and Geoman; knows nothing of the API.

import { el } from '../common/dom.js';
import { IGNORE, drawShape } from '../common/draw.js';
import {
  cellLabel,
  communityLayer,
  fitCellLabels,
  landLayer,
  streetLayer,
} from '../common/map-layers.js';
import { copyLatLngs, ringsOf } from './shared-vertices.js';

const L = window.L;
const SNAP_PX = 12; // Geoman snaps a dragged vertex to other layers this close (Alt: no snap)
const FIT_MAX_ZOOM = 18;

/** Exclude a layer (and its children) from Geoman editing and snapping. */
function ignoreForEditing(layer) {
  Object.assign(layer.options, IGNORE);
  if (layer.eachLayer) layer.eachLayer(ignoreForEditing);
}

/** The map page's cell label (name, code) and the cell's households. */
function editorCellLabel(props) {
  const label = cellLabel(props);
  const households = Number(props.households || 0).toLocaleString('zh-CN');
  label.append(el('span', 'cell-label-households', `${households} 户`));
  return label;
}

/** A GeoJSON (Multi)Polygon as Leaflet polygon latlngs. */
export function latLngsOf(geometry) {
  const depth = geometry.type === 'MultiPolygon' ? 2 : 1;
  return L.GeoJSON.coordsToLatLngs(geometry.coordinates, depth);
}

export class EditorMap {
  constructor(map, groups, shell) {
    this.map = map;
    this.groups = groups;
    this.shell = shell;
    this.layers = new Map(); // cell id -> L.Polygon
    this.cellGroup = L.featureGroup().addTo(map);
    this.overlays = {
      preview: L.featureGroup().addTo(map),
      conflict: L.featureGroup().addTo(map),
      error: L.featureGroup().addTo(map),
    };
    this.editing = null; // id of the cell in vertex editing
    map.pm.setLang('zh');
    map.pm.setGlobalOptions({ snappable: true, snapDistance: SNAP_PX });
    map.on('zoomend resize', () => this.fitLabels());
    shell.classList.add('show-cell-labels', 'show-cell-codes');
  }

  /** The base layers of a community: land, outline, streets, buildings (light). */
  setBase(community, streets, buildings) {
    for (const key of ['land', 'communities', 'streets', 'buildings']) {
      this.groups[key].clearLayers();
    }
    const land = landLayer({ type: 'FeatureCollection', features: [community] });
    const outline = communityLayer({ type: 'FeatureCollection', features: [community] });
    const streetLines = streetLayer(streets);
    const footprints = L.geoJSON(buildings, {
      pane: 'gridBuildings',
      interactive: false,
      ...IGNORE,
      style: () => ({ className: 'building building-light', weight: 1, fillOpacity: 1 }),
    });
    for (const layer of [land, streetLines]) ignoreForEditing(layer);
    this.groups.land.addLayer(land);
    this.groups.communities.addLayer(outline);
    this.groups.streets.addLayer(streetLines);
    this.groups.buildings.addLayer(footprints);
  }

  fitTo(geometry) {
    const bounds = L.geoJSON(geometry).getBounds();
    if (bounds.isValid()) this.map.fitBounds(bounds, { padding: [20, 20], maxZoom: FIT_MAX_ZOOM });
  }

  /** Replace the cells; `onClick(id, event)` is called when a cell is clicked. */
  setCells(features, onClick) {
    this.disableEdit();
    this.cellGroup.clearLayers();
    this.layers.clear();
    for (const feature of features) {
      const id = feature.properties.id;
      const layer = L.polygon(latLngsOf(feature.geometry), {
        pane: 'gridCells',
        className: 'grid-cell editor-cell',
        weight: 2,
        fillOpacity: 0.08,
      });
      layer.feature = feature;
      layer.bindTooltip(editorCellLabel(feature.properties), {
        permanent: true,
        direction: 'center',
        className: 'cell-label',
      });
      layer.on('click', (e) => onClick(id, e.originalEvent || {}));
      this.cellGroup.addLayer(layer);
      layer.getElement().dataset.cellId = String(id);
      this.layers.set(id, layer);
    }
    this.fitLabels();
  }

  /** Put each cell's label back in the middle of its (edited) outline. */
  centreLabels() {
    for (const layer of this.layers.values()) {
      const tooltip = layer.getTooltip();
      if (tooltip && layer.getLatLngs().length) tooltip.setLatLng(layer.getCenter());
    }
    this.fitLabels();
  }

  fitLabels() {
    fitCellLabels(this.map, this.cellGroup, [...this.shell.querySelectorAll('.community-label')]);
  }

  layer(id) {
    return this.layers.get(id);
  }

  /** The cell's current geometry as GeoJSON (full precision). */
  geometry(id) {
    return this.layers.get(id).toGeoJSON(false).geometry;
  }

  /** A string that changes whenever the cell's outline changes. */
  signature(id) {
    return JSON.stringify(this.geometry(id).coordinates);
  }

  /** The signature a cell would have with this geometry. */
  signatureOf(geometry) {
    return JSON.stringify(L.polygon(latLngsOf(geometry)).toGeoJSON(false).geometry.coordinates);
  }

  setGeometry(id, geometry) {
    this.setLatLngs(id, latLngsOf(geometry));
  }

  setLatLngs(id, latlngs) {
    const layer = this.layers.get(id);
    const editing = this.editing === id;
    if (editing) layer.pm.disable();
    layer.setLatLngs(latlngs);
    if (editing) this.enableEdit(id, this.editHandlers);
  }

  /** Every cell's vertices, copied: an undo step. */
  snapshot() {
    const state = new Map();
    for (const [id, layer] of this.layers) state.set(id, copyLatLngs(layer.getLatLngs()));
    return state;
  }

  restore(state) {
    const editing = this.editing;
    this.disableEdit();
    for (const [id, latlngs] of state) {
      const layer = this.layers.get(id);
      if (layer) layer.setLatLngs(copyLatLngs(latlngs));
    }
    if (editing !== null) this.enableEdit(editing, this.editHandlers);
  }

  vertexCount(id) {
    return ringsOf(this.layers.get(id).getLatLngs()).reduce((n, ring) => n + ring.length, 0);
  }

  /** Mark cells with a CSS class (e.g. "selected", "dirty", "merge-pick"). */
  markCells(className, ids) {
    for (const [id, layer] of this.layers) {
      const path = layer.getElement();
      if (path) path.classList.toggle(className, ids.has(id));
    }
  }

  /** Geoman vertex editing on one cell; `handlers` maps Geoman events to functions. */
  enableEdit(id, handlers) {
    if (this.editing !== null && this.editing !== id) this.disableEdit();
    const layer = this.layers.get(id);
    if (!layer) return;
    this.editing = id;
    this.editHandlers = handlers;
    layer.off(handlers);
    layer.on(handlers);
    layer.pm.enable({
      allowSelfIntersection: true, // the server refuses a bow-tie with a clear message
      draggable: false, // no moving whole cells by accident
      snappable: true,
      snapDistance: SNAP_PX,
      removeLayerBelowMinVertexCount: false,
    });
  }

  disableEdit() {
    if (this.editing === null) return;
    const layer = this.layers.get(this.editing);
    if (layer) {
      layer.pm.disable();
      if (this.editHandlers) layer.off(this.editHandlers);
    }
    this.editing = null;
  }

  /** Other cells than `id` (the candidates for shared vertices). */
  neighbours(id) {
    return [...this.layers].filter(([other]) => other !== id).map(([, layer]) => layer);
  }

  // --- drawing (Geoman) ------------------------------------------------------------------

  /** Let the user draw a line ("Line") or polygon ("Polygon"); `done(latlngs)` when finished. */
  draw(shape, done) {
    this.cancelDraw();
    const options = { classPrefix: 'draw', snappable: true, snapDistance: SNAP_PX };
    this.stopDrawing = drawShape(this.map, shape, options, (layer) => {
      this.stopDrawing = null;
      done(layer.getLatLngs());
    });
  }

  cancelDraw() {
    if (this.stopDrawing) this.stopDrawing();
    this.stopDrawing = null;
    this.map.pm.disableDraw();
  }

  // --- overlays --------------------------------------------------------------------------

  clear(name) {
    this.overlays[name].clearLayers();
    this.labelOverlays();
  }

  /** While an overlay has labels of its own, the cells' labels step aside. */
  labelOverlays() {
    const labelled = Object.values(this.overlays).some((group) =>
      group.getLayers().some((layer) => layer.getLayers().some((part) => part.getTooltip())),
    );
    this.shell.classList.toggle('overlay-labels', labelled);
  }

  clearAll() {
    for (const name of Object.keys(this.overlays)) this.clear(name);
  }

  /** Draw GeoJSON on an overlay with a class (points become circles). */
  show(name, geojson, className, label) {
    const layer = L.geoJSON(geojson, {
      pane: 'gridCommunities',
      interactive: false,
      ...IGNORE,
      style: () => ({ className, weight: 3 }),
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, { radius: 14, className, interactive: false, ...IGNORE }),
    });
    if (label) {
      layer.eachLayer((part) =>
        part.bindTooltip(el('span', null, label), {
          permanent: true,
          direction: 'center',
          className: `overlay-label ${className}-label`,
        }),
      );
    }
    this.overlays[name].addLayer(layer);
    this.labelOverlays();
    return layer;
  }

  /** Bring an overlay into view when it is off screen. */
  reveal(name) {
    const bounds = this.overlays[name].getBounds();
    if (!bounds.isValid()) return;
    if (!this.map.getBounds().pad(-0.05).contains(bounds)) {
      this.map.fitBounds(bounds.pad(0.5), { maxZoom: FIT_MAX_ZOOM });
    }
  }
}
