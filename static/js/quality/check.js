// The partition check page: run the check for a community or a whole subdistrict, list the
// problems in a table and outline each on the map (click a row to zoom to it).
// Marks the map container for tests: data-state="done" | "error", data-problem-count.
import { getJSON } from '../common/api.js';
import { el, withId } from '../common/dom.js';
import { ensurePane } from '../common/map-frame.js';
import { token } from '../common/map-layers.js';
import { fitTo, formatNumber, pageMap, setStatus, showCells, showCommunities } from '../common/page-map.js';

const L = window.L;
const KIND_ORDER = ['overlap', 'gap', 'sliver', 'outside', 'building_cut', 'invalid'];
const THRESHOLD_LABELS = {
  inside_m: ['允许超出社区', '米'],
  overlap_m2: ['重叠面积超过', '平方米'],
  gap_m2: ['空隙面积超过', '平方米'],
  building_m2: ['建筑在第二个网格内超过', '平方米'],
  sliver_area_m2: ['碎片：面积小于', '平方米'],
  sliver_width_m: ['碎片：宽度（2×面积/周长）小于', '米'],
};

function parseTarget(value) {
  const [kind, id] = String(value || '').split(':');
  return { kind, id: Number(id) };
}

async function run(page, panel, communitiesAll, target) {
  const { shell, map, groups, urls } = page;
  const status = panel.querySelector('.check-summary');
  const table = panel.querySelector('.problem-table');
  const tbody = table.querySelector('tbody');
  const counts = panel.querySelector('.check-counts');
  shell.dataset.state = 'running';
  setStatus(status, '正在检查…');
  tbody.replaceChildren();
  groups.problems.clearLayers();
  try {
    const checkUrl =
      target.kind === 'subdistrict'
        ? withId(urls.subdistrict_check, target.id)
        : withId(urls.community_check, target.id);
    const params = target.kind === 'community' ? { community_id: target.id } : {};
    const [report, cells] = await Promise.all([getJSON(checkUrl), getJSON(urls.cells, params)]);
    const inScope = communitiesAll.features.filter((f) =>
      target.kind === 'community'
        ? f.properties.id === target.id
        : f.properties.subdistrict_id === target.id,
    );
    const ids = new Set(inScope.map((f) => f.properties.id));
    showCommunities(groups, { type: 'FeatureCollection', features: inScope });
    showCells(groups.cells, {
      type: 'FeatureCollection',
      features: cells.features.filter((f) => ids.has(f.properties.community_id)),
    });

    counts.replaceChildren();
    for (const kind of KIND_ORDER) {
      const n = report.counts[kind];
      const li = el('li');
      li.append(el('span', `kind-tag problem-${token(kind)}`, report.kind_labels[kind]));
      li.append(` ${n}`);
      counts.append(li);
    }
    counts.hidden = false;
    const dl = panel.querySelector('.check-thresholds dl');
    dl.replaceChildren();
    for (const [key, [label, unit]] of Object.entries(THRESHOLD_LABELS)) {
      dl.append(el('dt', null, label), el('dd', null, `${report.thresholds[key]} ${unit}`));
    }

    const rows = [];
    const shapes = [];
    const select = (i) => {
      rows.forEach((r, j) => r.classList.toggle('selected', i === j));
      shapes.forEach((s, j) => {
        s.eachLayer((layer) => {
          const path = layer.getElement && layer.getElement();
          if (path) path.classList.toggle('selected', i === j);
        });
      });
      if (i >= 0) {
        fitTo(map, shapes[i]);
        rows[i].scrollIntoView({ block: 'nearest' });
      }
    };
    report.problems.forEach((p, i) => {
      const kind = token(p.kind);
      const shape = L.geoJSON(p.geometry, {
        pane: ensurePane(map, 'qualityProblems', 440),
        style: () => ({ className: `problem problem-${kind}`, weight: 3 }),
      });
      shape.bindTooltip(el('span', null, p.message), { sticky: true });
      shape.on('click', () => select(i));
      groups.problems.addLayer(shape);
      shapes.push(shape);
      const tr = el('tr', `problem-row problem-${kind}`);
      const tag = el('td');
      tag.append(el('span', `kind-tag problem-${kind}`, p.kind_label));
      tr.append(tag, el('td', null, p.message), el('td', 'num', formatNumber(p.area_m2, 1)));
      tr.dataset.kind = kind;
      tr.addEventListener('click', () => select(i));
      tbody.append(tr);
      rows.push(tr);
    });
    table.hidden = report.problems.length === 0;
    const name = `${report.scope.name}（${report.checked.cells} 个网格，${report.checked.buildings} 栋建筑）`;
    if (report.ok) setStatus(status, `${name}：未发现问题`, 'ok');
    else setStatus(status, `${name}：发现 ${report.problems.length} 个问题`, 'bad');
    fitTo(map, groups.communities);
    shell.dataset.problemCount = String(report.problems.length);
    shell.dataset.state = 'done';
  } catch (err) {
    shell.dataset.state = 'error';
    setStatus(status, `检查失败：${err.message}`, 'error');
    console.error(err);
  }
}

async function main() {
  const page = pageMap();
  const panel = document.querySelector('.quality-panel');
  const form = document.getElementById('check-form');
  const select = document.getElementById('check-target');
  let communities;
  try {
    communities = await getJSON(page.urls.communities);
  } catch (err) {
    setStatus(panel.querySelector('.check-summary'), `加载社区失败：${err.message}`, 'error');
    page.shell.dataset.state = 'error';
    return;
  }
  showCommunities(page.groups, communities);
  fitTo(page.map, page.groups.communities);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const target = parseTarget(select.value);
    const url = new URL(window.location.href);
    url.search = '';
    url.searchParams.set(target.kind, String(target.id));
    window.history.replaceState(null, '', url);
    run(page, panel, communities, target);
  });
  const params = new URLSearchParams(window.location.search);
  if ((params.has('community') || params.has('subdistrict')) && select.value) {
    run(page, panel, communities, parseTarget(select.value));
  }
}

main();
