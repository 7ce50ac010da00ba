// Shared boundaries between neighbouring cells: when a vertex of the edited cell moves, the
// same vertex of every neighbour moves with it, so a shared edge stays shared (no sliver,
// no overlap). A vertex is shared when a neighbour has a vertex at the same place (within
// SAME_DEG) or an edge through it (within ON_EDGE_M; a vertex is then inserted there).
//
// Works on Leaflet polygons: nested arrays of L.LatLng (rings without a closing vertex).
// Neighbour vertices are moved in place (the LatLng objects keep their identity through
// setLatLngs), so a link stays valid for a whole drag.

const L = window.L;

export const SAME_DEG = 1e-7; // ~1 cm: the same vertex
export const ON_EDGE_M = 0.1; // a vertex this close to a neighbour's edge lies on that edge

export function samePoint(a, b, eps = SAME_DEG) {
  return Math.abs(a.lat - b.lat) <= eps && Math.abs(a.lng - b.lng) <= eps;
}

/** Every ring of a polygon's latlngs (nested arrays), the arrays themselves. */
export function ringsOf(latlngs) {
  if (!Array.isArray(latlngs) || latlngs.length === 0) return [];
  if (!Array.isArray(latlngs[0])) return [latlngs];
  return latlngs.flatMap(ringsOf);
}

/** A deep copy of nested latlngs (new LatLng objects). */
export function copyLatLngs(latlngs) {
  return Array.isArray(latlngs) ? latlngs.map(copyLatLngs) : L.latLng(latlngs.lat, latlngs.lng);
}

/** Distance in metres from p to the segment a-b (local flat approximation) and where
 *  along the segment (0..1) the nearest point lies. */
export function toSegment(p, a, b) {
  const kx = 111320 * Math.cos((p.lat * Math.PI) / 180);
  const ky = 110540;
  const ax = (a.lng - p.lng) * kx;
  const ay = (a.lat - p.lat) * ky;
  const dx = (b.lng - a.lng) * kx;
  const dy = (b.lat - a.lat) * ky;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) return { distance: Math.hypot(ax, ay), t: 0 };
  const t = Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  return { distance: Math.hypot(ax + t * dx, ay + t * dy), t };
}

/** Redraw a polygon after its vertices were changed in place. */
export function redraw(layer) {
  layer.setLatLngs(layer.getLatLngs());
}

/**
 * The vertices of `layer` at the point `p`: its vertices equal to p, or else, on each ring
 * with an edge through p, a vertex inserted there (the layer is changed then).
 * Returns the LatLng objects (of `layer`) to move together with p.
 */
export function attachPoint(layer, p) {
  const rings = ringsOf(layer.getLatLngs());
  const found = [];
  for (const ring of rings) for (const v of ring) if (samePoint(v, p)) found.push(v);
  if (found.length) return found;
  for (const ring of rings) {
    for (let i = 0; i < ring.length; i += 1) {
      const { distance, t } = toSegment(p, ring[i], ring[(i + 1) % ring.length]);
      if (distance <= ON_EDGE_M && t > 0 && t < 1) {
        const vertex = L.latLng(p.lat, p.lng);
        ring.splice(i + 1, 0, vertex);
        found.push(vertex);
        break; // one edge per ring: on two edges it would be their common vertex
      }
    }
  }
  if (found.length) redraw(layer);
  return found;
}

/**
 * Links of one dragged vertex to the neighbours sharing it: [{layer, vertices}].
 * `neighbours` are the other cells' polygons.
 */
export function linkVertex(p, neighbours) {
  const links = [];
  for (const layer of neighbours) {
    const vertices = attachPoint(layer, p);
    if (vertices.length) links.push({ layer, vertices });
  }
  return links;
}

/** Move the linked neighbour vertices to `p` and redraw those neighbours. */
export function moveLinked(links, p) {
  for (const { layer, vertices } of links) {
    for (const v of vertices) {
      v.lat = p.lat;
      v.lng = p.lng;
    }
    redraw(layer);
  }
}

/**
 * A vertex `p` was removed from the edited cell, whose edge now runs from `prev` to `next`.
 * Remove the same vertex from each neighbour whose boundary ran prev-p-next (either way
 * round), so the shared edge stays shared. Returns the neighbours changed.
 */
export function removeLinked(p, prev, next, neighbours) {
  const changed = [];
  for (const layer of neighbours) {
    let hit = false;
    for (const ring of ringsOf(layer.getLatLngs())) {
      const n = ring.length;
      if (n <= 3) continue;
      for (let i = 0; i < n; i += 1) {
        if (!samePoint(ring[i], p)) continue;
        const before = ring[(i + n - 1) % n];
        const after = ring[(i + 1) % n];
        const sameWay = samePoint(before, prev) && samePoint(after, next);
        const otherWay = samePoint(before, next) && samePoint(after, prev);
        if (sameWay || otherWay) {
          ring.splice(i, 1);
          hit = true;
          break;
        }
      }
    }
    if (hit) {
      redraw(layer);
      changed.push(layer);
    }
  }
  return changed;
}
