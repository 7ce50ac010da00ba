// The service worker of the field pages (scope {{ scope }}), rendered by
// gridapp/web/field/offline.py. It keeps
// - the app shell (the field scripts, the shared scripts and styles, vendored Leaflet),
//   cache-first, in a cache named after a hash of those files;
// - the field pages, network-first: the last version seen opens offline;
// - the API reads the pages make, network-first: the last seen cell sheets, my cells, the
//   due list, events, visits, the field log and the base map layers open offline. An
//   answer from the cache carries the header X-Field-Saved-At (when it was saved).
// Writes (POST) never pass through here: they wait in the page's outbox (IndexedDB).
// static/js/common/offline-session.js deletes the pages and data caches on logout and when
// another user logs in on the same phone.
const VERSION = {{ version|tojson }};
const PREFIX = {{ prefix|tojson }};
const SHELL_CACHE = `${PREFIX}shell-${VERSION}`;
const PAGES_CACHE = `${PREFIX}pages`;
const DATA_CACHE = `${PREFIX}data`;
const SHELL = new Set({{ shell_urls|tojson }});
const SCOPE = {{ scope|tojson }};
const API = {{ api_prefix|tojson }};
const DATA_ROUTES = [
  /^cells\/\d+\/sheet$/,
  /^field\/(my-cells|due)$/,
  /^(visits|events|field-logs)$/,
  /^(me|communities|cells|buildings|streets|service-points)$/,
];
const SAVED_AT = 'X-Field-Saved-At';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then((cache) => cache.addAll([...SHELL]))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(`${PREFIX}shell-`) && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

function isDataRoute(url) {
  if (!url.pathname.startsWith(API)) return false;
  const rest = url.pathname.slice(API.length);
  return DATA_ROUTES.some((route) => route.test(rest));
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    if (url.pathname.startsWith(SCOPE)) event.respondWith(page(request));
  } else if (SHELL.has(url.pathname)) {
    event.respondWith(shell(request));
  } else if (isDataRoute(url)) {
    event.respondWith(data(request));
  }
});

async function shell(request) {
  const cached = await caches.match(request, { cacheName: SHELL_CACHE, ignoreSearch: true });
  return cached || fetch(request);
}

/** Network first; the last good copy when the network fails; else a page saying so. */
async function page(request) {
  const cache = await caches.open(PAGES_CACHE);
  try {
    const response = await fetch(request);
    const html = (response.headers.get('Content-Type') || '').startsWith('text/html');
    if (response.status === 200 && !response.redirected && html) {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (err) {
    return (await cache.match(request)) || offlinePage();
  }
}

/** Network first; when the network fails, the saved copy marked with when it was saved. */
async function data(request) {
  const cache = await caches.open(DATA_CACHE);
  try {
    const response = await fetch(request);
    if (response.status === 200) {
      const headers = new Headers(response.headers);
      headers.set(SAVED_AT, new Date().toISOString());
      const body = await response.clone().blob();
      await cache.put(request, new Response(body, { status: 200, headers }));
    }
    return response;
  } catch (err) {
    const cached = await cache.match(request);
    if (cached) return cached;
    throw err;
  }
}

function offlinePage() {
  const body =
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<title>离线</title></head><body style="font:16px/1.6 sans-serif;padding:16px">' +
    '<h1 style="font-size:20px">当前没有网络</h1>' +
    '<p>这个页面还没有保存在本机，请联网后再打开。</p>' +
    `<p><a href="${SCOPE}" style="display:inline-block;padding:12px 0">返回我的网格</a></p>` +
    '</body></html>';
  return new Response(body, {
    status: 503,
    headers: { 'Content-Type': 'text/html; charset=utf-8' },
  });
}
