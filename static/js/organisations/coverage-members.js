// The people of the cell in the cell panel: the party members living in it, with their
// responsibility areas (党员责任区: drawn on the map; users who may assign draw or clear them
// here), and the in-post members who registered with it (在职党员报到). `panel` is the
// CellPanel (coverage-panel.js) the sections belong to: its cell, status line and reload.
import { button, el } from '../common/dom.js';
import { MEMBER_STATUS_LABELS, dateTime, phoneLink } from './dom.js';

/** A `small-table` with a header row; answers the table and its body. */
function smallTable(headers) {
  const table = el('table', 'small-table');
  const head = el('tr');
  for (const text of headers) head.append(el('th', null, text));
  table.createTHead().append(head);
  return { table, body: table.createTBody() };
}

/** A cell with the phone number as a tel: link (empty without one). */
function phoneCell(phone) {
  const td = el('td');
  const link = phoneLink(phone);
  if (link) td.append(link);
  return td;
}

/** The members of the cell (`result` of GET .../members, or {error}) with their areas. */
export function membersSection(panel, result) {
  const section = el('section', 'cell-members');
  if (result.error) {
    section.append(el('h3', null, '居住在本网格的党员'), el('p', 'hint', result.error.message));
    return section;
  }
  const { members } = result;
  const hubs = members.filter((m) => m.is_hub).length;
  section.append(el('h3', null, `居住在本网格的党员（${members.length} 名，党员中心户 ${hubs} 户）`));
  if (!members.length) {
    section.append(el('p', 'hint', '暂无登记的党员'));
    return section;
  }
  const drawn = members.filter((m) => m.responsibility_area).length;
  const summary = el('p', 'resp-summary');
  summary.append(
    '责任区：',
    el('span', 'resp-drawn', `已划定 ${drawn} 名`),
    ' / ',
    el(
      'span',
      drawn < members.length ? 'resp-missing lacking' : 'resp-missing',
      `未划定 ${members.length - drawn} 名`,
    ),
  );
  section.append(summary);
  const { table, body } = smallTable(['姓名', '状态', '所属党组织', '中心户', '责任区', '电话']);
  const canDraw = panel.canAssign && panel.areas.canDraw;
  for (const m of members) {
    const tr = el('tr', m.is_hub ? 'hub' : null);
    tr.dataset.memberId = String(m.id);
    tr.append(el('td', null, m.name));
    tr.append(el('td', null, MEMBER_STATUS_LABELS[m.status] || m.status));
    tr.append(el('td', null, m.org));
    tr.append(el('td', null, m.is_hub ? `是（${m.hub_households} 户）` : ''));
    const area = el('td', 'resp-cell');
    area.dataset.area = m.responsibility_area ? 'drawn' : 'none';
    area.append(el('span', 'resp-state', m.responsibility_area ? '已划定' : '未划定'));
    if (canDraw) area.append(...areaButtons(panel, m));
    tr.append(area);
    tr.append(phoneCell(m.phone));
    if (m.responsibility_area) {
      tr.addEventListener('mouseenter', () => panel.areas.focus(m.id));
      tr.addEventListener('mouseleave', () => panel.areas.focus(null));
    }
    body.append(tr);
  }
  section.append(table);
  return section;
}

function areaButtons(panel, member) {
  const label = member.responsibility_area ? '重新划定' : '划定责任区';
  const draw = button(label, 'resp-draw', () => drawArea(panel, member));
  draw.setAttribute('aria-label', `${label}：${member.name}`);
  if (!member.responsibility_area) return [draw];
  const clear = button('撤销责任区', 'resp-clear', () => saveArea(panel, member, null));
  clear.setAttribute('aria-label', `撤销责任区：${member.name}`);
  return [draw, clear];
}

/** Draw a member's area on the map, then save it (or show why it was refused). */
function drawArea(panel, member) {
  const cellId = panel.cellId;
  panel.busy(true);
  panel.root.dataset.drawing = String(member.id);
  panel.say(
    `正在为 ${member.name} 划定责任区：在地图上依次点击各个顶点，点击第一个顶点完成；按 Esc 取消`,
  );
  const bar = el('p', 'resp-draw-bar');
  const stop = () => {
    bar.remove();
    delete panel.root.dataset.drawing;
  };
  const cancel = button('取消划定', 'resp-cancel', () => {
    panel.areas.cancel();
    stop();
    panel.busy(false);
    panel.say('已取消划定');
  });
  bar.append(cancel);
  const status = panel.body.querySelector('.panel-status');
  if (status) status.after(bar);
  panel.areas.draw(
    (geometry) => {
      stop();
      if (panel.cellId === cellId) saveArea(panel, member, geometry);
    },
    () => {
      stop();
      panel.busy(false);
      panel.say('已取消划定');
    },
  );
}

/** Save a member's area (`null` clears it); reload the panel, or show the refusal. */
async function saveArea(panel, member, geometry) {
  const cellId = panel.cellId;
  panel.busy(true);
  panel.say('正在保存…');
  try {
    await panel.api.saveArea(member.id, geometry);
  } catch (err) {
    panel.busy(false);
    if (geometry) panel.areas.showRejected(geometry);
    panel.say(`${geometry ? '划定' : '撤销'}失败：${err.message}`, 'error');
    return;
  }
  if (panel.cellId !== cellId) return;
  const done = geometry ? `已划定 ${member.name} 的责任区` : `已撤销 ${member.name} 的责任区`;
  await panel.open(cellId, done, 'ok');
}

/** The in-post members registered with the cell (`result` of GET .../registrations). */
export function registrationsSection(result) {
  const section = el('section', 'cell-registrations');
  section.append(el('h3', null, '在职党员报到'));
  if (result.error) {
    section.append(el('p', 'hint', result.error.message));
    return section;
  }
  const regs = result.registrations;
  if (!regs.length) {
    section.append(el('p', 'hint', '暂无在职党员在本网格报到'));
    return section;
  }
  const { table, body } = smallTable(['姓名', '服务队', '报到时间', '电话']);
  for (const r of regs) {
    const tr = el('tr');
    tr.append(el('td', null, r.name), el('td', null, r.team || '—'));
    tr.append(el('td', null, dateTime(r.registered_at).slice(0, 10)));
    tr.append(phoneCell(r.phone));
    body.append(tr);
  }
  section.append(table);
  return section;
}
