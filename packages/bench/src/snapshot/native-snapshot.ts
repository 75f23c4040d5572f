/** @file Native-mode snapshots: stop a run after N instructions and save the machine; rebuild a machine from a snapshot and run on. */
import { Board } from '@x86virt/devices';
import { archState, Cpu, InterpreterEngine, restoreCpuState, saveCpuState, type CostProfile } from '@x86virt/x86-core';
import { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions, type GuestStop } from '../machine/guest-run.ts';
import { createNativeMachine, flattenCounters, retired, runLoop, type NativeMachine } from '../machine/native.ts';
import { SNAPSHOT_VERSION, SnapshotError, type MachineSnapshot } from './snapshot-file.ts';

/** The whole native machine at an instruction boundary, as a snapshot (RAM copied). */
export function saveNativeMachine(m: NativeMachine, profile: CostProfile, ioBase: Readonly<Record<string, number>> = {}): MachineSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    mode: 'native',
    profile: profile.name,
    memMiB: m.board.guestRam.length / 0x100000,
    instructions: retired(m.cpu.counters),
    cpu: saveCpuState(m.cpu),
    board: m.board.saveState(),
    busCounts: addCounts(ioBase, m.board.bus.accessCounts()),
    monitor: null,
    memory: m.board.guestRam.slice(),
  };
}

/**
 * A native machine rebuilt from `s` (same wiring as `createNativeMachine`, nothing loaded):
 * RAM, devices, processor and counters restored; TLB and decoded-block cache start empty.
 * Throws `SnapshotError` for a snapshot of another mode or profile, or one that does not fit.
 */
export function restoreNativeMachine(s: MachineSnapshot, profile: CostProfile, serialSink: (byte: number) => void, disks?: GuestRunOptions['disks']): RestoredMachine {
  if (s.mode !== 'native') throw new SnapshotError(`snapshot of mode '${s.mode}': only native snapshots can be restored in this build`);
  if (s.profile !== profile.name) throw new SnapshotError(`snapshot taken with cost profile '${s.profile}', restoring with '${profile.name}': use --profile ${s.profile}`);
  // Disk contents are not in the snapshot: the caller gives the same disks (as they were at the save) again.
  const board = new Board({ cpuHz: Math.round(profile.hz), memMiB: s.memMiB, serialSink, ...(disks !== undefined ? { disks } : {}) });
  // The same wiring as createNativeMachine: INTR through the local APIC, IA32_APIC_BASE to the board.
  const cpu = new Cpu({ memory: board, io: board.bus, intr: board.intr, apic: board.apicMsr, cost: profile });
  board.setCycleSource(() => cpu.cycles);
  const engine = new InterpreterEngine(cpu);
  // The new board's own set-up accesses (firmware state) are not the guest's: count from the snapshot's numbers.
  const ioBase = addCounts(s.busCounts, negate(board.bus.accessCounts()));
  try {
    board.guestRam.set(s.memory);
    board.restoreState(s.board);
    restoreCpuState(cpu, s.cpu);
  } catch (e) {
    throw new SnapshotError(`corrupt snapshot: ${e instanceof Error ? e.message : String(e)}`);
  }
  engine.flushBlocks();
  // The engine's deadline is always what the board's last tick returned; asking again at that
  // same cycle gives it back without delivering anything new (a tick at the current cycle
  // could deliver a timer edge earlier than the uninterrupted run, which sees it at a block end).
  engine.setDeadline(board.tick(s.board.cycles), (now) => board.tick(now));
  return { board, cpu, engine, ioBase };
}

/** A machine rebuilt from a snapshot, and the bus counts to add to its own for the run's totals. */
export interface RestoredMachine extends NativeMachine {
  readonly ioBase: Readonly<Record<string, number>>;
}

function negate(a: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, -v]));
}

/** What a run that may stop for a snapshot came to: the run so far, and the snapshot if it reached N. */
export interface SnapshotRun {
  readonly run: GuestRun;
  /** The machine after exactly `saveAt` instructions, or null if the guest stopped first. */
  readonly snapshot: MachineSnapshot | null;
}

/** Runs `image` natively for `saveAt` instructions and saves the machine there (unless the guest stopped before). */
export function runNativeToSnapshot(image: Uint8Array, profile: CostProfile, saveAt: number, opts: GuestRunOptions = {}): SnapshotRun {
  const bytes: number[] = [];
  const m = createNativeMachine(image, profile, opts, (b) => {
    bytes.push(b);
    opts.onSerial?.(b);
  });
  const start = performance.now();
  const stop = runLoop(m, Math.min(saveAt, opts.maxInsns ?? DEFAULT_MAX_INSNS));
  const run = result(m, profile, stop, bytes, performance.now() - start, {});
  const reached = stop.kind === 'budget' && saveAt <= (opts.maxInsns ?? DEFAULT_MAX_INSNS);
  return { run, snapshot: reached ? saveNativeMachine(m, profile) : null };
}

/** Continues a native snapshot until the guest stops or `opts.maxInsns` (counted from the start of the original run) runs out. */
export function resumeNative(s: MachineSnapshot, profile: CostProfile, opts: Pick<GuestRunOptions, 'maxInsns' | 'onSerial' | 'engine' | 'disks'> = {}): GuestRun {
  const bytes: number[] = [];
  const m = restoreNativeMachine(s, profile, (b) => {
    bytes.push(b);
    opts.onSerial?.(b);
  }, opts.disks);
  if (opts.engine !== undefined) m.engine.useEngine(opts.engine);
  const start = performance.now();
  const stop = runLoop(m, opts.maxInsns ?? DEFAULT_MAX_INSNS);
  return result(m, profile, stop, bytes, performance.now() - start, m.ioBase);
}

function result(m: NativeMachine, profile: CostProfile, stop: GuestStop, bytes: readonly number[], hostMs: number, ioBase: Readonly<Record<string, number>>): GuestRun {
  return {
    mode: 'native',
    stop,
    serial: latin1(bytes),
    instructions: retired(m.cpu.counters),
    cycles: m.cpu.cycles,
    hz: profile.hz,
    hostMs,
    counters: flattenCounters(m.cpu.counters, addCounts(ioBase, m.board.bus.accessCounts())),
    arch: archState(m.cpu),
    compiledBlocks: m.engine.compiledBlocks,
  };
}

/** Per-name sums of two count maps. */
function addCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Bytes as Latin-1 text (in chunks: no argument-count limit). */
function latin1(bytes: readonly number[]): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.slice(i, i + 4096));
  return out;
}
