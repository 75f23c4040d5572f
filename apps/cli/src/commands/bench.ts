/** @file `x86virt bench`: the paper's experiments on the built-in guests, with the paper's numbers beside ours. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTML_REPORT_FILE, MODES, renderHtml, renderTerminal, reportToJson, runBench, type Mode } from '@x86virt/bench';
import { UsageError } from '../errors.ts';

/** Options of `x86virt bench`, as parsed. */
export interface BenchOptions {
  readonly suite: 'nano' | 'macro' | 'all';
  readonly modes?: string;
  readonly profile?: string;
  readonly json?: string;
  readonly html?: string;
  readonly quick?: boolean;
  readonly workers?: number;
}

/** Parses `--modes native,bt,hw-shadow,hw-nested` (`hw` = both hw modes). */
export function parseModes(text: string): Mode[] {
  const out: Mode[] = [];
  for (const w of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const list: readonly string[] = w === 'hw' ? ['hw-shadow', 'hw-nested'] : w === 'all' ? MODES : [w];
    for (const m of list) {
      if (!(MODES as readonly string[]).includes(m)) throw new UsageError(`unknown mode '${w}' (modes: ${MODES.join(', ')}, hw, all)`);
      if (!out.includes(m as Mode)) out.push(m as Mode);
    }
  }
  if (out.length === 0) throw new UsageError('--modes needs at least one mode');
  return out;
}

/**
 * Runs the suite (worker threads, progress on stderr), prints the tables, writes `--json` and
 * `--html` if asked. Modes that are not built yet are listed as such, never faked.
 */
export async function benchCommand(opts: BenchOptions, out: (line: string) => void): Promise<number> {
  const modes = opts.modes === undefined ? undefined : parseModes(opts.modes);
  const report = await runBench({ suite: opts.suite, modes, profile: opts.profile, quick: opts.quick, workers: opts.workers, progress: process.stderr });
  for (const line of renderTerminal(report)) out(line);
  if (opts.json !== undefined) {
    writeFileSync(opts.json, reportToJson(report));
    out(`wrote ${opts.json}`);
  }
  if (opts.html !== undefined) {
    mkdirSync(opts.html, { recursive: true });
    const file = join(opts.html, HTML_REPORT_FILE);
    writeFileSync(file, await renderHtml(report));
    out(`wrote ${file}`);
  }
  return report.failures.length > 0 ? 1 : 0;
}
