/** @file `x86virt bench --suite linux`: forkwait on Debian's Linux in each mode, its modeled slowdown beside the paper's, and host time beside QEMU TCG. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CostProfile } from '@x86virt/x86-core';
import { runGuest } from '../machine/run-guest.ts';
import { PAPER_FORKWAIT, type Mode } from '../paper.ts';
import { forkwaitCmdline, LINUX_CACHE_DIR, LINUX_GUEST_DIR, LINUX_MEM_MIB, maskLinuxLog, prepareLinuxGuest } from './linux-guest.ts';

/** Forks per run: full and quick. */
export const LINUX_FORKS = { full: 1000, quick: 20 } as const;

/** Instruction budget of one Linux run. */
const MAX_INSNS = 40_000_000_000;

/** One mode's two runs: boot + /init with 0 forks, and with N forks. The difference is forkwait's cost. */
export interface LinuxModeResult {
  readonly mode: Mode;
  /** Modeled cycles to the end of the run with 0 forks and with `forks`. */
  readonly bootCycles: number;
  readonly totalCycles: number;
  /** Modeled seconds of the forks alone ((total - boot) / hz). */
  readonly forkSeconds: number;
  /** Host seconds of the two runs. */
  readonly bootHostSeconds: number;
  readonly totalHostSeconds: number;
  /** Both runs ended with exit code 0 and printed "forkwait N". */
  readonly ok: boolean;
  readonly stop: string;
}

/** QEMU TCG's host times for the same images (guests/linux/qemu-reference), when QEMU is installed. */
export interface QemuTimes {
  readonly initSeconds: number;
  readonly totalSeconds: number;
}

/** The whole suite's outcome. */
export interface LinuxBenchReport {
  readonly versions: string;
  readonly forks: number;
  readonly profile: string;
  readonly modes: readonly LinuxModeResult[];
  readonly qemu: QemuTimes | null;
  /** Why the suite could not run (no packages), else null. */
  readonly unavailable: string | null;
}

/** Runs forkwait with 0 and `forks` iterations in each of `modes` (in this thread), and QEMU's reference if installed. */
export function runLinuxBench(profile: CostProfile, modes: readonly Mode[], quick: boolean, log: (line: string) => void = () => {}): LinuxBenchReport {
  const forks = quick ? LINUX_FORKS.quick : LINUX_FORKS.full;
  const files = prepareLinuxGuest();
  if (!files.ok) return { versions: '', forks, profile: profile.name, modes: [], qemu: null, unavailable: files.reason };
  const results: LinuxModeResult[] = [];
  for (const mode of modes) {
    const run = (n: number) => runGuest(mode, files.kernel, profile, { cmdline: forkwaitCmdline(n), initrd: files.initrd, memMiB: LINUX_MEM_MIB, maxInsns: MAX_INSNS });
    log(`linux: ${mode}: boot + 0 forks…`);
    const boot = run(0);
    log(`linux: ${mode}: boot + ${forks} forks…`);
    const total = run(forks);
    const good = (r: ReturnType<typeof run>, n: number): boolean => r.stop.kind === 'exit' && r.stop.code === 0 && maskLinuxLog(r.serial).includes(`\nforkwait ${n}\n`);
    results.push({
      mode,
      bootCycles: boot.cycles,
      totalCycles: total.cycles,
      forkSeconds: (total.cycles - boot.cycles) / profile.hz,
      bootHostSeconds: boot.hostMs / 1000,
      totalHostSeconds: total.hostMs / 1000,
      ok: good(boot, 0) && good(total, forks),
      stop: total.stop.kind === 'exit' ? `exit ${total.stop.code}` : total.stop.kind,
    });
  }
  return { versions: files.versions, forks, profile: profile.name, modes: results, qemu: qemuTimes(forks), unavailable: null };
}

/** Runs guests/linux/qemu-reference and reads its timing line; null without QEMU or on failure. */
function qemuTimes(forks: number): QemuTimes | null {
  const r = spawnSync(join(LINUX_GUEST_DIR, 'qemu-reference'), ['--forks', String(forks), '--cache', LINUX_CACHE_DIR], { encoding: 'utf8' });
  const m = /\/init after (-?[\d.]+) s, \d+ forks done after ([\d.]+) s/.exec(r.stdout ?? '');
  return r.status === 0 && m !== null ? { initSeconds: Number(m[1]), totalSeconds: Number(m[2]) } : null;
}

/** The suite's table: modeled fork time and ratio to native beside the paper's (6.1× BT, 17.7× VT), then host times beside QEMU TCG. */
export function renderLinuxBench(r: LinuxBenchReport): string[] {
  if (r.unavailable !== null) return [`linux suite not run: ${r.unavailable}`];
  const native = r.modes.find((m) => m.mode === 'native');
  const paper = (mode: Mode): string => (mode === 'native' ? '1.0×' : mode === 'bt' ? `${(PAPER_FORKWAIT.bt / PAPER_FORKWAIT.native).toFixed(1)}×` : `${(PAPER_FORKWAIT.hw / PAPER_FORKWAIT.native).toFixed(1)}×`);
  const lines = [
    `Linux forkwait (${r.versions}; ${r.forks} forks; profile ${r.profile}) — modeled, predictions from the cost profile, not fitted to the paper`,
    'mode        forks (modeled s)  ratio to native  paper (P4, S1 §6.2)  host s to /init  host s total  result',
  ];
  for (const m of r.modes) {
    const ratio = native !== undefined && native.forkSeconds > 0 ? `${(m.forkSeconds / native.forkSeconds).toFixed(1)}×` : '—';
    lines.push(
      `${m.mode.padEnd(11)} ${m.forkSeconds.toFixed(4).padStart(17)}  ${ratio.padStart(15)}  ${paper(m.mode).padStart(19)}  ${m.bootHostSeconds.toFixed(1).padStart(15)}  ${m.totalHostSeconds.toFixed(1).padStart(12)}  ${m.ok ? 'ok' : `FAILED (${m.stop})`}`,
    );
  }
  lines.push(
    r.qemu === null
      ? 'QEMU TCG: not measured (qemu-system-i386 missing or guests/linux/qemu-reference failed)'
      : `QEMU TCG (same images, same host, this run): /init after ${r.qemu.initSeconds.toFixed(1)} s, ${r.forks} forks done after ${r.qemu.totalSeconds.toFixed(1)} s`,
  );
  return lines;
}
