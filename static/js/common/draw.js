// Drawing one shape with Leaflet-Geoman (vendored; only pages that draw load it): the user
// clicks the vertices, Geoman fires pm:create, and the finished layer is taken off the map
// and handed over. Used by the boundary editor (split lines, new cells) and the 组织覆盖
// page (党员责任区).

/** Options that keep a layer out of Geoman's editing and snapping. */
export const IGNORE = { pmIgnore: true, snapIgnore: true };

/**
 * Let the user draw a `shape` ("Line", "Polygon"); `done(layer)` gets the finished layer,
 * already off the map. The paths drawn meanwhile have the classes `<classPrefix>-line`,
 * `<classPrefix>-hint` (dashed) and `<classPrefix>-shape`; other `options` go to Geoman.
 * Answers a function that stops drawing (drawing also stops once the shape is done).
 */
export function drawShape(map, shape, { classPrefix, ...options }, done) {
  const stop = () => {
    map.off('pm:create', onCreate);
    map.pm.disableDraw();
  };
  function onCreate(e) {
    e.layer.remove();
    stop();
    done(e.layer);
  }
  map.on('pm:create', onCreate);
  map.pm.enableDraw(shape, {
    ...options,
    templineStyle: { className: `${classPrefix}-line` },
    hintlineStyle: { className: `${classPrefix}-hint`, dashArray: '5,5' },
    pathOptions: { className: `${classPrefix}-shape`, ...IGNORE },
  });
  return stop;
}
