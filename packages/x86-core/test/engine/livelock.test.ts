/** @file A guest whose exception handler faults at its first instruction, for ever: `run()` returns (`livelock`) instead of spinning without retiring. */
import { describe, expect, it } from 'vitest';
import { LIVELOCK_DELIVERIES } from '../../src/engine/engine.ts';
import { createMachine } from '../helpers/machine.ts';
import { SEL, setupGdt, setupIdt, TABLES, writeGate } from '../helpers/protected-mode.ts';

describe('an exception loop that retires nothing', () => {
  it('ends run() with a report', () => {
    // mov ds, ax with AX = 0x1234 (past the GDT limit): #GP — and every #GP handler is that same instruction.
    const code = [0x8e, 0xd8];
    // The stack below the code: the pushes of the deliveries never reach it.
    const m = createMachine({ code, regs: { eax: 0x1234, esp: 0x800 } });
    setupGdt(m);
    setupIdt(m, 0x1000, 32);
    for (let v = 0; v < 32; v++) writeGate(m, TABLES.IDT + v * 8, SEL.CODE0, 0x1000, 0x8e);
    const r = m.engine.run(1000);
    expect(r).toEqual({ kind: 'livelock', vector: 13, eip: 0x1000 });
    expect(m.cpu.counters.vectors[13]).toBe(LIVELOCK_DELIVERIES);
    expect(Array.from(m.cpu.counters.retired)).toEqual([0, 0, 0, 0]);
  });
});
