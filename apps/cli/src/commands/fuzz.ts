/** @file `x86virt fuzz`: the differential fuzzer — random guests in every mode, compared; divergences minimised and saved. */
import { availableModes, runFuzz, toCostProfile, loadProfile, type Mode } from '@x86virt/bench';
import { UsageError } from '../errors.ts';

/** Flags of `x86virt fuzz`. */
export interface FuzzCommandOptions {
  readonly seed?: number;
  readonly cases?: number;
  readonly minutes?: number;
  readonly modes?: string;
  readonly save?: string;
  readonly profile: string;
}

/** Runs the fuzzer; prints one line per divergence, a progress line every 10 cases, and a summary. Exit 1 on an unexplained divergence. */
export function fuzzCommand(opts: FuzzCommandOptions, out: (line: string) => void): number {
  const all = availableModes();
  const modes = (opts.modes ?? all.join(',')).split(',').map((m) => m.trim()) as Mode[];
  for (const m of modes) if (!all.includes(m)) throw new UsageError(`unknown mode '${m}' (available: ${all.join(', ')})`);
  if (modes.length < 2) throw new UsageError('--modes needs at least two modes to compare');
  if (opts.cases !== undefined && opts.minutes !== undefined) throw new UsageError('give --cases or --minutes, not both');
  const seed = opts.seed ?? Math.floor(Math.random() * 0x1_0000_0000);
  out(`fuzz: seed ${seed} (0x${seed.toString(16)}), modes ${modes.join(', ')} (reference ${modes[0]})${opts.save ? `, minimised divergences saved to ${opts.save}` : ''}`);
  const summary = runFuzz({
    seed,
    ...(opts.cases !== undefined ? { cases: opts.cases } : {}),
    ...(opts.minutes !== undefined ? { minutes: opts.minutes } : {}),
    modes,
    profile: toCostProfile(loadProfile(opts.profile)),
    ...(opts.save !== undefined ? { saveDir: opts.save } : {}),
    onCase: (r) => {
      for (const f of r.findings) {
        const tag = f.known ? `known ${f.known}` : 'UNEXPLAINED';
        const saved = f.savedAs ? ` → ${f.savedAs} (${f.items?.[0]} → ${f.items?.[1]} items)` : '';
        out(`case ${r.caseIndex} seed 0x${r.seed.toString(16)}: ${f.divergence.mode} ${f.divergence.what} [${tag}] ${f.divergence.detail.slice(0, 160)}${saved}`);
      }
      if ((r.caseIndex + 1) % 10 === 0) out(`fuzz: ${r.caseIndex + 1} cases, ${((r.caseIndex + 1) * 1000 / Math.max(1, r.elapsedMs)).toFixed(2)} cases/s`);
    },
  });
  out(
    `fuzz: ${summary.cases} cases in ${(summary.elapsedMs / 1000).toFixed(1)} s (${summary.casesPerSecond.toFixed(2)} cases/s, ` +
      `${(summary.instructions / 1e6).toFixed(1)} M reference instructions); divergences ${summary.findings.length}, unexplained ${summary.unexplained}`,
  );
  return summary.unexplained === 0 ? 0 : 1;
}
