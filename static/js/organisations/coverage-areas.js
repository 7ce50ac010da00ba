// 党员责任区 on the coverage map: the responsibility areas of the selected cell's members
// (paths `resp-area`; a 党员中心户's also `resp-hub`; with the member's name as tooltip) and,
// for users who may assign, drawing a new area with Leaflet-Geoman (clicks on the map, a
// click on the first vertex finishes; Esc cancels). The cells stop taking clicks while one
// draws, so that a click places a vertex instead of picking a cell.
import { el } from '../common/dom.js';
import { IGNORE, drawShape } from '../common/draw.js';
import { ensurePane, mapFrame } from '../common/map-frame.js';

const L = window.L;
const PANE = 'respAreas';
const PANE_Z = 410; // over the cells (390), under buildings (420) and community outlines (430)
const CLICK_PANES = ['gridCells', 'gridBuildings', PANE];

function areaTooltip(member) {
  const box = el('div', 'resp-tip');
  box.append(el('strong', null, member.name));
  const hub = `党员责任区 · 党员中心户（${member.hub_households} 户）`;
  box.append(el('div', null, member.is_hub ? hub : '党员责任区'));
  return box;
}

export class ResponsibilityAreas {
  /** `shell` is the map section (#grid-map) with data-map-var and data-layer-vars. */
  constructor(shell) {
    this.shell = shell;
    const { map, groups } = mapFrame(shell);
    this.map = map;
    this.group = groups.areas || L.layerGroup().addTo(map);
    ensurePane(map, PANE, PANE_Z);
    this.rejected = null;
    this.drawing = null; // {stop, onKey} while drawing
    if (this.map.pm) this.map.pm.setLang('zh');
  }

  get canDraw() {
    return Boolean(this.map.pm);
  }

  /** Show the members' areas (members without one are skipped). */
  show(members) {
    this.group.clearLayers();
    this.clearRejected();
    for (const m of members) {
      if (!m.responsibility_area) continue;
      const classes = ['resp-area'];
      if (m.is_hub) classes.push('resp-hub');
      const layer = L.geoJSON(m.responsibility_area, {
        pane: PANE,
        style: () => ({ className: classes.join(' '), weight: 2, fillOpacity: 0.7, ...IGNORE }),
        ...IGNORE,
      });
      layer.eachLayer((path) => {
        Object.assign(path.options, IGNORE);
        path.bindTooltip(() => areaTooltip(m), { sticky: true, className: 'resp-tooltip' });
        path.on('add', () => this.mark(path, m));
      });
      this.group.addLayer(layer);
      layer.eachLayer((path) => this.mark(path, m));
    }
  }

  mark(path, member) {
    const node = path.getElement();
    if (node) node.setAttribute('data-member-id', String(member.id));
  }

  /** Emphasise one member's area (none for `null`), e.g. while the panel row is hovered. */
  focus(memberId) {
    for (const node of this.map.getPane(PANE).querySelectorAll('path.resp-area')) {
      node.classList.toggle('resp-focus', node.dataset.memberId === String(memberId));
    }
  }

  clear() {
    this.cancel();
    this.group.clearLayers();
    this.clearRejected();
  }

  clearRejected() {
    if (this.rejected) this.rejected.remove();
    this.rejected = null;
  }

  /** Keep a refused drawing on the map (dashed red) so one sees where it went wrong. */
  showRejected(geometry) {
    this.clearRejected();
    this.rejected = L.geoJSON(geometry, {
      pane: PANE,
      interactive: false,
      style: () => ({ className: 'resp-rejected', weight: 2, dashArray: '6,4', ...IGNORE }),
      ...IGNORE,
    }).addTo(this.map);
  }

  /** Let the user draw a polygon; `done(geometry)` gets its GeoJSON, `cancelled()` on Esc. */
  draw(done, cancelled) {
    this.cancel();
    this.clearRejected();
    const onKey = (e) => {
      if (e.key === 'Escape') {
        this.cancel();
        cancelled();
      }
    };
    document.addEventListener('keydown', onKey);
    for (const name of CLICK_PANES) {
      const pane = this.map.getPane(name);
      if (pane) pane.classList.add('resp-drawing-off');
    }
    this.shell.dataset.drawing = 'true';
    const options = { classPrefix: 'resp-draw', snappable: false, allowSelfIntersection: false };
    const stop = drawShape(this.map, 'Polygon', options, (layer) => {
      const geometry = layer.toGeoJSON().geometry;
      this.cancel();
      done(geometry);
    });
    this.drawing = { stop, onKey };
  }

  cancel() {
    if (!this.drawing) return;
    this.drawing.stop();
    document.removeEventListener('keydown', this.drawing.onKey);
    this.drawing = null;
    for (const name of CLICK_PANES) {
      const pane = this.map.getPane(name);
      if (pane) pane.classList.remove('resp-drawing-off');
    }
    delete this.shell.dataset.drawing;
  }
}
