// The event report (事件上报, templates/field/_event_dialog.html): a category, a description,
// the point and an optional photo. The point is the phone's position when it lies in the
// cell; otherwise (or to correct it) a tap on the small map inside the cell. Saving goes
// through the outbox (outbox.js).
import { accuracyText, startLocating } from './geo.js';
import { contains, fitBox, boxOf, quietBase, smallMap } from './maps.js';
import { reportOutcome } from './shell.js';
import { showError, watchPhoto } from './visit-form.js';

const L = window.L;

export class EventForm {
  /** `cell`: {id, name, geometry}; `base`: the GeoJSON of the cell map (drawBase). */
  constructor(dialog, ctx, cell, base) {
    this.dialog = dialog;
    this.ctx = ctx;
    this.cell = cell;
    this.base = base;
    this.form = dialog.querySelector('form');
    this.status = this.form.querySelector('.geo-status');
    this.saveButton = this.form.querySelector('button.save');
    this.resetPhoto = watchPhoto(this.form);
    this.map = null;
    this.marker = null;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
    this.form.querySelector('button.cancel').addEventListener('click', () => dialog.close());
  }

  open() {
    this.form.reset();
    this.resetPhoto();
    showError(this.form, '');
    this.point = null;
    this.dialog.querySelector('.dialog-target').textContent = this.cell.name;
    this.dialog.showModal();
    this.showMap();
    this.setStatus('正在获取您的位置…');
    const geo = startLocating({ timeout: 8000, maximumAge: 30000 });
    this.geo = geo;
    geo.asked.then((position) => {
      if (this.geo !== geo || this.point) return; // a tap came first
      if (!position) {
        this.setStatus(`${geo.state.error.message}。请在地图上点选事件位置`);
      } else if (contains(this.cell.geometry, position.lon, position.lat)) {
        this.setPoint(position.lat, position.lon, `已使用您的位置（${accuracyText(position)}），可点地图修改`);
      } else {
        this.setStatus('您不在本网格内，请在地图上点选事件位置');
      }
    });
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  showMap() {
    if (!this.map) {
      this.map = smallMap(this.form.querySelector('.event-point-map'));
      quietBase(this.map, this.base);
      L.geoJSON(this.cell.geometry, {
        pane: 'gridCells',
        interactive: false,
        style: () => ({ className: 'grid-cell', weight: 2, fillOpacity: 0.08 }),
      }).addTo(this.map);
      this.map.on('click', (e) => {
        if (!contains(this.cell.geometry, e.latlng.lng, e.latlng.lat)) {
          this.setStatus('请点选本网格内的位置');
          return;
        }
        this.setPoint(e.latlng.lat, e.latlng.lng, '已选定事件位置');
      });
    }
    this.map.invalidateSize();
    fitBox(this.map, boxOf([this.cell.geometry]), 8);
    if (this.marker) {
      this.marker.remove();
      this.marker = null;
    }
  }

  setPoint(lat, lon, text) {
    this.point = { lat, lon };
    if (this.marker) this.marker.setLatLng([lat, lon]);
    else {
      this.marker = L.circleMarker([lat, lon], {
        radius: 9,
        className: 'event-point',
        interactive: false,
      }).addTo(this.map);
    }
    this.form.dataset.point = `${lat.toFixed(6)},${lon.toFixed(6)}`;
    this.setStatus(text);
  }

  check() {
    const { form } = this;
    if (!form.elements.category.value) return '请选择事件类别';
    if (!form.elements.description.value.trim()) return '请填写事件描述';
    if (!this.point) return '请在地图上点选事件位置';
    return '';
  }

  async save() {
    const problem = this.check();
    showError(this.form, problem);
    if (problem) return;
    const { form } = this;
    this.saveButton.disabled = true;
    try {
      const category = form.elements.category.value;
      const outcome = await this.ctx.outbox.submit({
        kind: 'event',
        label: `上报事件：${this.ctx.vocab.categories[category]}`,
        url: this.ctx.urls.report_event,
        fields: {
          cell_id: this.cell.id,
          category,
          description: form.elements.description.value.trim(),
          lat: this.point.lat.toFixed(6),
          lon: this.point.lon.toFixed(6),
        },
        photo: form.elements.photo.files[0] || null,
      });
      if (outcome.status === 'refused') {
        showError(form, outcome.message);
        return;
      }
      this.dialog.close();
      reportOutcome(this.ctx, outcome, '事件已上报');
    } finally {
      this.saveButton.disabled = false;
    }
  }
}
