// Union of two polygons that touch but do not overlap (a cell and a gap next to it), for
// the editor's "merge the gap into the neighbouring cell" fix. The server validates the
// result like any save, so this only has to be right for edge-sharing polygons:
// snap near-equal vertices, split edges where a vertex of the other polygon lies on them,
// cancel each edge against its reverse (the shared boundary), stitch what remains.
// GeoJSON in, GeoJSON out ([lng, lat]); null when the two do not fit together.

const EPS = 5e-8; // degrees (~5 mm): the same vertex / a vertex on an edge

function polygonsOf(geometry) {
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function signedArea(ring) {
  let sum = 0;
  for (let i = 0; i < ring.length; i += 1) {
    const [x1, y1] = ring[i];
    const [x2, y2] = ring[(i + 1) % ring.length];
    sum += x1 * y2 - x2 * y1;
  }
  return sum / 2;
}

function inside([x, y], ring) {
  let hit = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i, i += 1) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

/** Vertex table: near-equal coordinates share one id. */
class Points {
  constructor() {
    this.xy = [];
  }

  id([x, y]) {
    const near = ([px, py]) => Math.abs(px - x) <= EPS && Math.abs(py - y) <= EPS;
    const found = this.xy.findIndex(near);
    if (found >= 0) return found;
    this.xy.push([x, y]);
    return this.xy.length - 1;
  }
}

/** Rings as arrays of point ids: shells counter-clockwise, holes clockwise. */
function ringIds(points, geometry) {
  const rings = [];
  for (const polygon of polygonsOf(geometry)) {
    polygon.forEach((coords, k) => {
      let ids = coords.map((c) => points.id(c));
      ids = ids.filter((id, i) => id !== ids[(i + 1) % ids.length]);
      if (ids.length < 3) return;
      const area = signedArea(ids.map((id) => points.xy[id]));
      if ((k === 0) !== area > 0) ids.reverse();
      rings.push(ids);
    });
  }
  return rings;
}

/** Split the edge a-b at every point lying on it (sorted along the edge). */
function splitEdge(points, a, b) {
  const [ax, ay] = points.xy[a];
  const [bx, by] = points.xy[b];
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const on = [];
  points.xy.forEach(([px, py], id) => {
    if (id === a || id === b || len2 === 0) return;
    const t = ((px - ax) * dx + (py - ay) * dy) / len2;
    if (t <= 0 || t >= 1) return;
    if (Math.hypot(ax + t * dx - px, ay + t * dy - py) <= EPS) on.push([t, id]);
  });
  on.sort((p, q) => p[0] - q[0]);
  const chain = [a, ...on.map(([, id]) => id), b];
  return chain.slice(1).map((id, i) => [chain[i], id]);
}

/** The turn from direction (a→b) to (b→c): negative is right. */
function turn(points, a, b, c) {
  const [ax, ay] = points.xy[a];
  const [bx, by] = points.xy[b];
  const [cx, cy] = points.xy[c];
  const ux = bx - ax;
  const uy = by - ay;
  const vx = cx - bx;
  const vy = cy - by;
  return Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy);
}

export function unionTouching(a, b) {
  const points = new Points();
  const rings = [...ringIds(points, a), ...ringIds(points, b)];
  const count = new Map();
  for (const ring of rings) {
    ring.forEach((u, i) => {
      for (const [p, q] of splitEdge(points, u, ring[(i + 1) % ring.length])) {
        const key = `${p},${q}`;
        count.set(key, (count.get(key) || 0) + 1);
      }
    });
  }
  // the shared boundary: an edge and its reverse cancel
  const out = new Map();
  for (const [key, n] of count) {
    const [p, q] = key.split(',').map(Number);
    const left = n - Math.min(n, count.get(`${q},${p}`) || 0);
    for (let i = 0; i < left; i += 1) {
      if (!out.has(p)) out.set(p, []);
      out.get(p).push(q);
    }
  }
  const shells = [];
  const holes = [];
  let guard = count.size + 1;
  for (;;) {
    const start = [...out.keys()].find((k) => out.get(k).length);
    if (start === undefined) break;
    const ring = [start];
    let prev = null;
    let cur = start;
    for (;;) {
      const next = out.get(cur) || [];
      if (!next.length || (guard -= 1) < 0) return null;
      // at a vertex where the boundary touches itself, keep to the rightmost way
      let pick = 0;
      if (prev !== null && next.length > 1) {
        next.forEach((c, i) => {
          if (turn(points, prev, cur, c) < turn(points, prev, cur, next[pick])) pick = i;
        });
      }
      const [v] = next.splice(pick, 1);
      if (v === start) break;
      ring.push(v);
      prev = cur;
      cur = v;
    }
    if (ring.length < 3) return null;
    const coords = ring.map((id) => points.xy[id]);
    (signedArea(coords) > 0 ? shells : holes).push(coords);
  }
  if (!shells.length) return null;
  const polygons = shells.map((shell) => [shell]);
  for (const hole of holes) {
    const owner = polygons.find(([shell]) => inside(hole[0], shell)) || polygons[0];
    owner.push(hole);
  }
  const closed = polygons.map((rs) => rs.map((r) => [...r, r[0]]));
  return closed.length === 1
    ? { type: 'Polygon', coordinates: closed[0] }
    : { type: 'MultiPolygon', coordinates: closed };
}
