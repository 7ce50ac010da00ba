// On every page of a logged-in user (base.html). The field pages keep offline copies of the
// pages and API answers they showed (household names among them: templates/field/sw.js)
// and an outbox of records not sent yet (offline-store.js). These belong to one user:
// - when another user logs in on the same phone, the copies of the last one are deleted
//   before anything else (their unsent records stay, sent only when they log in again);
// - at logout the user's copies and unsent records are deleted, after asking when records
//   are still waiting to be sent.
import {
  clearOfflineCopies,
  deleteUserItems,
  outboxItems,
} from './offline-store.js';

const OWNER_KEY = 'gridapp-offline-owner';
const userId = Number(document.body.dataset.userId);

function storedOwner() {
  try {
    return window.localStorage.getItem(OWNER_KEY);
  } catch (err) {
    return null; // storage disabled: nothing was kept either
  }
}

function setOwner(value) {
  try {
    if (value === null) window.localStorage.removeItem(OWNER_KEY);
    else window.localStorage.setItem(OWNER_KEY, value);
  } catch (err) {
    // storage disabled
  }
}

async function checkOwner() {
  if (storedOwner() === String(userId)) return;
  try {
    await clearOfflineCopies();
  } finally {
    setOwner(String(userId));
  }
}

async function pendingCount() {
  try {
    return (await outboxItems(userId)).filter((item) => item.state === 'pending').length;
  } catch (err) {
    return 0;
  }
}

function guardLogout() {
  const form = document.querySelector('header.topbar form[action$="/logout"]');
  if (!form) return;
  form.addEventListener('submit', async (event) => {
    if (form.dataset.cleared === 'true') return;
    event.preventDefault();
    const pending = await pendingCount();
    if (
      pending &&
      !window.confirm(`还有 ${pending} 条记录未上传，退出登录后将从本机删除。确定退出吗？`)
    ) {
      return;
    }
    try {
      await deleteUserItems(userId);
      await clearOfflineCopies();
    } catch (err) {
      console.error(err);
    }
    setOwner(null);
    form.dataset.cleared = 'true';
    form.submit();
  });
}

if (Number.isInteger(userId) && userId > 0) {
  checkOwner().catch((err) => console.error(err));
  guardLogout();
}
