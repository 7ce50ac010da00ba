// 建议新站点: ask POST /api/coverage/suggest for k sites (existing buildings of chosen kinds,
// or street crossings) that reach the most uncovered residents; list them with the
// residents each one adds and the coverage after it; the map shows them numbered.
import { button, el } from '../common/dom.js';
import { num, pct, signed } from './format.js';
import { siteName } from './markers.js';

export class Suggest {
  /** `request(body)` posts to the API; `show(sites)` draws the sites (none: clears);
   * `adopt(site)` adds one as a hypothetical station; `focus(i)` opens site i on the map. */
  constructor(box, { request, params, show, adopt, focus, buildings }) {
    this.box = box;
    this.form = box.querySelector('.suggest-form');
    this.status = box.querySelector('.suggest-status');
    this.list = box.querySelector('.suggest-list');
    this.kinds = box.querySelector('.building-kinds');
    Object.assign(this, { request, params, show, adopt, focus, buildings });
    this.seq = 0;
    this.form.addEventListener('change', () => this.toggleKinds());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.run();
    });
    this.toggleKinds();
  }

  toggleKinds() {
    this.kinds.hidden = this.form.elements.candidates.value !== 'buildings';
  }

  /** Forget the suggestions (the parameters they were made for have changed). */
  clear() {
    this.seq += 1;
    this.list.replaceChildren();
    this.status.textContent = '';
    this.box.dataset.state = 'idle';
    this.box.dataset.siteCount = '0';
    this.show([]);
  }

  async run() {
    const params = this.params();
    if (!params) return;
    const f = this.form.elements;
    const k = Number(f.k.value);
    if (!Number.isInteger(k) || k < 1 || k > 10) {
      this.status.textContent = '站点数应为 1–10';
      return;
    }
    const boxes = this.form.querySelectorAll('input[name="building_kind"]:checked');
    const buildingKinds = [...boxes].map((b) => b.value);
    if (f.candidates.value === 'buildings' && !buildingKinds.length) {
      this.status.textContent = '请至少选择一种建筑类型';
      return;
    }
    const body = {
      minutes: params.minutes,
      speed: params.speed,
      kinds: params.kinds,
      k,
      candidates: f.candidates.value,
      building_kinds: buildingKinds,
    };
    if (params.subdistrict_id) body.subdistrict_id = params.subdistrict_id;
    const seq = ++this.seq;
    this.box.dataset.state = 'running';
    this.status.textContent = '正在计算建议站点…';
    this.status.classList.remove('error');
    try {
      const result = await this.request(body);
      if (seq !== this.seq) return;
      this.render(result);
      this.box.dataset.state = 'done';
    } catch (err) {
      if (seq !== this.seq) return;
      this.box.dataset.state = 'error';
      this.status.textContent = `建议失败：${err.message}`;
      this.status.classList.add('error');
    }
  }

  render(result) {
    const { before, sites } = result;
    this.box.dataset.siteCount = String(sites.length);
    this.list.replaceChildren();
    if (!sites.length) {
      this.status.textContent = '所有居民都已在服务圈内，无需新站点。';
      this.show([]);
      return;
    }
    const last = sites[sites.length - 1];
    this.status.textContent =
      `现状 ${pct(before.share_residents)}；按顺序新建 ${sites.length} 处后 ` +
      `${pct(last.share_residents_after)}` +
      `（${signed(last.residents_covered_after - before.residents_covered)} 人），` +
      `候选位置 ${num(result.candidates)} 个。`;
    sites.forEach((site, i) => {
      const li = el('li');
      li.dataset.residentsGained = String(site.residents_gained);
      const name = button(siteName(site, this.buildings), 'link', () => this.focus(i));
      const adopt = button('加入假设', 'adopt', () => this.adopt(site));
      li.append(
        name,
        el(
          'span',
          'gain',
          `新增覆盖 ${num(site.residents_gained)} 人，覆盖率升至 ${pct(site.share_residents_after)}`,
        ),
        adopt,
      );
      this.list.append(li);
    });
    this.show(sites);
  }
}
