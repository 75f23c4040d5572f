/** @file `x86virt bench`: the paper's experiments on the built-in guests, with the paper's numbers beside ours. */
import { MODES, PAPER_FORKWAIT, PAPER_NANO } from '@x86virt/bench';

/** Options of `x86virt bench`. */
export interface BenchOptions {
  readonly suite: 'nano' | 'macro' | 'all';
}

/**
 * Prints the experiment tables. Until the silicon and the monitors exist no mode can run, so
 * every measured column shows as missing: the paper's numbers are shown, ours are never faked.
 */
export function benchCommand(opts: BenchOptions, out: (line: string) => void): number {
  const available: string[] = [];
  out(`x86virt bench — suite ${opts.suite}; modes available: ${available.length ? available.join(', ') : 'none yet'} (of ${MODES.join(', ')})`);
  if (opts.suite !== 'macro') {
    out('');
    out('Nanobenchmarks, cycles per operation (paper: 3.8 GHz Pentium 4 672; ours: —, mode not built)');
    const head = ['test', 'paper native', 'paper BT', 'paper VT', 'ours native', 'ours bt', 'ours hw'];
    const rows = PAPER_NANO.map((n) => [n.name, String(n.native), String(n.bt), String(n.hw), '—', '—', '—']);
    for (const line of table([head, ...rows])) out(line);
  }
  if (opts.suite !== 'nano') {
    out('');
    out('forkwait, 40 000 forks, seconds (paper) — ours: —, mode not built');
    for (const line of table([['', 'native', 'BT', 'VT'], ['paper', ...[PAPER_FORKWAIT.native, PAPER_FORKWAIT.bt, PAPER_FORKWAIT.hw].map(String)]])) out(line);
  }
  return 0;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
