// The partition proposal page: draft cells of whole blocks for a community (no writes),
// show them with households per cell and the balance/compactness figures, then accept the
// draft (one validated save on the server) or discard it.
// Marks the map container for tests: data-state = "draft" | "accepted" | "discarded" | "error".
import { getJSON, postJSON } from '../common/api.js';
import { el, withId } from '../common/dom.js';
import { ensurePane } from '../common/map-frame.js';
import { fitTo, formatNumber, pageMap, setStatus, showCells, showCommunities } from '../common/page-map.js';

const L = window.L;
const STAT_ROWS = [
  ['cells', '网格数', 0],
  ['households_min', '最少户数', 0],
  ['households_median', '户数中位数', 0],
  ['households_max', '最多户数', 0],
  ['outside_range', '超出范围的网格', 0],
  ['mean_polsby_popper', '平均紧凑度', 3],
  ['min_polsby_popper', '最低紧凑度', 3],
];

function main() {
  const page = pageMap();
  const { shell, map, groups, urls } = page;
  const panel = document.querySelector('.quality-panel');
  const form = document.getElementById('proposal-form');
  const select = document.getElementById('proposal-community');
  const status = panel.querySelector('.proposal-status');
  const result = panel.querySelector('.proposal-result');
  const acceptButton = panel.querySelector('.accept');
  const discardButton = panel.querySelector('.discard');
  const pane = ensurePane(map, 'qualityProposal', 440);
  let communities = { type: 'FeatureCollection', features: [] };
  let draft = null; // { communityId, min, max, body }

  const communityId = () => Number(select.value);

  async function showCurrent(fit) {
    const id = communityId();
    const mine = communities.features.filter((f) => f.properties.id === id);
    showCommunities(groups, { type: 'FeatureCollection', features: mine });
    showCells(groups.cells, await getJSON(urls.cells, { community_id: id }));
    if (fit) fitTo(map, groups.communities);
  }

  function clearDraft() {
    draft = null;
    groups.proposal.clearLayers();
    result.hidden = true;
    acceptButton.disabled = true;
  }

  function showDraft(body) {
    groups.proposal.clearLayers();
    const rows = [];
    const shapes = [];
    const selectCell = (i) => {
      rows.forEach((r, j) => r.classList.toggle('selected', i === j));
      shapes.forEach((s, j) => {
        const path = s.getElement && s.getElement();
        if (path) path.classList.toggle('selected', i === j);
      });
    };
    const layer = L.geoJSON(body.cells, {
      pane,
      style: (f) => ({
        className: `proposal-cell${f.properties.in_range ? '' : ' out-of-range'}`,
        weight: 3,
      }),
      onEachFeature: (f, shape) => {
        const p = f.properties;
        shape.bindTooltip(el('span', null, `${p.index}：${p.households} 户`), {
          permanent: true,
          direction: 'center',
          className: 'proposal-label',
        });
        shape.on('click', () => selectCell(p.index - 1));
        shapes.push(shape);
      },
    });
    groups.proposal.addLayer(layer);

    const stats = body.stats;
    const statBody = result.querySelector('.stats-table tbody');
    statBody.replaceChildren();
    for (const [key, label, digits] of STAT_ROWS) {
      const tr = el('tr');
      tr.append(
        el('th', null, label),
        el('td', 'num', formatNumber(stats[key], digits)),
        el('td', 'num', formatNumber(stats.current[key], digits)),
      );
      statBody.append(tr);
    }
    result.querySelector('.proposal-codes').textContent =
      `目标 ${stats.min_households}–${stats.max_households} 户/格；` +
      `保留 ${stats.kept_codes} 个现有编码，新建 ${stats.new_cells} 个网格，撤销 ${stats.deleted_cells} 个网格` +
      (stats.oversized_blocks ? `；${stats.oversized_blocks} 个街坊本身超过上限，无法再分` : '');
    const cellBody = result.querySelector('.proposal-cells tbody');
    cellBody.replaceChildren();
    for (const f of body.cells.features) {
      const p = f.properties;
      const tr = el('tr', p.in_range ? '' : 'out-of-range');
      tr.append(
        el('td', null, p.index),
        el('td', null, p.matched_cell_code || '（新建）'),
        el('td', 'num hh', formatNumber(p.households)),
        el('td', 'num', p.blocks),
        el('td', 'num', formatNumber(p.polsby_popper, 2)),
      );
      tr.addEventListener('click', () => {
        selectCell(p.index - 1);
        map.fitBounds(shapes[p.index - 1].getBounds(), { padding: [40, 40], maxZoom: 18 });
      });
      cellBody.append(tr);
      rows.push(tr);
    }
    result.hidden = false;
    acceptButton.disabled = false;
    fitTo(map, layer);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearDraft();
    const data = new FormData(form);
    const min = Number(data.get('min_households'));
    const max = Number(data.get('max_households'));
    const url = new URL(window.location.href);
    url.searchParams.set('community', String(communityId()));
    window.history.replaceState(null, '', url);
    setStatus(status, '正在生成方案…');
    try {
      await showCurrent(false);
      const body = await postJSON(withId(urls.draft, communityId()), {
        min_households: min,
        max_households: max,
      });
      draft = { communityId: communityId(), min, max, body };
      showDraft(body);
      const s = body.stats;
      setStatus(
        status,
        `草案（未保存）：${s.cells} 个网格，户数 ${s.households_min}–${s.households_max}，` +
          `${s.outside_range} 个超出范围`,
        s.outside_range ? 'bad' : 'ok',
      );
      shell.dataset.state = 'draft';
    } catch (err) {
      shell.dataset.state = 'error';
      setStatus(status, `生成失败：${err.message}`, 'error');
    }
  });

  acceptButton.addEventListener('click', async () => {
    if (!draft) return;
    const s = draft.body.stats;
    const question =
      `采纳后将作为一次修改保存：${s.cells} 个网格（保留 ${s.kept_codes} 个编码，` +
      `新建 ${s.new_cells} 个，撤销 ${s.deleted_cells} 个）。确定采纳？`;
    if (!window.confirm(question)) return;
    acceptButton.disabled = true;
    setStatus(status, '正在保存…');
    try {
      const saved = await postJSON(withId(urls.accept, draft.communityId), {
        min_households: draft.min,
        max_households: draft.max,
        versions: draft.body.versions,
        fingerprint: draft.body.fingerprint,
      });
      clearDraft();
      await showCurrent(false);
      setStatus(status, `已采纳方案（修改记录 ${saved.change_id}）：${saved.impact.summary}`, 'ok');
      shell.dataset.state = 'accepted';
    } catch (err) {
      // a conflict means the draft is out of date: it must be generated again
      acceptButton.disabled = err.status === 409;
      setStatus(status, `未能采纳：${err.message}`, 'error');
      if (err.body && err.body.geometry) {
        groups.proposal.addLayer(
          L.geoJSON(err.body.geometry, { pane, style: () => ({ className: 'problem problem-overlap' }) }),
        );
      }
      shell.dataset.state = 'error';
    }
  });

  discardButton.addEventListener('click', () => {
    clearDraft();
    setStatus(status, '已放弃方案，未保存任何修改');
    shell.dataset.state = 'discarded';
  });

  select.addEventListener('change', () => {
    clearDraft();
    setStatus(status, '');
    showCurrent(true).catch((err) => setStatus(status, `加载失败：${err.message}`, 'error'));
  });

  getJSON(urls.communities)
    .then((fc) => {
      communities = fc;
      return select.value ? showCurrent(true) : null;
    })
    .catch((err) => setStatus(status, `加载失败：${err.message}`, 'error'));
}

main();
