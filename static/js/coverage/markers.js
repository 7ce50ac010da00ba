// Markers of the service page: the counted service points (draggable: a hypothetical move;
// popup: 撤除 / 恢复), the points of kinds not counted (faded), hypothetical stations
// (draggable) and suggested sites (numbered). Every change goes to `actions`:
//   move(id, latlng), unmove(id), remove(id), restore(id),
//   moveAdded(item, latlng), dropAdded(item), adopt(site)
import { button, el } from '../common/dom.js';
import { infoCard, token } from '../common/map-layers.js';
import { MarkerPiles } from '../common/marker-piles.js';
import { num, pct } from './format.js';

const L = window.L;

function divIcon(className, text, size = 28) {
  return L.divIcon({
    className,
    html: el('span', 'sp-glyph', text),
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
    popupAnchor: [0, -size / 2],
    tooltipAnchor: [0, -size / 2],
  });
}

function actionButton(text, onClick, className = '') {
  return button(text, `popup-action ${className}`.trim(), onClick);
}

function withActions(card, buttons) {
  const bar = el('p', 'popup-actions');
  bar.append(...buttons);
  card.append(bar);
  return card;
}

export class Markers {
  constructor(map, groups, glyphs, actions, labels = {}) {
    this.map = map;
    this.groups = groups;
    this.glyphs = glyphs;
    this.actions = actions;
    this.stations = new Map(); // id -> {station, marker, home}
    this.ghosts = L.layerGroup();
    this.groups.stations.addLayer(this.ghosts);
    // stations that would cover each other at this zoom show as one pile (not the ghosts)
    this.piles = new MarkerPiles(map, [groups.stations], {
      kindOf: (marker) => marker.options.kind,
      include: (marker) => marker.options.kind !== undefined,
      glyphs,
      labels,
    });
  }

  /** The counted stations (from the coverage report), with details from /api/service-points;
   * `others` are points that do not count (drawn faded, not draggable): of kinds not chosen,
   * or too far from every street (ids in `offNetwork`). */
  drawStations(stations, details, others, offNetwork = new Set()) {
    this.groups.stations.clearLayers();
    this.ghosts = L.layerGroup();
    this.groups.stations.addLayer(this.ghosts);
    this.stations.clear();
    for (const f of others) {
      const kind = token(f.properties.kind);
      const [lon, lat] = f.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        icon: divIcon(`sp-icon sp-${kind} svc-station-off`, this.glyphs[kind] || '站', 22),
        title: `${f.properties.name}（未计入）`,
        keyboard: false,
        kind,
      });
      const why = offNetwork.has(f.id) ? '离道路过远，未计入' : '未计入所选类型';
      marker.bindPopup(() => this.card(f.properties, f.properties.kind_label, why));
      this.groups.stations.addLayer(marker);
    }
    for (const s of stations) {
      const [lon, lat] = s.geometry.coordinates;
      const home = L.latLng(lat, lon);
      const marker = L.marker(home, {
        icon: this.stationIcon(s, {}),
        title: s.name,
        draggable: true,
        autoPan: true,
        riseOnHover: true,
        kind: s.kind,
      });
      marker.on('add', () => {
        marker.getElement().dataset.pointId = String(s.id);
      });
      marker.on('dragend', () => this.actions.move(s.id, marker.getLatLng()));
      marker.bindPopup(() => this.stationCard(s));
      this.groups.stations.addLayer(marker);
      this.stations.set(s.id, { station: s, marker, home, details: details.get(s.id) });
    }
    this.piles.update();
  }

  stationIcon(s, state) {
    const kind = token(s.kind);
    const extra = `${state.moved ? ' is-moved' : ''}${state.removed ? ' is-removed' : ''}`;
    return divIcon(`sp-icon sp-${kind} svc-station${extra}`, this.glyphs[kind] || '站');
  }

  card(p, kindLabel, note) {
    return infoCard({
      kind: note ? `${kindLabel}（${note}）` : kindLabel,
      title: p.name,
      rows: [
        ['地址', p.address],
        ['开放时间', p.hours],
        ['联系电话', p.contact],
      ],
      listTitle: '服务项目',
      list: p.services || [],
    });
  }

  stationCard(s) {
    const entry = this.stations.get(s.id);
    const state = this.state || { moved: new Map(), removed: new Set() };
    const moved = state.moved.has(s.id);
    const removed = state.removed.has(s.id);
    const note = removed ? '假设已撤除' : moved ? '假设已搬迁' : '';
    const card = this.card({ ...(entry.details || {}), name: s.name }, s.kind_label, note);
    const buttons = [];
    const close = (fn) => () => {
      this.map.closePopup();
      fn();
    };
    if (removed) buttons.push(actionButton('恢复此站点', close(() => this.actions.restore(s.id))));
    else buttons.push(actionButton('撤除（假设）', close(() => this.actions.remove(s.id)), 'danger'));
    if (moved) buttons.push(actionButton('移回原处', close(() => this.actions.unmove(s.id))));
    if (!removed) card.append(el('p', 'popup-hint', '拖动图标可假设搬迁'));
    return withActions(card, buttons);
  }

  /** Show the scenario on the station markers: moved ones at their new place with a ghost
   * and a dashed line from home, removed ones faded and fixed. */
  syncStations(scenario) {
    this.state = { moved: scenario.moved, removed: scenario.removed };
    this.ghosts.clearLayers();
    for (const [id, { station, marker, home }] of this.stations) {
      const moved = scenario.moved.has(id);
      const removed = scenario.removed.has(id);
      marker.setIcon(this.stationIcon(station, { moved, removed }));
      marker.setLatLng(moved ? scenario.moved.get(id) : home);
      if (removed) marker.dragging.disable();
      else marker.dragging.enable();
      if (moved) {
        const kind = token(station.kind);
        this.ghosts.addLayer(
          L.marker(home, {
            icon: divIcon(`sp-icon sp-${kind} svc-ghost`, this.glyphs[kind] || '站', 22),
            interactive: false,
            keyboard: false,
          }),
        );
        this.ghosts.addLayer(
          L.polyline([home, scenario.moved.get(id)], {
            className: 'svc-move-line',
            interactive: false,
          }),
        );
      }
    }
    this.piles.update();
  }

  /** Hypothetical stations: draggable, numbered as the API names them (假设站点1, 2, …). */
  drawAdded(scenario) {
    this.groups.scenario.eachLayer((l) => {
      if (l instanceof L.Marker) this.groups.scenario.removeLayer(l);
    });
    scenario.added.forEach((item, i) => {
      const name = `假设站点${i + 1}`;
      const marker = L.marker(item.latlng, {
        icon: divIcon('sp-icon svc-hypothetical', '假'),
        title: name,
        draggable: true,
        autoPan: true,
        zIndexOffset: 500,
      });
      marker.on('add', () => {
        marker.getElement().dataset.hypothetical = String(i + 1);
      });
      marker.on('dragend', () => this.actions.moveAdded(item, marker.getLatLng()));
      marker.bindTooltip(el('span', null, name), { direction: 'top' });
      marker.bindPopup(() => {
        const card = infoCard({
          kind: '假设站点（不保存）',
          title: name,
          rows: [['位置', `${item.latlng.lat.toFixed(5)}, ${item.latlng.lng.toFixed(5)}`]],
        });
        card.append(el('p', 'popup-hint', '拖动图标可移动'));
        const drop = actionButton('删除此假设站点', () => {
          this.map.closePopup();
          this.actions.dropAdded(item);
        });
        return withActions(card, [drop]);
      });
      this.groups.scenario.addLayer(marker);
    });
  }

  /** Suggested sites, numbered 1..k in the order the greedy search picked them. */
  drawSuggestions(sites, buildings) {
    this.groups.suggestions.clearLayers();
    this.suggested = [];
    sites.forEach((site, i) => {
      const [lon, lat] = site.geometry.coordinates;
      const marker = L.marker([lat, lon], {
        icon: divIcon('svc-suggest-icon', String(i + 1), 30),
        title: `建议站点 ${i + 1}`,
        zIndexOffset: 400,
      });
      marker.on('add', () => {
        marker.getElement().dataset.suggestion = String(i + 1);
      });
      marker.bindPopup(() => {
        const card = infoCard({
          kind: '建议新站点',
          title: `第 ${i + 1} 处：${siteName(site, buildings)}`,
          rows: [
            ['新增覆盖', `${num(site.residents_gained)} 人`],
            ['累计覆盖率', pct(site.share_residents_after)],
          ],
        });
        const adopt = actionButton('加入假设，看服务圈', () => {
          this.map.closePopup();
          this.actions.adopt(site);
        });
        return withActions(card, [adopt]);
      });
      this.groups.suggestions.addLayer(marker);
      this.suggested.push(marker);
    });
  }

  /** Bring suggested site `i` into view and open its popup. */
  focusSuggestion(i) {
    const marker = this.suggested && this.suggested[i];
    if (!marker) return;
    if (!this.map.hasLayer(this.groups.suggestions)) this.map.addLayer(this.groups.suggestions);
    this.map.setView(marker.getLatLng(), Math.max(this.map.getZoom(), 16));
    marker.openPopup();
  }
}

/** A suggested site's name: its building's name and kind, or the street crossing. */
export function siteName(site, buildings) {
  if (site.building_id === null) return '路网节点（路口）';
  const b = buildings.get(site.building_id);
  if (!b) return `建筑（编号 ${site.building_id}）`;
  const kind = b.kind_label || '建筑';
  return b.name ? `${b.name}（${kind}）` : `${kind}（编号 ${site.building_id}）`;
}
