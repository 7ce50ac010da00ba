// The summary figures (share of residents and households covered, homes outside every
// circle) and the what-if result: before → after, and the cells whose coverage changed.
import { button, el, wideRow } from '../common/dom.js';
import { arrow, num, pct, signed } from './format.js';

function setFigure(node, value, sub, trend) {
  node.querySelector('.fig-value').textContent = value;
  node.querySelector('.fig-sub').textContent = sub;
  node.classList.toggle('better', trend > 0);
  node.classList.toggle('worse', trend < 0);
}

/** Fill the figures from a summary; with `after` (a what-if), show before → after. */
export function renderFigures(section, before, after = null) {
  const now = after || before;
  const trend = (key, sign = 1) => (after ? sign * Math.sign(after[key] - before[key]) : 0);
  setFigure(
    section.querySelector('.fig-residents'),
    arrow(pct(before.share_residents), pct(now.share_residents)),
    `${num(now.residents_covered)} / ${num(now.residents)} 人在圈内`,
    trend('residents_covered'),
  );
  setFigure(
    section.querySelector('.fig-households'),
    arrow(pct(before.share_households), pct(now.share_households)),
    `${num(now.households_covered)} / ${num(now.households)} 户`,
    trend('households_covered'),
  );
  setFigure(
    section.querySelector('.fig-buildings'),
    `${arrow(num(before.buildings_uncovered), num(now.buildings_uncovered))} 栋`,
    `共 ${num(now.buildings)} 栋有住户的楼`,
    trend('buildings_uncovered', -1),
  );
  section.dataset.shareResidents = String(now.share_residents);
  section.dataset.shareHouseholds = String(now.share_households);
  section.dataset.buildingsUncovered = String(now.buildings_uncovered);
  if (after) section.dataset.shareResidentsBefore = String(before.share_residents);
  else delete section.dataset.shareResidentsBefore;
  section.classList.toggle('scenario', Boolean(after));
}

/** The what-if answer in the panel; `focus(cellId)` shows a cell on the map. */
export function renderWhatIf(box, result, focus) {
  const panel = box.querySelector('.whatif-result');
  panel.hidden = !result;
  if (!result) return;
  const { before, after } = result;
  const gained = after.residents_covered - before.residents_covered;
  box.querySelector('.whatif-change').textContent =
    `居民覆盖率 ${pct(before.share_residents)} → ${pct(after.share_residents)}` +
    `（${signed(gained)} 人），未覆盖住宅楼 ${num(before.buildings_uncovered)} → ` +
    `${num(after.buildings_uncovered)} 栋`;
  const body = panel.querySelector('tbody');
  body.replaceChildren();
  const rows = [...result.cells].sort(
    (a, b) =>
      b.share_residents - b.share_residents_before - (a.share_residents - a.share_residents_before),
  );
  for (const c of rows) {
    const tr = el('tr');
    tr.dataset.cellId = String(c.cell_id);
    tr.classList.toggle('worse', c.share_residents < c.share_residents_before);
    const name = el('td');
    name.append(button(c.name, 'link', () => focus(c.cell_id)));
    const change = `${pct(c.share_residents_before)} → ${pct(c.share_residents)}`;
    tr.append(name, el('td', 'num', change));
    body.append(tr);
  }
  if (!rows.length) body.append(wideRow('empty', '没有网格的覆盖率发生变化', 2));
}
