/** @file A plain-text table formatter: first column left-aligned, the rest right-aligned, two spaces apart. */

/** Formats `head` and `rows` as aligned lines (a dashed rule under the head). */
export function formatTable(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => [...(r[c] ?? '')].length)));
  const line = (r: readonly string[]): string =>
    r
      .map((cell, c) => (c === 0 ? pad(cell, widths[c]!, 'end') : pad(cell, widths[c]!, 'start')))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function pad(s: string, width: number, side: 'start' | 'end'): string {
  const n = width - [...s].length;
  return n <= 0 ? s : side === 'start' ? ' '.repeat(n) + s : s + ' '.repeat(n);
}

/** A ratio as `×0.067`, `×1.23`, `×12.3`, `×123` (three significant digits, at most). */
export function formatRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '—';
  return `×${formatNumber(r)}`;
}

/** A number with three significant digits below 1000, else grouped integer (`12 733`). */
export function formatNumber(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString('en-US').replace(/,/g, ' ');
  if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.1) return v.toFixed(2);
  return v.toPrecision(2);
}
