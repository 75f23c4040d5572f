/** @file The state two engines (interpreter, block compiler) must agree on after a run: registers, EFLAGS, cycles, counters and hashes of chosen RAM ranges. */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { readEflags } from '../../src/cpu/eflags.ts';
import type { Machine } from './machine.ts';

/** SHA-256 of a byte range (hex). */
export function hashBytes(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Registers, EIP, EFLAGS, modeled cycles, retired instructions, exception vectors taken, TLB
 * misses, blocks built and invalidated, and a hash of each named RAM range `[from, to)`.
 */
export function engineState(m: Machine, ranges: Readonly<Record<string, readonly [number, number]>>): Record<string, unknown> {
  const c = m.cpu;
  const state: Record<string, unknown> = {
    regs: Array.from(c.regs),
    eip: c.eip,
    eflags: readEflags(c),
    cycles: c.cycles,
    retired: Array.from(c.counters.retired),
    vectors: Array.from(c.counters.vectors).filter((v) => v !== 0),
    tlbMisses: c.counters.tlbMisses,
    blocks: [c.counters.blocksBuilt, c.counters.blocksInvalidated],
  };
  for (const [name, [from, to]] of Object.entries(ranges)) state[name] = hashBytes(m.ram.subarray(from, to));
  return state;
}

/** Runs `interp` and `jit` for each budget in turn and expects `state` of both to agree after every run. */
export function expectSameAfterRuns(interp: Machine, jit: Machine, budgets: Iterable<number>, state: (m: Machine) => unknown): void {
  for (const budget of budgets) {
    interp.engine.run(budget);
    jit.engine.run(budget);
    expect(state(jit)).toEqual(state(interp));
  }
}

/** `count` budgets of 1, 2, …, `period` instructions, over and over: runs that stop at every kind of boundary. */
export function cyclingBudgets(count: number, period: number): number[] {
  return Array.from({ length: count }, (_, k) => 1 + (k % period));
}
