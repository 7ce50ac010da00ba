// Reshaping the selected cell's outline with Geoman, and undo. While 共用边界联动 is on, the
// same vertex of every neighbour follows a dragged or removed vertex (shared-vertices.js), so
// shared edges stay shared. Every edit is one undo step: a snapshot of all outlines.

import { linkVertex, moveLinked, removeLinked } from './shared-vertices.js';

/** `ctx`: the editor's map, view, state and actions (see page.js). */
export function createReshaping(ctx) {
  const { emap, view, state } = ctx;
  const { ui } = view;

  /** Record the current outlines as one undo step (when something changed). */
  function commitEdit() {
    const sig = ctx.allSignature();
    if (sig === state.currentSig) return;
    state.undo.push(state.current);
    state.current = emap.snapshot();
    state.currentSig = sig;
    state.overrideReason = ''; // a reason covers the outline it was given for, no other
    emap.centreLabels();
    if (!['error', 'conflict'].includes(view.state)) view.setState('editing');
    ctx.refresh();
  }

  function restore(snapshot) {
    emap.restore(snapshot);
    state.current = snapshot;
    state.currentSig = ctx.allSignature();
    emap.centreLabels();
    ctx.refresh();
  }

  function undo() {
    if (!state.undo.length) return;
    restore(state.undo.pop());
    view.setState(ctx.dirtyIds().length ? 'editing' : 'idle');
  }

  /** Back to the saved outlines (the undo steps go too). */
  function discard() {
    for (const [id, entry] of state.cells) emap.setGeometry(id, entry.feature.geometry);
    state.undo = [];
    state.overrideReason = '';
    restore(emap.snapshot());
    emap.clearAll();
    view.clearMessage();
    view.setState('idle');
  }

  /** Geoman's editing events on the selected cell: shared vertices follow the dragged one. */
  const handlers = {
    'pm:markerdragstart': (e) => {
      const p = e.markerEvent.target.getLatLng();
      const links = ui.linkShared.checked ? linkVertex(p, emap.neighbours(state.selected)) : [];
      // a linked neighbour follows the marker: snapping to it would pin the marker in place
      for (const { layer } of links) layer.options.snapIgnore = true;
      state.drag = { links };
    },
    'pm:markerdrag': (e) => {
      if (state.drag) moveLinked(state.drag.links, e.markerEvent.target.getLatLng());
    },
    'pm:markerdragend': (e) => {
      if (state.drag) {
        moveLinked(state.drag.links, e.markerEvent.target.getLatLng());
        for (const { layer } of state.drag.links) delete layer.options.snapIgnore;
      }
      state.drag = null;
      commitEdit();
    },
    'pm:vertexremoved': (e) => {
      if (ui.linkShared.checked && e.indexPath) {
        const path = e.indexPath.slice(0, -1);
        const ring = path.reduce((node, i) => node[i], e.layer.getLatLngs());
        const i = e.indexPath[e.indexPath.length - 1];
        if (ring && ring.length >= 3) {
          const prev = ring[(i - 1 + ring.length) % ring.length];
          const next = ring[i % ring.length];
          removeLinked(e.marker.getLatLng(), prev, next, emap.neighbours(state.selected));
        }
      }
      commitEdit();
    },
    'pm:edit': () => {
      // a vertex added by a click; a drag (also of a new vertex) commits at its end
      setTimeout(() => {
        if (!state.drag) commitEdit();
      }, 0);
    },
  };

  return { commitEdit, undo, discard, handlers };
}
