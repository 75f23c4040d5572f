/** @file Native mode: the guest owns the silicon — a board, a processor, the interpreter engine, and the run loop. */
import { Board, HALT_STARVED, MAX_HALT_DEADLINES } from '@x86virt/devices';
import { archState, Cpu, DEFAULT_ENGINE, describeLivelock, InterpreterEngine, loadEntryState, type CostProfile, type CpuCounters } from '@x86virt/x86-core';
import { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions, type GuestStop } from './guest-run.ts';

/** A guest on bare silicon: the devices board, the processor and its engine. */
export interface NativeMachine {
  readonly board: Board;
  readonly cpu: Cpu;
  readonly engine: InterpreterEngine;
}

/**
 * Builds the machine for `image` (a multiboot ELF kernel): board with `memMiB` of RAM at the
 * profile's clock, kernel loaded, processor in the multiboot hand-over state. Throws the
 * devices' `ImageError` (one-line message) for a bad image.
 */
export function createNativeMachine(image: Uint8Array, profile: CostProfile, opts: GuestRunOptions, serialSink: (byte: number) => void): NativeMachine {
  const board = new Board({
    cpuHz: Math.round(profile.hz), memMiB: opts.memMiB ?? 64, serialSink,
    ...(opts.serialInput !== undefined ? { serialSource: opts.serialInput } : {}),
    ...(opts.disks !== undefined ? { disks: opts.disks } : {}),
  });
  opts.onBoard?.(board);
  const load = board.loadKernel(image, { cmdline: opts.cmdline ?? '', ...(opts.initrd !== undefined ? { initrd: opts.initrd } : {}) });
  // INTR/INTA through the local APIC, which passes the 8259A pair on in virtual-wire mode.
  const cpu = new Cpu({ memory: board, io: board.bus, intr: board.intr, apic: board.apicMsr, cost: profile });
  board.setCycleSource(() => cpu.cycles);
  loadEntryState(cpu, load.state);
  const engine = new InterpreterEngine(cpu);
  engine.useEngine(opts.engine ?? DEFAULT_ENGINE);
  engine.setDeadline(board.tick(0), (now) => board.tick(now));
  return { board, cpu, engine };
}

/** Instructions run per `engine.run` call: small enough to notice the budget promptly. */
const SLICE = 1 << 22;

/** Runs `image` natively until it exits, resets, shuts down, hangs or uses up its budget. */
export function runNative(image: Uint8Array, profile: CostProfile, opts: GuestRunOptions = {}): GuestRun {
  const bytes: number[] = [];
  const sink = (b: number): void => {
    bytes.push(b);
    opts.onSerial?.(b);
  };
  const m = createNativeMachine(image, profile, opts, sink);
  const start = performance.now();
  const stop = runLoop(m, opts.maxInsns ?? DEFAULT_MAX_INSNS);
  const hostMs = performance.now() - start;
  return {
    mode: 'native',
    stop,
    serial: Buffer.from(bytes).toString('latin1'),
    instructions: retired(m.cpu.counters),
    cycles: m.cpu.cycles,
    hz: profile.hz,
    hostMs,
    counters: flattenCounters(m.cpu.counters, m.board.bus.accessCounts()),
    arch: archState(m.cpu),
    compiledBlocks: m.engine.compiledBlocks,
  };
}

/** The run loop shared by native mode: slices of the engine, virtual time on HLT, device stop requests. */
export function runLoop(m: NativeMachine, maxInsns: number): GuestStop {
  const { board, cpu, engine } = m;
  const tick = (now: number): number => board.tick(now);
  // Device deadlines waited through while halted since the last retired instruction.
  let haltWaits = 0;
  let retiredAtHalt = -1;
  for (;;) {
    const done = retired(cpu.counters);
    if (done >= maxInsns) return { kind: 'budget', maxInsns };
    const stop = engine.run(Math.min(SLICE, maxInsns - done));
    switch (stop.kind) {
      case 'budget':
      case 'deadline':
        continue;
      case 'stop-requested':
        if (board.stopReason === 'exit') return { kind: 'exit', code: board.exitCode ?? 0 };
        if (board.stopReason === 'reset') return { kind: 'reset' };
        continue;
      case 'shutdown':
        return { kind: 'shutdown', reason: stop.reason };
      case 'livelock':
        return { kind: 'hung', reason: describeLivelock(stop) };
      case 'halted': {
        if (!stop.interruptsEnabled) return { kind: 'hung', reason: 'HLT with interrupts disabled' };
        const now = retired(cpu.counters);
        if (now !== retiredAtHalt) {
          retiredAtHalt = now;
          haltWaits = 0;
        }
        if (++haltWaits > MAX_HALT_DEADLINES) return { kind: 'hung', reason: HALT_STARVED };
        // Waiting for an interrupt: jump the modeled clock to the next device deadline.
        const next = board.tick(cpu.cycles);
        if (!Number.isFinite(next)) return { kind: 'hung', reason: 'HLT with no device deadline left to wake it' };
        cpu.cycles = Math.max(cpu.cycles, next);
        engine.setDeadline(board.tick(cpu.cycles), tick);
        continue;
      }
      case 'host':
        return { kind: 'shutdown', reason: `unexpected host event (vector ${stop.vector}) in native mode` };
    }
  }
}

/** Guest instructions retired at all CPLs. */
export function retired(c: CpuCounters): number {
  return c.retired[0]! + c.retired[1]! + c.retired[2]! + c.retired[3]!;
}

/** The silicon's and the bus's counters as one flat map (zero entries left out). */
export function flattenCounters(c: CpuCounters, io: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (let cpl = 0; cpl < 4; cpl++) if (c.retired[cpl]) out[`insn.cpl${cpl}`] = c.retired[cpl]!;
  for (let v = 0; v < 256; v++) if (c.vectors[v]) out[`vector.${v}`] = c.vectors[v]!;
  for (const [k, v] of Object.entries(c)) if (typeof v === 'number' && v !== 0) out[`cpu.${k}`] = v;
  for (const [k, v] of Object.entries(io)) if (v !== 0) out[`io.${k}`] = v;
  return out;
}
