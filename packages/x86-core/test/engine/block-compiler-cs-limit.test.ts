/** @file Compiled code and CS.limit: a hot loop, then a jump (direct, RET, JMP r32) or a fall-through past the limit — in the next page, or inside the loop's own page (where regions do not run) — faults exactly as the interpreter does. */
import { describe, expect, it } from 'vitest';
import { setSegCache } from '../../src/cpu/segmentation.ts';
import { createMachine, type Machine } from '../helpers/machine.ts';
import { cyclingBudgets, engineState, expectSameAfterRuns } from '../helpers/engine-state.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

const HANDLERS = 0x3000;
/** The #GP handler: HLT, for good (the state is compared after it). */
const GP_HANDLER = HANDLERS + 16 * 13;
const ITERATIONS = 3000;

/** mov ecx, ITERATIONS; (dec ecx; jnz −3), then `tail` — at `at`. */
function loop(tail: readonly number[]): number[] {
  return [0xb9, ITERATIONS & 0xff, ITERATIONS >>> 8, 0, 0, 0x49, 0x75, 0xfd, ...tail];
}

/** JMP rel32 from the instruction at `from` to `to`. */
function jmp(from: number, to: number): number[] {
  const rel = (to - (from + 5)) | 0;
  return [0xe9, rel & 0xff, (rel >>> 8) & 0xff, (rel >>> 16) & 0xff, rel >>> 24];
}

interface Case {
  readonly name: string;
  readonly at: number;
  readonly code: number[];
  readonly limit: number;
  /** The EIP the #GP pushes. */
  readonly faultEip: number;
  /** ESP at the fault (default 0x8000, where it starts). */
  readonly sp?: number;
}

const CASES: Case[] = [
  // The loop's page lies within the limit; the jump leaves it for a target past the limit.
  { name: 'a jump past the limit, into the next page', at: 0x1000, code: loop(jmp(0x1008, 0x2010)), limit: 0x1fff, faultEip: 0x1008 },
  // The loop ends at the limit: the next instruction would be fetched past it.
  { name: 'a fall-through past the limit, at a page boundary', at: 0x1ff6, code: loop([0x90, 0x90]), limit: 0x1fff, faultEip: 0x2000 },
  // Targets known only at run time: a RET and a JMP r32 out of the page, past the limit.
  { name: 'a return past the limit, into the next page', at: 0x1000, code: loop([0x68, 0x10, 0x20, 0, 0, 0xc3]), limit: 0x1fff, faultEip: 0x100d, sp: 0x7ffc },
  { name: 'an indirect jump past the limit, into the next page', at: 0x1000, code: loop([0xb8, 0x10, 0x20, 0, 0, 0xff, 0xe0]), limit: 0x1fff, faultEip: 0x100d },
  // The limit cuts the loop's page: a jump to its own page, past the limit.
  { name: 'a jump past the limit inside the same page', at: 0x1000, code: loop(jmp(0x1008, 0x1900)), limit: 0x17ff, faultEip: 0x1008 },
  { name: 'a fall-through past the limit inside the page', at: 0x17f6, code: loop([0x90, 0x90]), limit: 0x17ff, faultEip: 0x1800 },
];

function machine(c: Case, jitThreshold: number): Machine {
  const m = createMachine({ code: c.code, at: c.at, esp: 0x8000 });
  setupGdt(m);
  setupIdt(m, HANDLERS);
  m.ram.set([0xf4, 0xeb, 0xfd], GP_HANDLER); // hlt; jmp −3
  setSegCache(m.cpu, 1, m.cpu.segSel[1]!, 0, c.limit, m.cpu.segAttr[1]!);
  m.engine.jitThreshold = jitThreshold;
  return m;
}

const state = (m: Machine): unknown => engineState(m, { stack: [0x7f00, 0x8000] });

describe('compiled code at CS.limit', () => {
  for (const c of CASES) {
    it(`${c.name}: the #GP at the same instruction, with the same state, as the interpreter`, () => {
      for (const threshold of [1, 16]) {
        const interp = machine(c, Infinity);
        const jit = machine(c, threshold);
        expectSameAfterRuns(interp, jit, [1, 5, 100, 2000, 6000, 100000], state);
        expectSameAfterRuns(machine(c, Infinity), machine(c, threshold), cyclingBudgets(700, 13), state);
        expect(jit.engine.compiledBlocks).toBeGreaterThan(0);
        expect(jit.cpu.counters.vectors[13]).toBe(1);
        // The #GP's frame: error code 0, then the faulting EIP.
        const sp = c.sp ?? 0x8000;
        expect(jit.cpu.view.getUint32(sp - 16, true)).toBe(0);
        expect(jit.cpu.view.getUint32(sp - 12, true)).toBe(c.faultEip);
        expect(jit.cpu.halted).toBe(true);
      }
    });
  }
});
