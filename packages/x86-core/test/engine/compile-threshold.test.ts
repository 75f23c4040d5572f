/** @file The engine's compile count rises with the code compiled (`COMPILED_PER_DOUBLING`, `MAX_THRESHOLD_SCALE`), and changes nothing a guest can see. */
import { describe, expect, it } from 'vitest';
import { COMPILED_PER_DOUBLING, MAX_THRESHOLD_SCALE } from '../../src/engine/engine.ts';
import { createMachine, type Machine } from '../helpers/machine.ts';

/** `n` blocks of `inc eax; jmp $+2` (each its own block), then `jmp` back to the first: one page of many hot blocks. */
function manyBlocks(n: number): number[] {
  const code: number[] = [];
  for (let k = 0; k < n; k++) code.push(0x40, 0xeb, 0x00);
  const back = -(code.length + 5);
  code.push(0xe9, back & 0xff, (back >>> 8) & 0xff, (back >>> 16) & 0xff, (back >>> 24) & 0xff);
  return code;
}

function machine(n: number, jitThreshold: number): Machine {
  const m = createMachine({ code: manyBlocks(n) });
  m.engine.jitThreshold = jitThreshold;
  return m;
}

describe('compile threshold', () => {
  it('doubles for every COMPILED_PER_DOUBLING blocks compiled, at most MAX_THRESHOLD_SCALE times', () => {
    expect(COMPILED_PER_DOUBLING).toBe(128);
    expect(MAX_THRESHOLD_SCALE).toBe(64);
    const m = machine(300, 3);
    expect(m.engine.threshold).toBe(3);
    // Two laps: every block has run twice, none is hot yet.
    m.engine.run(2 * 601);
    expect(m.engine.compiledBlocks).toBe(0);
    expect(m.engine.threshold).toBe(3);
    // The first block's third run makes it hot; the other 299 (run twice: warm) join its page's regions.
    m.engine.run(2 * 601);
    expect(m.engine.compiledBlocks).toBe(301);
    expect(m.engine.threshold).toBe(3 * 4);
  });

  it('stays at jitThreshold for a guest with little hot code, and Infinity (interp) stays Infinity', () => {
    const m = machine(10, 3);
    m.engine.run(10_000);
    expect(m.engine.compiledBlocks).toBe(11);
    expect(m.engine.threshold).toBe(3);
    const i = machine(10, Infinity);
    i.engine.run(10_000);
    expect(i.engine.threshold).toBe(Infinity);
    expect(i.engine.compiledBlocks).toBe(0);
  });

  it('the raised threshold changes no register, cycle or counter', () => {
    const jit = machine(300, 3);
    const interp = machine(300, Infinity);
    for (const m of [jit, interp]) m.engine.run(200_000);
    expect(jit.engine.threshold).toBe(12);
    expect(jit.cpu.regs[0]).toBe(interp.cpu.regs[0]);
    expect(jit.cpu.eip).toBe(interp.cpu.eip);
    expect(jit.cpu.cycles).toBe(interp.cpu.cycles);
    expect(Array.from(jit.cpu.counters.retired)).toEqual(Array.from(interp.cpu.counters.retired));
  });
});
