// What every field page shares (templates/field/frame.html): the service worker (offline
// copies), the outbox with its "待上传 N" badge and panel, records refused while sent in the
// background, the online state and a toast. Each page's entry calls startShell() first.
import { button, el, readJSON } from '../common/dom.js';
import { formatTime } from './format.js';
import { Outbox } from './outbox.js';

const TOAST_MS = 4000;

function registerWorker(root) {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  navigator.serviceWorker
    .register(root.dataset.swUrl, { scope: root.dataset.swScope })
    .catch((err) => console.error('service worker', err));
}

function itemLine(item) {
  const li = el('li', 'outbox-item');
  li.dataset.kind = item.kind;
  li.append(el('span', 'item-label', item.label));
  li.append(el('span', 'item-time', formatTime(item.created_at)));
  if (item.message) li.append(el('span', 'item-message', item.message));
  return li;
}

class Badge {
  constructor(root, outbox) {
    this.outbox = outbox;
    this.badge = root.querySelector('.outbox-badge');
    this.count = this.badge.querySelector('.outbox-count');
    this.panel = root.querySelector('#outbox-panel');
    this.refusedBox = root.querySelector('.outbox-refused');
    this.badge.addEventListener('click', () => this.toggle());
    this.panel.querySelector('.outbox-send').addEventListener('click', () => outbox.flush());
    outbox.addEventListener('change', () => this.update());
    this.update();
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.badge.setAttribute('aria-expanded', String(open));
  }

  async update() {
    let pending = [];
    let refused = [];
    try {
      [pending, refused] = await Promise.all([this.outbox.pending(), this.outbox.refused()]);
    } catch (err) {
      console.error(err); // no IndexedDB: nothing is ever queued
    }
    this.count.textContent = String(pending.length);
    this.badge.hidden = pending.length === 0;
    this.badge.dataset.count = String(pending.length);
    if (!pending.length) this.toggle(false);
    this.panel.querySelector('.outbox-items').replaceChildren(...pending.map(itemLine));
    this.refusedBox.hidden = refused.length === 0;
    this.refusedBox.querySelector('.refused-items').replaceChildren(
      ...refused.map((item) => {
        const li = itemLine(item);
        li.append(button('知道了', 'dismiss secondary', () => this.outbox.dismiss(item.key)));
        return li;
      }),
    );
  }
}

function watchOnline(root) {
  const note = root.querySelector('.field-online');
  const update = () => {
    note.hidden = navigator.onLine;
    note.textContent = navigator.onLine ? '' : '离线：记录会保存在本机，联网后自动上传';
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
}

function toaster(root) {
  const node = root.querySelector('.field-toast');
  let timer = null;
  return (text, kind = 'ok') => {
    node.textContent = text;
    node.dataset.kind = kind;
    node.hidden = false;
    window.clearTimeout(timer);
    timer = window.setTimeout(() => {
      node.hidden = true;
    }, TOAST_MS);
  };
}

/** Start what every field page shares; answers the page's context. */
export function startShell() {
  const root = document.getElementById('field');
  const userId = Number(root.dataset.userId);
  const outbox = new Outbox(userId);
  registerWorker(root);
  new Badge(root, outbox);
  watchOnline(root);
  outbox.start();
  return {
    root,
    userId,
    canRecord: root.dataset.canRecord === 'true',
    urls: readJSON(root, 'apiUrls'),
    vocab: readJSON(root, 'vocab'),
    outbox,
    toast: toaster(root),
  };
}

/** Tell the user what became of a record just submitted (outbox.submit's answer). */
export function reportOutcome(ctx, outcome, doneText) {
  if (outcome.status === 'sent') ctx.toast(doneText);
  else if (outcome.status === 'queued') ctx.toast(outcome.message || '已保存在本机，联网后自动上传', 'queued');
}

/** Mark the page's root ready (tests wait for it) or failed. */
export function pageState(ctx, state) {
  ctx.root.dataset.state = state;
}
