// The coordinate readout every map shows (added by map-frame.js): the map centre, or the
// point under the mouse, in the datum of the base map on view. Each tile layer names its
// datum in its options (gridDatum, gridDatumLabel: gridapp/web/mapframe.py); our own 简图
// is WGS-84 like all our data. 天地图 is CGCS2000 (within centimetres of WGS-84: same
// numbers). Over GCJ-02 tiles (高德 style) the point is converted from WGS-84 with the
// vendored gcoord library (window.gcoord); without it the readout says so and stays WGS-84.
import { el } from './dom.js';

const WGS84 = { datum: 'wgs84', label: 'WGS-84' };
const DIGITS = 6; // about 0.1 m
const GCJ02_NOTE = '底图为 GCJ-02（高德等）：与本系统的 WGS-84 数据相差数百米，读数已换算为 GCJ-02';
const NO_GCOORD = 'GCJ-02 换算不可用，显示 WGS-84';

const shown = new WeakSet();

/** The datum of a base layer: its own option, or that of a tile layer inside it. */
function datumOf(layer) {
  if (layer.options && layer.options.gridDatum) {
    return { datum: layer.options.gridDatum, label: layer.options.gridDatumLabel };
  }
  for (const child of layer.getLayers ? layer.getLayers() : []) {
    const found = datumOf(child);
    if (found !== WGS84) return found;
  }
  return WGS84;
}

/** The datum of the base map on the map now (WGS-84 when none carries one). */
function currentDatum(map) {
  let found = WGS84;
  map.eachLayer((layer) => {
    const datum = datumOf(layer);
    if (datum !== WGS84) found = datum;
  });
  return found;
}

/** [lng, lat] of a WGS-84 point in `datum`, and the label to show with it. */
function inDatum(latlng, datum) {
  const wgs = [latlng.lng, latlng.lat];
  if (datum.datum !== 'gcj02') return { point: wgs, label: datum.label };
  if (!window.gcoord) return { point: wgs, label: `WGS-84（${NO_GCOORD}）` };
  const point = window.gcoord.transform(wgs, window.gcoord.WGS84, window.gcoord.GCJ02);
  return { point, label: datum.label };
}

/** Add the readout to `map` once. */
export function coordReadout(map) {
  if (shown.has(map)) return;
  shown.add(map);
  let datum = currentDatum(map);
  let pointer = null; // the mouse position, while the mouse is over the map

  const control = L.control({ position: 'bottomright' });
  const box = el('div', 'coord-readout leaflet-control');
  const label = el('span', 'coord-datum');
  const where = el('span', 'coord-where');
  const value = el('span', 'coord-value');
  box.append(label, ' ', where, ' ', value);
  control.onAdd = () => box;
  control.addTo(map);
  L.DomEvent.disableClickPropagation(box);

  function show() {
    const { point, label: text } = inDatum(pointer || map.getCenter(), datum);
    label.textContent = text;
    box.dataset.datum = datum.datum;
    box.title = datum.datum === 'gcj02' ? GCJ02_NOTE : '';
    where.textContent = pointer ? '光标' : '中心';
    value.textContent = `经 ${point[0].toFixed(DIGITS)} 纬 ${point[1].toFixed(DIGITS)}`;
  }

  map.on('move', () => show());
  map.on('mousemove', (e) => {
    pointer = e.latlng;
    show();
  });
  map.on('mouseout', () => {
    pointer = null;
    show();
  });
  map.on('baselayerchange', (e) => {
    datum = datumOf(e.layer);
    show();
  });
  show();
}
