/** @file MockCpu-style test machine: bytes at an address in a RAM array, registers set, N instructions run, state returned. */
import { Cpu } from '../../src/cpu/cpu.ts';
import { guestMemory } from '../../src/cpu/guest-ram.ts';
import type { AccessSize, InterruptController, IoPorts } from '../../src/cpu/interfaces.ts';
import { enterFlatProtectedMode } from '../../src/cpu/reset.ts';
import { readEflags } from '../../src/cpu/eflags.ts';
import { UNIT_PROFILE, type CostProfile } from '../../src/cost/cost-profile.ts';
import { InterpreterEngine, type StopReason } from '../../src/engine/engine.ts';

/** A port/MMIO bus fake: records writes, serves reads from a map, port 0xF4 is an exit port. */
export class FakeIo implements IoPorts {
  readonly writes: { port: number; size: number; value: number }[] = [];
  readonly reads = new Map<number, number>();
  readonly mmio = new Map<number, number>();
  mmioBase = -1;
  exitCode = -1;
  portRead(port: number, size: AccessSize): number {
    const v = this.reads.get(port);
    return v === undefined ? (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff) : v;
  }
  portWrite(port: number, size: AccessSize, value: number): void {
    this.writes.push({ port, size, value });
    if (port === 0xf4) this.exitCode = value;
  }
  isMmio(addr: number): boolean {
    return this.mmioBase >= 0 && addr >= this.mmioBase && addr < this.mmioBase + 0x1000;
  }
  mmioRead(addr: number, _size: AccessSize): number {
    return this.mmio.get(addr) ?? 0;
  }
  mmioWrite(addr: number, _size: AccessSize, value: number): void {
    this.mmio.set(addr, value);
  }
  stopRequested(): boolean {
    return this.exitCode >= 0;
  }
}

/** An INTR line fake: a queue of vectors. */
export class FakePic implements InterruptController {
  readonly pending: number[] = [];
  hasInterrupt(): boolean {
    return this.pending.length > 0;
  }
  acknowledge(): number {
    return this.pending.shift()!;
  }
}

/** Options of `createMachine`. */
export interface MachineOptions {
  readonly ramSize?: number;
  /** RAM in a WebAssembly memory (`guestMemory`: bulk copies and fills through `memory.copy`/`memory.fill`), as the board allocates it; default a plain array. */
  readonly wasmRam?: boolean;
  readonly code?: readonly number[];
  readonly at?: number;
  readonly esp?: number;
  readonly regs?: Partial<Record<'eax' | 'ecx' | 'edx' | 'ebx' | 'esp' | 'ebp' | 'esi' | 'edi', number>>;
  readonly cost?: CostProfile;
}

/** A machine under test. */
export interface Machine {
  readonly cpu: Cpu;
  readonly engine: InterpreterEngine;
  readonly ram: Uint8Array;
  readonly io: FakeIo;
  readonly pic: FakePic;
}

const REG_NAMES = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;

/** Builds a flat 32-bit protected-mode machine with `code` at `at` (default 0x1000), ESP = 0x8000. */
export function createMachine(o: MachineOptions = {}): Machine {
  const memory = o.wasmRam === true ? guestMemory(o.ramSize ?? 0x100000) : { ram: new Uint8Array(o.ramSize ?? 0x100000) };
  const ram = memory.ram;
  const io = new FakeIo();
  const pic = new FakePic();
  const cpu = new Cpu({ memory, io, intr: pic, cost: o.cost ?? UNIT_PROFILE });
  const at = o.at ?? 0x1000;
  if (o.code) ram.set(o.code, at);
  enterFlatProtectedMode(cpu, { eip: at, esp: o.esp ?? 0x8000 });
  if (o.regs) {
    REG_NAMES.forEach((name, n) => {
      const v = o.regs?.[name];
      if (v !== undefined) cpu.regs[n] = v;
    });
  }
  return { cpu, engine: new InterpreterEngine(cpu), ram, io, pic };
}

/** Register file as unsigned numbers. */
export function regs(m: Machine): Record<(typeof REG_NAMES)[number], number> {
  const out = {} as Record<(typeof REG_NAMES)[number], number>;
  REG_NAMES.forEach((name, n) => {
    out[name] = m.cpu.regs[n]! >>> 0;
  });
  return out;
}

/** EFLAGS (materialized). */
export function eflags(m: Machine): number {
  return readEflags(m.cpu);
}

/** Runs `code` (flat, at 0x1000) for `n` instructions and returns the machine. */
export function exec(code: readonly number[], n: number, o: MachineOptions = {}): Machine {
  const m = createMachine({ ...o, code });
  m.engine.run(n);
  return m;
}

/** Runs the machine for up to `n` instructions. */
export function run(m: Machine, n: number): StopReason {
  return m.engine.run(n);
}

/** Little-endian dword at a physical address. */
export function peek32(m: Machine, addr: number): number {
  return (m.ram[addr]! | (m.ram[addr + 1]! << 8) | (m.ram[addr + 2]! << 16) | (m.ram[addr + 3]! << 24)) >>> 0;
}

/** Writes a little-endian dword at a physical address. */
export function poke32(m: Machine, addr: number, v: number): void {
  m.ram[addr] = v & 0xff;
  m.ram[addr + 1] = (v >>> 8) & 0xff;
  m.ram[addr + 2] = (v >>> 16) & 0xff;
  m.ram[addr + 3] = (v >>> 24) & 0xff;
}
