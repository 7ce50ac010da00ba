// The phone's offline store (IndexedDB "gridapp-offline"): the records the field pages have
// not sent yet (their outbox, static/js/field/outbox.js), one entry per record, each
// belonging to the user who made it. Every page uses it at logout
// (offline-session.js), to say how many records would be lost and to delete them.

const DB_NAME = 'gridapp-offline';
const DB_VERSION = 1;
const OUTBOX = 'outbox';
// The service worker's caches (templates/field/sw.js) start with this; "shell-" caches hold
// only scripts and styles, the others pages and API answers (household names among them).
export const CACHE_PREFIX = 'gridapp-field-';

let opening = null;

function open() {
  if (!('indexedDB' in window)) {
    return Promise.reject(new Error('此浏览器不能在本机保存记录'));
  }
  if (!opening) {
    opening = new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const store = request.result.createObjectStore(OUTBOX, { keyPath: 'key' });
        store.createIndex('user', 'user_id');
      };
      request.onsuccess = () => {
        const db = request.result;
        db.onversionchange = () => {
          db.close();
          opening = null;
        };
        resolve(db);
      };
      request.onerror = () => {
        opening = null;
        reject(request.error);
      };
    });
  }
  return opening;
}

function finished(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function store(mode) {
  const db = await open();
  return db.transaction(OUTBOX, mode).objectStore(OUTBOX);
}

/** Every outbox entry of the user, oldest first. */
export async function outboxItems(userId) {
  const index = (await store('readonly')).index('user');
  const items = await finished(index.getAll(IDBKeyRange.only(userId)));
  return items.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** One entry by its key, or undefined. */
export async function outboxItem(key) {
  return finished((await store('readonly')).get(key));
}

export async function putOutboxItem(item) {
  await finished((await store('readwrite')).put(item));
}

export async function deleteOutboxItem(key) {
  await finished((await store('readwrite')).delete(key));
}

/** Delete every entry of the user (at logout). */
export async function deleteUserItems(userId) {
  for (const item of await outboxItems(userId)) await deleteOutboxItem(item.key);
}

/** Delete the service worker's copies of pages and API answers (not the app shell). */
export async function clearOfflineCopies() {
  if (!('caches' in window)) return;
  for (const name of await caches.keys()) {
    if (name.startsWith(CACHE_PREFIX) && !name.startsWith(`${CACHE_PREFIX}shell-`)) {
      await caches.delete(name);
    }
  }
}
