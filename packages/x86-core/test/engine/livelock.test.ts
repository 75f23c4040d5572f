/** @file Exceptions with no progress: a handler that faults at its first instruction ends `run()` (`livelock`); a long REP that faults page after page does not. */
import { describe, expect, it } from 'vitest';
import { VECTOR } from '../../src/cpu/fault.ts';
import { LIVELOCK_DELIVERIES } from '../../src/engine/engine.ts';
import { createMachine, poke32 } from '../helpers/machine.ts';
import { SEL, setupGdt, setupIdt, TABLES, writeGate } from '../helpers/protected-mode.ts';

describe('exceptions that retire nothing', () => {
  it('a handler that faults at its first instruction ends run() with a report', () => {
    // mov ds, ax with AX = 0x1234 (past the GDT limit): #GP — and every handler is that same instruction.
    const code = [0x8e, 0xd8];
    // The stack below the code: the pushes of the deliveries never reach it.
    const m = createMachine({ code, regs: { eax: 0x1234, esp: 0x800 } });
    setupGdt(m);
    setupIdt(m, 0x1000, 32);
    for (let v = 0; v < 32; v++) writeGate(m, TABLES.IDT + v * 8, SEL.CODE0, 0x1000, 0x8e);
    const r = m.engine.run(1000);
    expect(r).toEqual({ kind: 'livelock', vector: 13, eip: 0x1000, deliveries: LIVELOCK_DELIVERIES });
    expect(m.cpu.counters.vectors[13]).toBe(LIVELOCK_DELIVERIES);
    expect(Array.from(m.cpu.counters.retired)).toEqual([0, 0, 0, 0]);
  });

  it('a REP STOSD whose every page faults (a monitor mapping each) moves EDI: no livelock, however many faults', () => {
    // rep stosd of 64 pages at 0x100000, each not present until the #PF (claimed by the host) maps it; hlt.
    const code = [0xbf, 0x00, 0x00, 0x10, 0x00, 0xb9, 0x00, 0x00, 0x01, 0x00, 0xf3, 0xab, 0xf4];
    const m = createMachine({ code, ramSize: 0x200000 });
    poke32(m, 0x34000, 0x35000 | 3);
    for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, p < 0x100 ? (p << 12) | 3 : 0);
    m.cpu.cr3 = 0x34000;
    m.cpu.cr0 |= 0x80000000;
    m.cpu.hostSink = (v) => v === VECTOR.PF;
    m.engine.livelockLimit = 8;
    let faults = 0;
    for (let k = 0; k < 200 && !m.cpu.halted; k++) {
      const r = m.engine.run(1000);
      expect(r.kind).not.toBe('livelock');
      if (r.kind === 'host') {
        faults++;
        const page = m.cpu.cr2 >>> 12;
        poke32(m, 0x35000 + page * 4, (page << 12) | 3);
        m.cpu.tlb.flushAll();
      }
    }
    expect(m.cpu.halted).toBe(true);
    expect(faults).toBe(64);
    expect(m.cpu.regs[7]).toBe(0x140000);
    expect(Array.from(m.cpu.counters.retired)).toEqual([4, 0, 0, 0]);
  });
});
