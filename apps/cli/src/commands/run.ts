/** @file `x86virt run IMAGE`: boots a kernel in one mode; serial to stdout; exit status from the guest's exit port. */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  decodeSnapshot,
  encodeSnapshot,
  loadProfile,
  resumeNative,
  runGuest,
  runNativeToSnapshot,
  SnapshotError,
  toCostProfile,
  type GuestRun,
  type GuestStop,
  type Mode,
} from '@x86virt/bench';
import { isBzImage, MAX_MEM_MIB, MIN_MEM_MIB, MULTIBOOT_INFO, type Board } from '@x86virt/devices';
import type { CostProfile, EngineKind } from '@x86virt/x86-core';
import { openDisks, type RunDisks } from '../disk-file.ts';
import { UsageError } from '../errors.ts';
import { TextDisplay } from '../text-display.ts';
import { StdinSource } from '../serial-input.ts';
import { NO_SERIAL_INPUT, pumpKeys } from '../terminal-keyboard.ts';

/** Options of `x86virt run`, as parsed. */
export interface RunOptions {
  readonly mode: 'native' | 'bt' | 'hw';
  readonly mmu: 'shadow' | 'nested';
  readonly mem: number;
  readonly cmdline: string;
  readonly maxInsns: number;
  /** `--engine interp|jit` (default: the block compiler). */
  readonly engine?: EngineKind;
  readonly stats?: string;
  readonly profile: CostProfile;
  /** `--save-at N FILE`, as given (validated by `runCommand`). */
  readonly saveAt?: readonly string[];
  /** `--restore FILE`. */
  readonly restore?: string;
  /** `--kernel FILE`: the kernel (a bzImage or a multiboot image), instead of the IMAGE argument. */
  readonly kernel?: string;
  /** `--initrd FILE`: an initrd for a Linux bzImage. */
  readonly initrd?: string;
  /** `--disk FILE` (repeatable): raw images for the primary IDE master, then slave. */
  readonly disk?: readonly string[];
  /** `--snapshot`: disk writes go to an overlay that is discarded. */
  readonly snapshot?: boolean;
  /** `--display text`: draw the CGA text screen on stderr (live on a terminal, and at the end); stdin goes to the keyboard. */
  readonly display?: 'text';
}

/**
 * Process exit statuses of `run` for stops that are not a guest exit. A guest exit code v
 * gives status v & 0xff (so these values are ambiguous with a guest that exits with them:
 * `--stats` records the exact stop).
 */
export const RUN_STATUS = { budget: 124, shutdown: 125, hung: 126, reset: 0, quit: 130 } as const;

/** The process exit status for a guest stop. */
export function statusOf(stop: GuestStop): number {
  switch (stop.kind) {
    case 'exit':
      return stop.code & 0xff;
    case 'reset':
      return RUN_STATUS.reset;
    case 'budget':
      return RUN_STATUS.budget;
    case 'shutdown':
      return RUN_STATUS.shutdown;
    case 'hung':
      return RUN_STATUS.hung;
  }
}

/** One line describing a stop that is not a clean exit, for stderr. */
export function describeStop(stop: GuestStop): string | null {
  switch (stop.kind) {
    case 'exit':
      return null;
    case 'reset':
      return 'guest reset the machine (8042 reset line)';
    case 'budget':
      return `stopped after --max-insns ${stop.maxInsns} instructions: the guest did not exit`;
    case 'shutdown':
      return `guest shut down the processor: ${stop.reason}`;
    case 'hung':
      return `guest hung: ${stop.reason}`;
  }
}

/** Runs the command; returns the process exit status. */
export function runCommand(image: string | undefined, o: RunOptions, err: (line: string) => void): number {
  checkRunOptions(o);
  if (o.restore !== undefined) {
    if (image !== undefined) throw new UsageError('--restore continues a saved machine: give no IMAGE with it');
    if (o.saveAt !== undefined) throw new UsageError('--save-at and --restore cannot be combined');
    return restoreCommand(o.restore, o, err);
  }
  if (image !== undefined && o.kernel !== undefined) throw new UsageError('give the kernel either as IMAGE or as --kernel FILE, not both');
  image ??= o.kernel;
  if (image === undefined) throw new UsageError("missing required argument 'image' (or --kernel FILE, or --restore FILE)");
  const bytes = readInput(image, 'image');
  const initrd = o.initrd !== undefined ? readInput(o.initrd, 'initrd') : undefined;
  if (initrd !== undefined && !isBzImage(bytes)) throw new UsageError(`--initrd needs a Linux bzImage kernel, and '${image}' is not one (no "HdrS" setup header)`);
  const mode: Mode = o.mode === 'hw' ? (o.mmu === 'nested' ? 'hw-nested' : 'hw-shadow') : o.mode;
  const serial = serialWriter();
  if (o.saveAt !== undefined) {
    const [n, file] = saveAtArgs(o.saveAt);
    if (initrd !== undefined) throw new UsageError('--save-at does not take --initrd yet: snapshots cover multiboot guests');
    if (mode !== 'native') throw new UsageError(`--save-at: snapshots exist for native mode only so far, not '${mode}'`);
    // The snapshot holds no disk contents: the image files, written through, are the disks' state at N.
    if (o.snapshot === true) throw new UsageError('--save-at cannot take --snapshot: the overlay would be lost, and --restore needs the disks as they were at the save');
    const saveDisks = o.disk !== undefined ? openDisks(o.disk, false) : null;
    let r: ReturnType<typeof runNativeToSnapshot>;
    try {
      r = runNativeToSnapshot(bytes, o.profile, n, {
        ...(saveDisks !== null ? { disks: { master: saveDisks.master, slave: saveDisks.slave } } : {}),
        cmdline: o.cmdline,
        memMiB: o.mem,
        maxInsns: o.maxInsns,
        ...(o.engine !== undefined ? { engine: o.engine } : {}),
        onSerial: serial.push,
      });
    } finally {
      saveDisks?.close();
    }
    serial.flush();
    if (r.snapshot === null) {
      err(`x86virt: no snapshot written: the guest stopped before instruction ${n} (${r.run.stop.kind})`);
      if (o.stats !== undefined) writeStats(o.stats, r.run, o.profile);
      return statusOf(r.run.stop);
    }
    try {
      writeFileSync(file, encodeSnapshot(r.snapshot));
    } catch (e) {
      throw new Error(`cannot write snapshot '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    err(`x86virt: saved the machine after ${n} instructions to ${file}; continue with: x86virt run --restore ${file}`);
    if (o.stats !== undefined) writeStats(o.stats, r.run, o.profile);
    return 0;
  }
  // stdin goes to COM1, or with --display text to the keyboard (the 8042). A Linux kernel or the
  // keyboard gets a raw terminal (keys as typed, Ctrl-C included; Ctrl-A x quits).
  const display = o.display === 'text' ? new TextDisplay() : null;
  let disks: RunDisks | null = null;
  const input = new StdinSource(isBzImage(bytes) || display !== null, () => {
    serial.flush();
    display?.finish();
    disks?.close();
    process.stderr.write('\nx86virt: quit (Ctrl-A x)\n');
    process.exit(RUN_STATUS.quit);
  });
  let result: GuestRun;
  if (o.snapshot === true && o.disk === undefined) {
    input.close();
    throw new UsageError('--snapshot needs --disk FILE');
  }
  // With the display, the board's host poll (every device deadline) types the waiting keys and redraws the screen.
  const attachDisplay = (b: Board): void => {
    display?.attach(b);
    b.setHostPoll(() => {
      pumpKeys(input, b);
      display?.poll();
    });
  };
  try {
    if (o.disk !== undefined) disks = openDisks(o.disk, o.snapshot === true);
    result = runGuest(mode, bytes, o.profile, {
      ...(disks !== null ? { disks: { master: disks.master, slave: disks.slave } } : {}),
      ...(display !== null ? { onBoard: attachDisplay } : {}),
      cmdline: o.cmdline,
      memMiB: o.mem,
      maxInsns: o.maxInsns,
      ...(initrd !== undefined ? { initrd } : {}),
      serialInput: display !== null ? NO_SERIAL_INPUT : input,
      ...(o.engine !== undefined ? { engine: o.engine } : {}),
      onSerial: serial.push,
    });
  } finally {
    input.close();
    // However the run ended (exit, guest crash, host error), the image files are flushed and closed.
    disks?.close();
  }
  serial.flush();
  display?.finish();
  return finish(result, o, err);
}

/** `x86virt run --restore FILE`: rebuilds the saved machine and runs it on. */
function restoreCommand(file: string, o: RunOptions, err: (line: string) => void): number {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read snapshot '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const snap = decodeSnapshot(bytes);
  const serial = serialWriter();
  // The disks the saved run had (`--disk` again, in the same order; `--snapshot` puts an overlay on them).
  const disks = o.disk !== undefined ? openDisks(o.disk, o.snapshot === true) : null;
  let result: GuestRun;
  try {
    result = resumeNative(snap, snap.profile === o.profile.name ? o.profile : profileFor(snap.profile), {
      maxInsns: o.maxInsns,
      ...(o.engine !== undefined ? { engine: o.engine } : {}),
      ...(disks !== null ? { disks: { master: disks.master, slave: disks.slave } } : {}),
      onSerial: serial.push,
    });
  } finally {
    disks?.close();
  }
  serial.flush();
  return finish(result, o, err);
}

/** The cost profile a snapshot was taken with (the modeled clock must go on at the same rates). */
function profileFor(name: string): CostProfile {
  try {
    return toCostProfile(loadProfile(name));
  } catch (e) {
    throw new SnapshotError(`snapshot taken with cost profile '${name}', which this build does not have (${(e as Error).message})`);
  }
}

/** The bytes of a file the user named, or a usage error saying why they cannot be read. */
function readInput(file: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read ${what} '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `--save-at N FILE` → [N, FILE]; a usage error otherwise. */
function saveAtArgs(args: readonly string[]): [number, string] {
  if (args.length !== 2) throw new UsageError(`--save-at takes two values, N and FILE; got ${args.length}`);
  const n = /^\d+$/.test(args[0]!) ? Number(args[0]) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--save-at: '${args[0]}' is not a positive instruction count`);
  return [n, args[1]!];
}

/** Serial bytes to stdout, a line (or 4 KiB) at a time. */
function serialWriter(): { push: (b: number) => void; flush: () => void } {
  const out: number[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(Buffer.from(out));
    out.length = 0;
  };
  return {
    push: (b) => {
      out.push(b);
      if (b === 10 || out.length >= 4096) flush();
    },
    flush,
  };
}

/** The stop report, `--stats`, and the exit status of a finished run. */
function finish(result: GuestRun, o: RunOptions, err: (line: string) => void): number {
  const why = describeStop(result.stop);
  if (why !== null) err(`x86virt: ${why}`);
  if (o.stats !== undefined) writeStats(o.stats, result, o.profile);
  return statusOf(result.stop);
}

/** Refuses option values the machine cannot take, as usage errors (status 2), before anything runs. */
export function checkRunOptions(o: Pick<RunOptions, 'mem' | 'cmdline'>): void {
  if (!Number.isInteger(o.mem) || o.mem < MIN_MEM_MIB || o.mem > MAX_MEM_MIB) {
    throw new UsageError(`--mem ${o.mem}: guest RAM must be ${MIN_MEM_MIB}..${MAX_MEM_MIB} MiB`);
  }
  if (o.cmdline.length > MULTIBOOT_INFO.MAX_CMDLINE_BYTES) {
    throw new UsageError(`--cmdline is ${o.cmdline.length} bytes long: the multiboot loader takes at most ${MULTIBOOT_INFO.MAX_CMDLINE_BYTES}`);
  }
}

function writeStats(target: string, r: GuestRun, profile: CostProfile): void {
  const { serial: _serial, ...rest } = r;
  const json = `${JSON.stringify({ ...rest, profile: profile.name, seconds: r.cycles / r.hz, mips: r.instructions / (r.hostMs * 1000) }, null, 2)}\n`;
  if (target === '-') process.stderr.write(json);
  else writeFileSync(target, json);
}
