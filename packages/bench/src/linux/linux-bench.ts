/** @file `x86virt bench --suite linux`: forkwait on Debian's Linux in each mode, its modeled slowdown beside the paper's, and host time beside QEMU TCG. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { CostProfile } from '@x86virt/x86-core';
import type { Board } from '@x86virt/devices';
import { runGuest } from '../machine/run-guest.ts';
import { PAPER_FORKWAIT, type Mode } from '../paper.ts';
import { forkwaitCmdline, LINUX_CACHE_DIR, LINUX_GUEST_DIR, LINUX_MEM_MIB, maskLinuxLog, prepareLinuxGuest } from './linux-guest.ts';

/** Forks per run: full and quick. */
export const LINUX_FORKS = { full: 1000, quick: 20 } as const;

/** Instruction budget of one Linux run. */
const MAX_INSNS = 40_000_000_000;

/** A point of the run, taken when the serial output reaches a marker line: modeled cycles and host seconds since the run began. */
export interface LinuxMark {
  readonly cycles: number;
  readonly hostSeconds: number;
}

/**
 * One mode's run: boot, /init, forkwait, exit. The forks are timed between two lines of the
 * serial output — /init's "init: workload forkwait" (printed just before it runs forkwait) and
 * forkwait's own "forkwait N" (printed after the last child was reaped) — in modeled cycles and
 * in host time; the boot is timed to the kernel's "Run /init" line.
 */
export interface LinuxModeResult {
  readonly mode: Mode;
  /** Kernel hands over to /init; forkwait starts; forkwait has finished. Null: never reached. */
  readonly init: LinuxMark | null;
  readonly forksStart: LinuxMark | null;
  readonly forksEnd: LinuxMark | null;
  /** Modeled seconds of the forks alone. */
  readonly forkSeconds: number;
  /** Host seconds of the whole run. */
  readonly totalHostSeconds: number;
  /** Guest instructions of the whole run. */
  readonly instructions: number;
  /** The run ended with exit code 0 and printed "forkwait N". */
  readonly ok: boolean;
  readonly stop: string;
}

/** QEMU TCG's host times for the same images (guests/linux/qemu-reference), when QEMU is installed. */
export interface QemuTimes {
  readonly initSeconds: number;
  readonly forkSeconds: number;
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

/** The serial lines that mark the phases of a run. */
const MARKS = { init: 'Run /init as init process\n', forksStart: 'init: workload forkwait\n' } as const;

/** Runs forkwait with `forks` iterations once in each of `modes` (in this thread), and QEMU's reference if installed. */
export function runLinuxBench(profile: CostProfile, modes: readonly Mode[], quick: boolean, log: (line: string) => void = () => {}): LinuxBenchReport {
  const forks = quick ? LINUX_FORKS.quick : LINUX_FORKS.full;
  const files = prepareLinuxGuest();
  if (!files.ok) return { versions: '', forks, profile: profile.name, modes: [], qemu: null, unavailable: files.reason };
  const results: LinuxModeResult[] = [];
  for (const mode of modes) {
    log(`linux: ${mode}: boot, /init, ${forks} forks…`);
    const r = runMode(mode, files.kernel, files.initrd, profile, forks, log);
    results.push(r);
    log(`linux: ${mode}: ${r.ok ? 'ok' : `FAILED (${r.stop})`}; forks ${r.forkSeconds.toFixed(4)} modeled s, ${between(r.forksStart, r.forksEnd)} host s; run ${r.totalHostSeconds.toFixed(1)} host s`);
  }
  return { versions: files.versions, forks, profile: profile.name, modes: results, qemu: qemuTimes(forks), unavailable: null };
}

/** One boot in `mode`, with the marks taken from the serial output as it is written. */
function runMode(mode: Mode, kernel: Uint8Array, initrd: Uint8Array, profile: CostProfile, forks: number, log: (line: string) => void): LinuxModeResult {
  const endLine = `forkwait ${forks}\n`;
  let board: Board | null = null;
  let tail = '';
  const marks: { init: LinuxMark | null; forksStart: LinuxMark | null; forksEnd: LinuxMark | null } = { init: null, forksStart: null, forksEnd: null };
  const start = performance.now();
  const mark = (): LinuxMark => ({ cycles: board?.now() ?? 0, hostSeconds: (performance.now() - start) / 1000 });
  const onSerial = (byte: number): void => {
    if (byte === 13) return;
    tail = (tail + String.fromCharCode(byte)).slice(-64);
    if (byte !== 10) return;
    if (marks.init === null && tail.endsWith(MARKS.init)) {
      marks.init = mark();
      log(`linux: ${mode}: /init after ${marks.init.hostSeconds.toFixed(1)} s`);
    } else if (marks.forksStart === null && tail.endsWith(MARKS.forksStart)) marks.forksStart = mark();
    else if (marks.forksStart !== null && marks.forksEnd === null && tail.endsWith(`\n${endLine}`)) marks.forksEnd = mark();
  };
  const run = runGuest(mode, kernel, profile, {
    cmdline: forkwaitCmdline(forks), initrd, memMiB: LINUX_MEM_MIB, maxInsns: MAX_INSNS, onSerial,
    onBoard: (b) => {
      board = b;
    },
  });
  const { init, forksStart, forksEnd } = marks;
  const ok = run.stop.kind === 'exit' && run.stop.code === 0 && maskLinuxLog(run.serial).includes(`\n${endLine}`) && forksStart !== null && forksEnd !== null;
  return {
    mode, init, forksStart, forksEnd,
    forkSeconds: forksStart !== null && forksEnd !== null ? (forksEnd.cycles - forksStart.cycles) / profile.hz : 0,
    totalHostSeconds: run.hostMs / 1000,
    instructions: run.instructions,
    ok,
    stop: run.stop.kind === 'exit' ? `exit ${run.stop.code}` : run.stop.kind,
  };
}

/** Runs guests/linux/qemu-reference and reads its timing line; null without QEMU or on failure. */
function qemuTimes(forks: number): QemuTimes | null {
  const r = spawnSync(join(LINUX_GUEST_DIR, 'qemu-reference'), ['--forks', String(forks), '--cache', LINUX_CACHE_DIR], { encoding: 'utf8' });
  const m = /\/init after (-?[\d.]+) s, \d+ forks done after ([\d.]+) s \(forks alone (-?[\d.]+) s\)/.exec(r.stdout ?? '');
  return r.status === 0 && m !== null ? { initSeconds: Number(m[1]), totalSeconds: Number(m[2]), forkSeconds: Number(m[3]) } : null;
}

/** Host seconds between two marks, or a dash. */
function between(a: LinuxMark | null, b: LinuxMark | null): string {
  return a !== null && b !== null ? (b.hostSeconds - a.hostSeconds).toFixed(1) : '—';
}

/** The suite's table: modeled fork time and ratio to native beside the paper's (6.1× BT, 17.7× VT), then host times beside QEMU TCG. */
export function renderLinuxBench(r: LinuxBenchReport): string[] {
  if (r.unavailable !== null) return [`linux suite not run: ${r.unavailable}`];
  const native = r.modes.find((m) => m.mode === 'native');
  // The paper's VT ran with shadow paging only (nested paging was its proposed next step): no ratio for hw-nested.
  const paper = (mode: Mode): string =>
    mode === 'native' ? '1.0×' : mode === 'bt' ? `${(PAPER_FORKWAIT.bt / PAPER_FORKWAIT.native).toFixed(1)}×` : mode === 'hw-shadow' ? `${(PAPER_FORKWAIT.hw / PAPER_FORKWAIT.native).toFixed(1)}×` : '—';
  const lines = [
    `Linux forkwait (${r.versions}; ${r.forks} forks; profile ${r.profile}) — modeled, predictions from the cost profile, not fitted to the paper`,
    'mode        forks (modeled s)  ratio to native  paper (P4, §6.2)  host s to /init  host s forks  host s total  guest MIPS  result',
  ];
  for (const m of r.modes) {
    const ratio = native !== undefined && native.forkSeconds > 0 && m.forkSeconds > 0 ? `${(m.forkSeconds / native.forkSeconds).toFixed(1)}×` : '—';
    const mips = m.totalHostSeconds > 0 ? (m.instructions / m.totalHostSeconds / 1e6).toFixed(1) : '—';
    lines.push(
      `${m.mode.padEnd(11)} ${(m.forkSeconds > 0 ? m.forkSeconds.toFixed(4) : '—').padStart(17)}  ${ratio.padStart(15)}  ${paper(m.mode).padStart(16)}  ${(m.init !== null ? m.init.hostSeconds.toFixed(1) : '—').padStart(15)}  ${between(m.forksStart, m.forksEnd).padStart(12)}  ${m.totalHostSeconds.toFixed(1).padStart(12)}  ${mips.padStart(10)}  ${m.ok ? 'ok' : `FAILED (${m.stop})`}`,
    );
  }
  lines.push(
    r.qemu === null
      ? 'QEMU TCG: not measured (qemu-system-i386 missing or guests/linux/qemu-reference failed)'
      : `QEMU TCG (same images, same host, this run): /init after ${r.qemu.initSeconds.toFixed(1)} s, ${r.forks} forks in ${r.qemu.forkSeconds.toFixed(1)} s, done after ${r.qemu.totalSeconds.toFixed(1)} s`,
  );
  return lines;
}
