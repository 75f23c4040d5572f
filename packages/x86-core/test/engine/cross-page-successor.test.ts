/** @file Cached block successors in another page: followed while the fetch translation still leads to the block's page, looked up again after the guest remaps the page (INVLPG or a CR3 load, then a data read that refills the TLB entry) — interpreter and block compiler alike. */
import { describe, expect, it } from 'vitest';
import { createMachine, poke32, type Machine } from '../helpers/machine.ts';
import { cyclingBudgets, engineState, expectSameAfterRuns } from '../helpers/engine-state.ts';

/** Page directory and the page table for the first 4 MiB (identity) and the one for 4–8 MiB. */
const PD = 0x34000;
const PT0 = 0x35000;
const PT1 = 0x36000;
/** The linear page the calls go to: 0x400000 (PT1 entry 0), mapped to P1 or P2. */
const X = 0x400000;
const P1 = 0x5000;
const P2 = 0x6000;
const ROUNDS = 600;

/**
 * Page A (0x1000): 2 × ROUNDS calls to X from one CALL (one block, whose cached successor is X's
 * block), adding what they return; after the call with ECX = ROUNDS, `remap` maps X to P2. HLT.
 */
function program(remap: readonly number[]): number[] {
  const c: number[] = [0xb9, ...le(2 * ROUNDS)]; // mov ecx, 2 × ROUNDS
  const top = c.length;
  const rel = (X - (0x1000 + top + 5)) | 0;
  c.push(0xe8, ...le(rel)); // call X
  c.push(0x01, 0xc3); // add ebx, eax
  c.push(0x81, 0xf9, ...le(ROUNDS)); // cmp ecx, ROUNDS
  c.push(0x75, remap.length, ...remap); // jne over the remap
  c.push(0x49, 0x75, (top - (c.length + 3)) & 0xff); // dec ecx; jnz top
  c.push(0xf4); // hlt
  return c;
}

/** mov edx, [X]: a data read that refills X's TLB entry with the new frame before the next call fetches there. */
const READ_X = [0x8b, 0x15, ...le(X)];
/** mov dword [PT1], P2 | 3; invlpg [X]; mov edx, [X] */
const INVLPG = [0xc7, 0x05, ...le(PT1), ...le(P2 | 3), 0x0f, 0x01, 0x3d, ...le(X), ...READ_X];
/** mov dword [PT1], P2 | 3; mov eax, cr3; mov cr3, eax; mov edx, [X] */
const CR3_LOAD = [0xc7, 0x05, ...le(PT1), ...le(P2 | 3), 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, ...READ_X];

function le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

function machine(remap: readonly number[], jitThreshold: number): Machine {
  const m = createMachine({ code: program(remap), ramSize: 0x100000 });
  // X's code in P1 and in P2: mov eax, 1 / 2; ret
  m.ram.set([0xb8, 1, 0, 0, 0, 0xc3], P1);
  m.ram.set([0xb8, 2, 0, 0, 0, 0xc3], P2);
  poke32(m, PD, PT0 | 3);
  poke32(m, PD + 4, PT1 | 3);
  for (let p = 0; p < 256; p++) poke32(m, PT0 + p * 4, (p << 12) | 3);
  poke32(m, PT1, P1 | 3);
  m.cpu.cr3 = PD;
  m.cpu.cr0 |= 0x80000000;
  m.engine.jitThreshold = jitThreshold;
  return m;
}

const state = (m: Machine): unknown => engineState(m, { tables: [PT1, PT1 + 4] });

describe('cached successors in another page', () => {
  for (const [name, remap] of [['INVLPG', INVLPG], ['a CR3 load', CR3_LOAD]] as const) {
    it(`after ${name}, the calls reach the page's new code (EBX = (ROUNDS + 1) × 1 + (ROUNDS − 1) × 2), as the interpreter`, () => {
      for (const threshold of [Infinity, 1, 64]) {
        const m = machine(remap, threshold);
        m.engine.run(100_000);
        expect(m.cpu.halted).toBe(true);
        expect(m.cpu.regs[3]).toBe(3 * ROUNDS - 1);
      }
      expectSameAfterRuns(machine(remap, Infinity), machine(remap, 1), [1, 7, 100, 3000, 100_000], state);
      expectSameAfterRuns(machine(remap, Infinity), machine(remap, 4), cyclingBudgets(2000, 11), state);
    });
  }
});
