// Number formats and colour classes shared by the service page's modules.

/** A share 0..1 as a percentage with at most one decimal: 0.8436 -> "84.4%". */
export function pct(share) {
  if (!Number.isFinite(share)) return '—';
  return `${(Math.round(share * 1000) / 10).toLocaleString('zh-CN')}%`;
}

/** An integer with thousands separators. */
export function num(n) {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('zh-CN') : '—';
}

/** "a → b" when the values differ, else just a. */
export function arrow(before, after) {
  return before === after ? after : `${before} → ${after}`;
}

/** A signed count: "+4,150" / "-12" / "±0". */
export function signed(n) {
  if (!n) return '±0';
  return `${n > 0 ? '+' : '-'}${num(Math.abs(n))}`;
}

/** Colour class of a cell by its share of residents covered (legend in the template). */
export function shareBin(share, residents = 1) {
  if (!residents) return 'cov-empty';
  if (share >= 1) return 'cov-bin-4';
  if (share >= 0.9) return 'cov-bin-3';
  if (share >= 0.7) return 'cov-bin-2';
  if (share >= 0.4) return 'cov-bin-1';
  return 'cov-bin-0';
}
