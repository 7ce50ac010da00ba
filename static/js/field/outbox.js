// The one way the field pages write (docs/FIELD.md, "Writes from a phone"). A record is
// given its client_key when the form is first submitted, stored in IndexedDB (photo Blob
// included: ../common/offline-store.js) and sent. When the network fails it stays and is
// sent again — at the next page load, when the phone comes back online (and soon after,
// with a growing wait, while it still fails), and every 30 seconds — and the server stores
// it once whatever the number of tries (client_key).
//
// Answers: 201 (new) and 200 (duplicate: sent before) both mean done. 401 waits for the
// next login; 408, 429 and 5xx wait for a retry; any other 4xx is a real refusal: the
// record leaves the queue and its Chinese message is shown (the form shows it when the
// refusal comes at once; otherwise it is listed as refused until the user dismisses it).
// A 400 that is not a validation error may be a stale CSRF token (a page opened from its
// offline copy): a fresh token is fetched and the record sent once more.
import {
  deleteOutboxItem,
  outboxItem,
  outboxItems,
  putOutboxItem,
} from '../common/offline-store.js';

const RETRY_MS = 30000;
const FIRST_RETRY_MS = 2000;
const LOCK = 'gridapp-outbox';
const OFFLINE_MESSAGE = '网络不可用，记录已保存在本机，联网后自动上传';
const LOGIN_MESSAGE = '登录已过期：请重新登录，记录会在登录后上传';

/** A random UUID (crypto.randomUUID needs a secure context; getRandomValues does not). */
export function newClientKey() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const b = window.crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function csrfMeta() {
  return document.querySelector('meta[name="csrf-token"]');
}

async function jsonOf(response) {
  try {
    return await response.json();
  } catch (err) {
    return null;
  }
}

function body(item) {
  if (item.json) return JSON.stringify(item.json);
  const form = new FormData();
  for (const [name, value] of Object.entries(item.fields)) {
    if (value !== undefined && value !== null && value !== '') form.append(name, String(value));
  }
  if (item.photo) form.append('photo', item.photo, item.photo_name || 'photo.jpg');
  return form;
}

/** Run `task` alone among this origin's tabs (Web Locks), or just run it. */
function exclusively(task) {
  if (navigator.locks) return navigator.locks.request(LOCK, task);
  return task();
}

export class Outbox extends EventTarget {
  constructor(userId) {
    super();
    this.userId = userId;
    this.flushing = null;
    this.timer = null;
    this.soon = null;
    this.backoff = 0;
  }

  /**
   * Queue a record and try to send it at once. `request`: {kind, label, url, json} (a JSON
   * body) or {kind, label, url, fields, photo} (multipart); `keyed` (default true) puts the
   * client_key into the body. Answers {status: 'sent', record} | {status: 'queued',
   * message} | {status: 'refused', message}.
   */
  async submit({ kind, label, url, json = null, fields = null, photo = null, keyed = true }) {
    const key = newClientKey();
    const item = {
      key,
      user_id: this.userId,
      kind,
      label,
      url,
      json: json && (keyed ? { ...json, client_key: key } : json),
      fields: fields && (keyed ? { ...fields, client_key: key } : fields),
      photo,
      photo_name: photo && photo.name ? photo.name : null,
      created_at: new Date().toISOString(),
      attempts: 0,
      state: 'pending',
      message: '',
    };
    let stored = true;
    try {
      await putOutboxItem(item);
    } catch (err) {
      stored = false; // no IndexedDB: send once, and say so if it fails
      console.error(err);
    }
    this.changed();
    const outcome = await exclusively(() => this.sendOne(item, stored, true));
    if (!stored && outcome.status === 'queued') {
      return { status: 'refused', message: '网络不可用，且此浏览器不能在本机保存记录，请联网后重试' };
    }
    return outcome;
  }

  /** Send every pending record of the user, oldest first (one tab at a time). */
  flush() {
    if (!this.flushing) {
      this.flushing = exclusively(async () => {
        for (const item of await this.pending()) {
          const outcome = await this.sendOne(item, true, false);
          if (outcome.status === 'queued') return false; // still offline (or logged out)
        }
        return true;
      })
        .catch((err) => {
          console.error(err);
          return false;
        })
        .then((done) => this.again(done))
        .finally(() => {
          this.flushing = null;
          this.changed();
        });
    }
    return this.flushing;
  }

  /**
   * After a flush that left records waiting while the phone says it is online (the network
   * often comes back a moment after the "online" event): try again soon, waiting twice as
   * long each time (2 s, 4 s, … up to the 30 s of the regular retry).
   */
  again(done) {
    window.clearTimeout(this.soon);
    if (done || !navigator.onLine) {
      this.backoff = 0;
      return;
    }
    this.backoff = Math.min(this.backoff ? this.backoff * 2 : FIRST_RETRY_MS, RETRY_MS);
    this.soon = window.setTimeout(() => this.flush(), this.backoff);
  }

  /** The user's records waiting to be sent. */
  async pending() {
    return (await outboxItems(this.userId)).filter((item) => item.state === 'pending');
  }

  /** The user's records refused while sent in the background, until dismissed. */
  async refused() {
    return (await outboxItems(this.userId)).filter((item) => item.state === 'refused');
  }

  async dismiss(key) {
    await deleteOutboxItem(key);
    this.changed();
  }

  /** Retry now, when the phone comes online, when the page shows again, and periodically. */
  start() {
    window.addEventListener('online', () => this.flush());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.flush();
    });
    this.timer = window.setInterval(() => {
      if (navigator.onLine) this.flush();
    }, RETRY_MS);
    this.flush();
  }

  changed() {
    this.dispatchEvent(new Event('change'));
  }

  async sendOne(item, stored, atOnce) {
    // sent by another tab meanwhile
    if (stored && !(await outboxItem(item.key))) return { status: 'sent', record: null };
    const outcome = await this.post(item, false);
    if (outcome.ok) {
      if (stored) await deleteOutboxItem(item.key);
      this.dispatchEvent(new CustomEvent('sent', { detail: { item, record: outcome.record } }));
      this.changed();
      return { status: 'sent', record: outcome.record };
    }
    if (outcome.refused) {
      if (stored && atOnce) await deleteOutboxItem(item.key); // the form shows the message
      if (stored && !atOnce) {
        await putOutboxItem({ ...item, state: 'refused', message: outcome.message, photo: null });
        const detail = { item, message: outcome.message };
        this.dispatchEvent(new CustomEvent('refused', { detail }));
      }
      this.changed();
      return { status: 'refused', message: outcome.message };
    }
    if (stored) {
      await putOutboxItem({ ...item, attempts: item.attempts + 1, message: outcome.message });
    }
    this.changed();
    return { status: 'queued', message: outcome.message };
  }

  async post(item, retried) {
    let response;
    try {
      response = await fetch(item.url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          Accept: 'application/json',
          'X-CSRFToken': csrfMeta() ? csrfMeta().content : '',
          ...(item.json ? { 'Content-Type': 'application/json' } : {}),
        },
        body: body(item),
      });
    } catch (err) {
      return { ok: false, message: OFFLINE_MESSAGE };
    }
    const answer = await jsonOf(response);
    if (response.ok) return { ok: true, record: answer };
    const message = (answer && answer.message) || `上传失败（${response.status}）`;
    const status = response.status;
    if (status === 400 && !retried && !(answer && answer.errors) && (await this.freshToken())) {
      return this.post(item, true);
    }
    if (status === 401) return { ok: false, message: LOGIN_MESSAGE };
    if (status >= 500 || status === 408 || status === 429) return { ok: false, message };
    return { ok: false, refused: true, message };
  }

  /** Read a fresh CSRF token from a field page (this session's), into the page's meta tag. */
  async freshToken() {
    try {
      const response = await fetch(window.location.pathname, {
        credentials: 'same-origin',
        cache: 'no-store',
      });
      if (!response.ok || response.redirected) return false;
      const page = new DOMParser().parseFromString(await response.text(), 'text/html');
      const fresh = page.querySelector('meta[name="csrf-token"]');
      const meta = csrfMeta();
      if (!fresh || !meta || fresh.content === meta.content) return false;
      meta.content = fresh.content;
      return true;
    } catch (err) {
      return false;
    }
  }
}
