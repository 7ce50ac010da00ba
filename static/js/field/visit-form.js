// The visit form (走访, templates/field/_visit_dialog.html): opened by a 走访 button with its
// household or member, method already 入户走访, note and photo optional — so a visit takes
// two taps (走访, 保存). The position is asked for when the form opens and sent when it has
// come by the time of 保存 (waiting at most 1.5 s more); it never holds the save up.
// Saving goes through the outbox (outbox.js).
import { accuracyText, startLocating } from './geo.js';
import { reportOutcome } from './shell.js';

const POSITION_WAIT_MS = 1500;

/** A chosen photo's name on its label, so the user sees it was taken. */
export function watchPhoto(form) {
  const input = form.querySelector('input[type=file]');
  const label = form.querySelector('.photo-label');
  const initial = label.textContent;
  input.addEventListener('change', () => {
    label.textContent = input.files.length ? `已选照片：${input.files[0].name}` : initial;
  });
  return () => {
    label.textContent = initial;
  };
}

export function showError(form, message) {
  const node = form.querySelector('.form-error');
  node.textContent = message || '';
  node.hidden = !message;
}

export class VisitForm {
  constructor(dialog, ctx) {
    this.dialog = dialog;
    this.ctx = ctx;
    this.form = dialog.querySelector('form');
    this.geoStatus = this.form.querySelector('.geo-status');
    this.saveButton = this.form.querySelector('button.save');
    this.resetPhoto = watchPhoto(this.form);
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    this.form.querySelector('button.cancel').addEventListener('click', () => dialog.close());
  }

  /** `target`: {kind: 'household' | 'member', id, name, address}. */
  open(target) {
    this.target = target;
    this.form.reset();
    this.resetPhoto();
    showError(this.form, '');
    this.saveButton.disabled = false;
    this.dialog.querySelector('.dialog-target').textContent = [target.name, target.address]
      .filter(Boolean)
      .join(' · ');
    this.dialog.dataset.target = target.kind;
    this.dialog.dataset.targetId = String(target.id);
    this.geoStatus.textContent = '正在获取位置（不影响保存）…';
    const geo = startLocating();
    this.geo = geo;
    geo.asked.then((position) => {
      if (this.geo !== geo) return;
      this.geoStatus.textContent = position
        ? `已获取位置（${accuracyText(position)}）`
        : `不记录位置：${geo.state.error ? geo.state.error.message : '未获取到位置'}`;
    });
    this.dialog.showModal();
  }

  async save() {
    const { target, form } = this;
    this.saveButton.disabled = true;
    try {
      const position = await this.geo.result(POSITION_WAIT_MS);
      const note = form.elements.note.value.trim();
      const fields = {
        [target.kind === 'member' ? 'member_id' : 'household_id']: target.id,
        method: form.elements.method.value || 'home',
        note,
        visited_at: new Date().toISOString(),
      };
      if (position) {
        fields.lat = position.lat.toFixed(6);
        fields.lon = position.lon.toFixed(6);
        fields.accuracy_m = Math.round(position.accuracy);
      }
      const photo = form.elements.photo.files[0] || null;
      const outcome = await this.ctx.outbox.submit({
        kind: 'visit',
        label: `走访 ${target.name}`,
        url: this.ctx.urls.record_visit,
        fields,
        photo,
      });
      if (outcome.status === 'refused') {
        showError(form, outcome.message);
        return;
      }
      this.dialog.close();
      reportOutcome(this.ctx, outcome, `已保存：走访 ${target.name}`);
    } finally {
      this.saveButton.disabled = false;
    }
  }
}
