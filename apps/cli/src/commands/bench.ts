/** @file `x86virt bench`: the paper's experiments on the built-in guests, with the paper's numbers beside ours. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HTML_REPORT_FILE, loadProfile, MODES, PROFILE_NAMES, renderHtml, renderLinuxBench, renderTerminal, reportToJson, runBench, runLinuxBench, toCostProfile, type Mode } from '@x86virt/bench';
import type { EngineKind } from '@x86virt/x86-core';
import { UsageError } from '../errors.ts';

/** Options of `x86virt bench`, as parsed. */
export interface BenchOptions {
  readonly suite: 'nano' | 'macro' | 'all' | 'linux';
  readonly modes?: string;
  readonly profile?: string;
  readonly json?: string;
  readonly html?: string;
  readonly quick?: boolean;
  readonly workers?: number;
  /** `--engine interp|jit`. */
  readonly engine?: EngineKind;
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
  if (opts.suite === 'linux') return linuxBench(opts, modes ?? MODES, out);
  const report = await runBench({ suite: opts.suite, modes, profile: opts.profile, quick: opts.quick, engine: opts.engine, workers: opts.workers, progress: process.stderr });
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

/** `--suite linux`: forkwait on Debian's Linux in each mode, in this process (each run boots a kernel), with QEMU TCG's times. */
function linuxBench(opts: BenchOptions, modes: readonly Mode[], out: (line: string) => void): number {
  if (opts.json !== undefined || opts.html !== undefined) throw new UsageError('--suite linux prints a table only: --json and --html are for the frobos suites');
  const profile = toCostProfile(loadProfile(opts.profile ?? PROFILE_NAMES[0]));
  const report = runLinuxBench(profile, modes, opts.quick === true, (line) => process.stderr.write(`${line}\n`));
  for (const line of renderLinuxBench(report)) out(line);
  if (report.unavailable !== null) return 1;
  return report.modes.every((m) => m.ok) ? 0 : 1;
}
