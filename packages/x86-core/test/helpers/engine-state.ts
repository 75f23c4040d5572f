/** @file The state two engines (interpreter, block compiler) must agree on after a run: registers, EFLAGS, cycles, counters and hashes of chosen RAM ranges. */
import { createHash } from 'node:crypto';
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
