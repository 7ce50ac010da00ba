// A what-if scenario: hypothetical stations added, existing ones moved or removed. Nothing
// is saved; the scenario becomes the body of POST /api/coverage/what-if. Every change
// returns an `undo` function, used when the server refuses the change.

export class Scenario {
  constructor() {
    this.added = []; // {latlng}
    this.moved = new Map(); // station id -> L.LatLng
    this.removed = new Set(); // station ids
  }

  isEmpty() {
    return !this.added.length && !this.moved.size && !this.removed.size;
  }

  /** Station ids whose present circles no longer apply (moved or removed). */
  changedIds() {
    return new Set([...this.moved.keys(), ...this.removed]);
  }

  body(params) {
    const lonlat = (ll) => ({ lon: ll.lng, lat: ll.lat });
    const body = {
      minutes: params.minutes,
      speed: params.speed,
      kinds: params.kinds,
      add: this.added.map((a) => lonlat(a.latlng)),
      move: [...this.moved].map(([id, ll]) => ({ id, ...lonlat(ll) })),
      remove: [...this.removed],
    };
    if (params.subdistrict_id) body.subdistrict_id = params.subdistrict_id;
    return body;
  }

  add(latlng) {
    const item = { latlng };
    this.added.push(item);
    return () => this.added.splice(this.added.indexOf(item), 1);
  }

  moveAdded(item, latlng) {
    const was = item.latlng;
    item.latlng = latlng;
    return () => {
      item.latlng = was;
    };
  }

  dropAdded(item) {
    const at = this.added.indexOf(item);
    this.added.splice(at, 1);
    return () => this.added.splice(at, 0, item);
  }

  move(id, latlng) {
    const was = this.moved.get(id);
    this.moved.set(id, latlng);
    return () => (was ? this.moved.set(id, was) : this.moved.delete(id));
  }

  unmove(id) {
    const was = this.moved.get(id);
    this.moved.delete(id);
    return () => this.moved.set(id, was);
  }

  remove(id) {
    this.removed.add(id);
    return () => this.removed.delete(id);
  }

  restore(id) {
    this.removed.delete(id);
    return () => this.removed.add(id);
  }

  clear() {
    this.added = [];
    this.moved.clear();
    this.removed.clear();
  }

  /** Forget moves and removals of stations that no longer count (other kinds chosen). */
  keepOnly(ids) {
    for (const id of [...this.moved.keys()]) if (!ids.has(id)) this.moved.delete(id);
    for (const id of [...this.removed]) if (!ids.has(id)) this.removed.delete(id);
  }

  describe() {
    const parts = [];
    if (this.added.length) parts.push(`新增 ${this.added.length} 处`);
    if (this.moved.size) parts.push(`搬迁 ${this.moved.size} 处`);
    if (this.removed.size) parts.push(`撤除 ${this.removed.size} 处`);
    return parts.length ? `当前假设：${parts.join('，')}` : '';
  }
}
