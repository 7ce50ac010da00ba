// The coverage figures: one card per item (cells with it, of all cells, and the share) plus
// the blind spots, and the per-community table (counts and percentages per item).
import { el } from '../common/dom.js';
import { number, percent } from './dom.js';

/** Fill the cards from the report's `total`; each card is [data-item=<key>]. */
export function renderCards(container, report) {
  const { total, items } = report;
  container.replaceChildren();
  for (const { key, label } of items) {
    const item = total.items[key];
    const card = el('div', 'cov-card');
    card.dataset.item = key;
    card.append(el('h3', null, label));
    const figure = el('p', 'cov-figure');
    figure.append(el('span', 'cov-share', percent(item.share)));
    card.append(figure);
    const count = el('p', 'cov-count');
    count.append(el('span', 'cov-with', number(item.cells)));
    count.append(` / ${number(total.cells)} 个网格`);
    card.append(count);
    const without = total.cells - item.cells;
    card.append(el('p', `cov-without${without ? ' lacking' : ''}`, `缺少 ${number(without)} 个`));
    container.append(card);
  }
  const blind = el('div', `cov-card blind${total.blind_spots ? ' lacking' : ''}`);
  blind.dataset.item = 'blind_spot';
  blind.append(el('h3', null, '盲点网格'));
  const figure = el('p', 'cov-figure');
  figure.append(el('span', 'cov-blind', number(total.blind_spots)));
  blind.append(figure);
  blind.append(el('p', 'cov-count', `共 ${number(total.cells)} 个网格，${number(total.households)} 户`));
  blind.append(el('p', 'cov-note', '缺少党组织、网格员或服务队'));
  container.append(blind);
}

function shareCell(summary, key) {
  const item = summary.items[key];
  const td = el('td', 'num');
  td.dataset.item = key;
  if (item.cells < summary.cells) td.classList.add('lacking');
  td.append(el('span', 'count', `${number(item.cells)}/${number(summary.cells)}`));
  td.append(el('span', 'share', percent(item.share)));
  return td;
}

function summaryRow(summary, items, isTotal) {
  const tr = el('tr', isTotal ? 'total' : null);
  if (summary.community_id) tr.dataset.communityId = String(summary.community_id);
  tr.append(el(isTotal ? 'th' : 'td', null, summary.label));
  tr.append(el('td', 'num', number(summary.cells)));
  tr.append(el('td', 'num', number(summary.households)));
  for (const { key } of items) tr.append(shareCell(summary, key));
  const blindClass = `num${summary.blind_spots ? ' lacking' : ''}`;
  const blind = el('td', blindClass, number(summary.blind_spots));
  blind.dataset.item = 'blind_spot';
  tr.append(blind);
  return tr;
}

/** The per-community table: header, one row per community, the total last. */
export function renderCommunityTable(table, report) {
  const head = el('tr');
  for (const text of ['社区', '网格', '户数']) head.append(el('th', text === '社区' ? null : 'num', text));
  for (const { label } of report.items) head.append(el('th', 'num', label));
  head.append(el('th', 'num', '盲点'));
  table.tHead.replaceChildren(head);
  const body = table.tBodies[0];
  body.replaceChildren(...report.communities.map((c) => summaryRow(c, report.items, false)));
  table.tFoot.replaceChildren(summaryRow(report.total, report.items, true));
}
