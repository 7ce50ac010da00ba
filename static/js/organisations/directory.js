// Teams (with captain, members and the cells they serve), zones (片区) and units based in the
// area (驻区单位) on the organisation page. Phone numbers appear only when the API gives them.
import { el, wideRow } from '../common/dom.js';
import { UNIT_KIND_LABELS, phoneLink } from './dom.js';


function person(p) {
  const li = el('li', p.is_captain ? 'captain' : null);
  li.append(p.is_captain ? `队长 ${p.name}` : p.name);
  if (p.is_party_member) li.append(' ', el('span', 'tag plain', '党员'));
  const phone = phoneLink(p.phone);
  if (phone) li.append(phone);
  return li;
}

/** Cells a team serves: the coverage report's cells whose current teams name it. */
function servedCells(team, cells) {
  return cells.filter(
    (c) =>
      c.teams.includes(team.name) &&
      (team.community_id === null || c.community_id === team.community_id),
  );
}

export function renderTeams(container, teams, cells, communityNames) {
  container.replaceChildren();
  if (!teams.length) {
    container.append(el('p', 'hint', '您的范围内暂无服务队'));
    return;
  }
  const byCommunity = new Map();
  for (const team of teams) {
    const key = team.community_id ?? 0;
    if (!byCommunity.has(key)) byCommunity.set(key, []);
    byCommunity.get(key).push(team);
  }
  for (const [key, list] of byCommunity) {
    const name = key ? communityNames.get(key) || `社区 ${key}` : '街道';
    container.append(el('h3', 'team-community', name));
    const ul = el('ul', 'team-list');
    for (const team of list) {
      const li = el('li');
      li.dataset.teamId = String(team.id);
      const title = el('h4', null, team.name);
      title.append(' ', el('span', 'tag plain', team.kind_label));
      li.append(title);
      const served = servedCells(team, cells);
      li.append(
        el(
          'p',
          'node-meta',
          served.length
            ? `服务网格 ${served.length} 个：${served.map((c) => c.name).join('、')}`
            : '尚未分配到网格',
        ),
      );
      const people = el('ul', 'team-people');
      for (const p of team.members) people.append(person(p));
      li.append(people);
      ul.append(li);
    }
    container.append(ul);
  }
}

export function renderZones(list, zones, units, communityNames) {
  list.replaceChildren();
  if (!zones.length) {
    list.append(el('li', 'hint', '暂无片区'));
    return;
  }
  for (const zone of zones) {
    const li = el('li');
    li.append(el('h4', null, zone.name));
    if (zone.committee) li.append(el('p', 'node-meta', `联合党建组织：${zone.committee}`));
    const communities = zone.communities.map((id) => communityNames.get(id) || `社区 ${id}`);
    const parts = [];
    if (communities.length) parts.push(`社区：${communities.join('、')}`);
    parts.push(`网格 ${zone.cells.length} 个`, `楼宇 ${zone.buildings.length} 栋`);
    const members = units.filter((u) => u.properties.zone_id === zone.id);
    parts.push(`驻区单位 ${members.length} 个`);
    li.append(el('p', 'node-meta', parts.join(' · ')));
    list.append(li);
  }
}

export function renderUnits(table, units, zones) {
  const zoneNames = new Map(zones.map((z) => [z.id, z.name]));
  const body = table.tBodies[0];
  body.replaceChildren();
  if (!units.length) {
    body.append(wideRow('hint', '暂无驻区单位', 5));
    return;
  }
  for (const feature of units) {
    const p = feature.properties;
    const tr = el('tr');
    tr.append(
      el('td', null, p.name),
      el('td', null, UNIT_KIND_LABELS[p.kind] || p.kind),
      el('td', null, p.party_org || '—'),
      el('td', null, (p.resources || []).join('、') || '—'),
      el('td', null, p.zone_id ? zoneNames.get(p.zone_id) || '' : '—'),
    );
    body.append(tr);
  }
}
