// The data page: export a layer as a file; import a layer (cells, communities, buildings,
// service points) from a file (upload → progress → preview on the map with every problem
// highlighted → commit → progress → done). Every layer's preview has the same keys.
// Marks the map container for tests: data-state = idle | reading | ready | committing |
// committed | failed, data-problem-count (feature problems + blocking partition problems).
import { getJSON, postForm, postJSON } from '../common/api.js';
import { el, withId } from '../common/dom.js';
import { ensurePane } from '../common/map-frame.js';
import { token } from '../common/map-layers.js';
import { fitTo, pageMap, setStatus, showCommunities } from '../common/page-map.js';

const L = window.L;
const POLL_MS = 700;
const SEVERITY_LABELS = { error: '须改正', reason: '需填理由', warning: '提示' };

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Features of a preview: polygons are styled paths, points small circles with the same class.
function featureLayer(data, pane, className, tooltip) {
  return L.geoJSON(data, {
    pane,
    style: (f) => ({ className: className(f), weight: 2 }),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { pane, radius: 7, className: className(f) }),
    onEachFeature: (f, layer) => layer.bindTooltip(el('span', null, tooltip(f)), { sticky: true }),
  });
}

function labelOf(props) {
  if (props.label) return props.label;
  return props.code ? `${props.name}（${props.code}）` : props.name;
}

function exportForm() {
  const form = document.getElementById('export-form');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const url = new URL(
      form.dataset.template.replace('{layer}', encodeURIComponent(data.get('layer'))),
      window.location.href,
    );
    for (const key of ['format', 'datum', 'community_id']) {
      if (data.get(key)) url.searchParams.set(key, data.get(key));
    }
    window.location.href = url.toString();
  });
}

class ImportPage {
  constructor(page) {
    this.page = page;
    this.panel = document.querySelector('.import-section');
    this.status = this.panel.querySelector('.import-status');
    this.progress = this.panel.querySelector('.import-progress');
    this.preview = this.panel.querySelector('.import-preview');
    this.commitButton = document.getElementById('import-commit');
    this.discardButton = document.getElementById('import-discard');
    this.reason = document.getElementById('import-reason');
    this.job = null;
    this.rows = [];
    this.shapes = [];
  }

  setState(state) {
    this.page.shell.dataset.state = state;
  }

  showProgress(job) {
    this.progress.hidden = false;
    this.progress.querySelector('progress').value = job.progress;
    this.progress.querySelector('.import-stage').textContent = `${job.stage}（${job.progress}%）`;
  }

  async follow(job) {
    let current = job;
    while (current.status === 'reading' || current.status === 'committing') {
      this.setState(current.status);
      this.showProgress(current);
      await sleep(POLL_MS);
      current = await getJSON(withId(this.page.urls.import, current.id));
    }
    this.progress.hidden = true;
    this.job = current;
    this.setState(current.status);
    if (current.status === 'ready') this.showPreview(current);
    else if (current.status === 'committed') this.showCommitted(current);
    else if (current.status === 'failed') this.showFailure(current.error);
    this.loadHistory();
    return current;
  }

  async start(form) {
    this.clear();
    this.setState('reading');
    setStatus(this.status, '正在上传…');
    try {
      const job = await postForm(form.dataset.url, form);
      await this.follow(job);
    } catch (err) {
      this.setState('failed');
      this.showFailure(err.body || { message: err.message });
      this.loadHistory();
    }
  }

  clear() {
    this.preview.hidden = true;
    this.progress.hidden = true;
    const { groups } = this.page;
    groups.cells.clearLayers();
    groups.incoming.clearLayers();
    groups.problems.clearLayers();
    this.rows = [];
    this.shapes = [];
    this.page.shell.dataset.problemCount = '0';
  }

  showFailure(error) {
    const message = (error && error.message) || '导入失败';
    setStatus(this.status, `未导入：${message}`, 'error');
  }

  select(i) {
    this.rows.forEach((r, j) => r.classList.toggle('selected', i === j));
    this.shapes.forEach((shape, j) => {
      if (!shape) return;
      shape.eachLayer((layer) => {
        const path = layer.getElement && layer.getElement();
        if (path) path.classList.toggle('selected', i === j);
      });
    });
    if (this.shapes[i]) fitTo(this.page.map, this.shapes[i]);
    if (this.rows[i]) this.rows[i].scrollIntoView({ block: 'nearest' });
  }

  problemShape(geometry, kind, message, index) {
    if (!geometry) return null;
    const map = this.page.map;
    const shape =
      geometry.type === 'Point'
        ? L.geoJSON(geometry, {
            pointToLayer: (_f, latlng) =>
              L.circleMarker(latlng, {
                pane: ensurePane(map, 'importProblems', 445),
                radius: 9,
                className: `problem problem-${token(kind)}`,
              }),
          })
        : L.geoJSON(geometry, {
            pane: ensurePane(map, 'importProblems', 445),
            style: () => ({ className: `problem problem-${token(kind)}`, weight: 3 }),
          });
    shape.bindTooltip(el('span', null, message), { sticky: true });
    shape.on('click', () => this.select(index));
    this.page.groups.problems.addLayer(shape);
    return shape;
  }

  addRow(feature, label, severity, message, geometry, kind) {
    const tbody = this.panel.querySelector('.import-problems tbody');
    const index = this.rows.length;
    const tr = el('tr', `problem-row severity-${token(severity)}`);
    tr.dataset.severity = severity;
    const tag = el('td');
    tag.append(el('span', `kind-tag problem-${token(kind)}`, label));
    tr.append(el('td', null, feature), tag, el('td', null, message));
    tr.addEventListener('click', () => this.select(index));
    tbody.append(tr);
    this.rows.push(tr);
    this.shapes.push(this.problemShape(geometry, kind, message, index));
  }

  showPreview(job) {
    const p = job.preview;
    const { groups, map } = this.page;
    // the places the features must lie in: communities (cells), subdistricts (communities)
    const outlines = [...(p.communities || []), ...(p.subdistricts || [])];
    showCommunities(groups, {
      type: 'FeatureCollection',
      features: outlines.map((c) => ({
        type: 'Feature',
        geometry: c.geometry,
        properties: { id: c.id, name: c.name, code: c.code },
      })),
    });
    const gone = new Set((p.deleted || []).map((d) => d.id));
    groups.cells.addLayer(
      featureLayer(
        p.current,
        'gridCells',
        (f) => (gone.has(f.properties.id) ? 'import-current gone' : 'import-current'),
        (f) => `${gone.has(f.properties.id) ? '将撤销' : '现有'}：${labelOf(f.properties)}`,
      ),
    );
    const bad = new Set(p.problems.map((q) => q.feature));
    groups.incoming.addLayer(
      featureLayer(
        p.features,
        ensurePane(map, 'importIncoming', 435),
        (f) => (bad.has(f.properties.number) ? 'import-incoming bad' : 'import-incoming'),
        (f) => `${labelOf(f.properties)} · ${f.properties.action === 'update' ? '更新' : '新建'}`,
      ),
    );

    const s = p.summary;
    const noun = job.layer_label;
    const summary = this.panel.querySelector('.import-summary');
    summary.replaceChildren(
      el('li', null, `文件：${job.filename}（${p.source_crs}）`),
      el('li', null, `${noun} ${s.features} 个：更新 ${s.updates}，新建 ${s.inserts}，撤销 ${s.deletes}`),
      el('li', null, `问题 ${s.problems + s.partition_errors} 个须改正；空隙 ${s.gaps} 处；穿过建筑 ${s.cut_buildings} 栋`),
    );
    this.showDeleted(p, noun);
    const warnings = this.panel.querySelector('.import-warnings');
    warnings.replaceChildren(...p.warnings.map((w) => el('li', 'warning', w)));

    this.panel.querySelector('.import-problems tbody').replaceChildren();
    for (const q of p.problems) {
      const point = q.where ? { type: 'Point', coordinates: q.where } : null;
      const feature = p.features.features.find((f) => f.properties.number === q.feature);
      const where = point || (feature && feature.geometry);
      this.addRow(`第 ${q.feature} 个${q.code ? `（${q.code}）` : ''}`, q.category, 'error', q.message, where, 'invalid');
    }
    for (const q of p.partition) {
      const label = `${q.kind_label}·${SEVERITY_LABELS[q.severity]}`;
      this.addRow(q.cells.join('、'), label, q.severity, q.message, q.geometry, q.kind);
    }
    this.panel.querySelector('.import-problems').hidden = this.rows.length === 0;
    const blocking = p.problems.length + s.partition_errors;
    this.page.shell.dataset.problemCount = String(blocking);

    this.panel.querySelector('.import-reason').hidden = !p.needs_reason;
    this.commitButton.disabled = !p.can_commit;
    this.preview.hidden = false;
    if (p.can_commit) {
      setStatus(this.status, '预览如下，核对无误后点“确认导入”', 'ok');
    } else {
      setStatus(this.status, `有 ${blocking} 个问题须先改正文件，不能导入`, 'bad');
    }
    fitTo(map, groups.incoming.getLayers().length ? groups.incoming : groups.communities);
  }

  /** "replace" mode: what the file's area holds and the file does not, and (buildings)
   * where the household records on it go: the incoming building covering most of it. */
  showDeleted(p, noun) {
    const box = this.panel.querySelector('.import-deleted');
    const deleted = p.deleted || [];
    box.hidden = deleted.length === 0;
    box.querySelector('summary').textContent = `将撤销的${noun}（${deleted.length} 个）`;
    const numbered = new Map(p.features.features.map((f) => [f.properties.number, f.properties]));
    // records with nowhere to go first, then those that follow an heir, then the rest
    const rank = (d) => (d.households ? (d.heir != null ? 1 : 0) : 2);
    const ordered = [...deleted].sort((a, b) => rank(a) - rank(b));
    box.querySelector('tbody').replaceChildren(
      ...ordered.map((d) => {
        const tr = el('tr', 'deleted-row');
        const name = [d.kind_label, d.name, d.code ? `（${d.code}）` : ''].filter(Boolean).join(' ');
        let records = '—';
        if (d.households) {
          const heir = d.heir != null ? numbered.get(d.heir) : null;
          const heirName = heir ? labelOf(heir) : '';
          records = heir
            ? `${d.households} 户住户记录转到第 ${d.heir} 个要素${heirName ? `“${heirName}”` : ''}`
            : `${d.households} 户住户记录无处可去`;
        } else if (d.heir != null) {
          records = `由第 ${d.heir} 个要素接替`;
        }
        tr.append(el('td', null, name || `编号 ${d.id}`), el('td', null, records));
        return tr;
      }),
    );
  }

  showCommitted(job) {
    const r = job.result || {};
    this.preview.hidden = true;
    setStatus(
      this.status,
      `已导入：更新 ${r.updates || 0} 个、新建 ${r.inserts || 0} 个、撤销 ${r.deletes || 0} 个${job.layer_label}`,
      'ok',
    );
    const link = el('a', null, '在地图上查看');
    link.href = this.page.urls.map_page;
    this.status.append(' ', link);
  }

  async commit() {
    if (!this.job) return;
    this.commitButton.disabled = true;
    try {
      const job = await postJSON(withId(this.page.urls.commit, this.job.id), {
        reason: this.reason.value,
      });
      this.preview.hidden = true;
      await this.follow(job);
    } catch (err) {
      this.commitButton.disabled = false;
      setStatus(this.status, err.message, 'error');
    }
  }

  async discard() {
    if (!this.job) return;
    try {
      await postJSON(withId(this.page.urls.discard, this.job.id), {});
    } catch (err) {
      // already gone: clear anyway
    }
    this.clear();
    this.job = null;
    this.setState('idle');
    setStatus(this.status, '已放弃，没有写入任何数据');
    this.loadHistory();
  }

  async loadHistory() {
    const tbody = document.querySelector('.import-history tbody');
    if (!tbody) return;
    try {
      const { items } = await getJSON(this.page.urls.imports);
      tbody.replaceChildren(
        ...items.map((j) => {
          const tr = el('tr');
          const when = j.created_at ? new Date(j.created_at).toLocaleString('zh-CN') : '';
          tr.append(
            el('td', null, when),
            el('td', null, j.layer_label),
            el('td', null, j.filename),
            el('td', null, j.status_label),
          );
          return tr;
        }),
      );
    } catch (err) {
      // the list is a convenience
    }
  }

  bind() {
    const form = document.getElementById('import-form');
    form.dataset.url = this.page.urls.imports;
    const layer = document.getElementById('import-layer');
    const showHint = () => {
      for (const hint of form.querySelectorAll('.layer-hint')) {
        hint.hidden = hint.dataset.layer !== layer.value;
      }
    };
    layer.addEventListener('change', showHint);
    showHint();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.start(form);
    });
    this.commitButton.addEventListener('click', () => this.commit());
    this.discardButton.addEventListener('click', () => this.discard());
    this.loadHistory();
  }
}

async function main() {
  const page = pageMap();
  exportForm();
  if (document.querySelector('.import-section')) new ImportPage(page).bind();
  try {
    const communities = await getJSON(page.urls.communities);
    showCommunities(page.groups, communities);
    fitTo(page.map, page.groups.communities);
  } catch (err) {
    console.error(err);
  }
  page.shell.dataset.loaded = 'true';
}

main();
