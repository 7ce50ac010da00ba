// Words and numbers the field pages show: times, days, counts, phone links.
import { el } from '../common/dom.js';

const pad = (n) => String(n).padStart(2, '0');

function sameDay(a, b) {
  return a.toDateString() === b.toDateString();
}

/** "今天 14:20", "昨天 09:05", "3月5日 14:20" or "2023年3月5日" (another year). */
export function formatTime(iso) {
  if (!iso) return '';
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return '';
  const now = new Date();
  const clock = `${pad(t.getHours())}:${pad(t.getMinutes())}`;
  if (sameDay(t, now)) return `今天 ${clock}`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(t, yesterday)) return `昨天 ${clock}`;
  if (t.getFullYear() === now.getFullYear()) return `${t.getMonth() + 1}月${t.getDate()}日 ${clock}`;
  return `${t.getFullYear()}年${t.getMonth() + 1}月${t.getDate()}日`;
}

/** A day "2024-03-05" as "3月5日" (with the year when it is not this year). */
export function formatDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '');
  if (!m) return day || '';
  const text = `${Number(m[2])}月${Number(m[3])}日`;
  return Number(m[1]) === new Date().getFullYear() ? text : `${m[1]}年${text}`;
}

/** Today as "YYYY-MM-DD" in the phone's time zone. */
export function today() {
  const t = new Date();
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

/** How overdue a due item is ("从未走访", "逾期 3 天", "今天到期"). */
export function dueText(item) {
  if (item.never_visited) return '从未走访';
  if (item.overdue_days > 0) return `逾期 ${item.overdue_days} 天`;
  return '今天到期';
}

/** A phone number as a tel: link (digits, + and - only in the href), or its text. */
export function phoneLink(phone, className = 'tel') {
  if (!phone) return null;
  const digits = String(phone).replace(/[^0-9+-]/g, '');
  if (digits.length < 3) return el('span', className, phone);
  const a = el('a', className, phone);
  a.href = `tel:${digits}`;
  return a;
}

/** "12 户" with thousands separators; '' for a missing number. */
export function count(n, unit) {
  return Number.isFinite(n) ? `${n.toLocaleString('zh-CN')} ${unit}` : '';
}

/** The texts that are not empty, joined by " · ". */
export function dotted(...parts) {
  return parts.filter(Boolean).join(' · ');
}

/** A small label ("chip") per text. */
export function chips(texts, className = 'chip') {
  const box = el('span', 'chips');
  for (const text of texts) if (text) box.append(el('span', className, text));
  return box;
}
