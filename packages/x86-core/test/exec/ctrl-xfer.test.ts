/** @file Control transfer: IRET with EFLAGS.NT=1 (task return): the back-link checks that precede the (unmodelled) task switch. */
import { describe, expect, it } from 'vitest';
import { createMachine, peek32, poke32, run, type Machine } from '../helpers/machine.ts';
import { gdtEntry, SEL, setupGdt, setupIdt, TABLES } from '../helpers/protected-mode.ts';

/** pushfd; or dword [esp], 0x4000; popfd; iretd — IRET with NT=1 at 0x1009. */
const IRET_NT = [0x9c, 0x81, 0x0c, 0x24, 0x00, 0x40, 0x00, 0x00, 0x9d, 0xcf];

/** Runs IRET_NT with `link` in the current TSS's back-link field; returns the machine halted in the exception handler. */
function iretNt(link: number, prepare?: (m: Machine) => void): Machine {
  const m = createMachine({ code: IRET_NT });
  setupGdt(m);
  setupIdt(m, 0x3000);
  for (let v = 0; v < 32; v++) m.ram[0x3000 + 16 * v] = 0xf4; // hlt in every exception handler
  poke32(m, TABLES.TSS, link);
  prepare?.(m);
  run(m, 10);
  return m;
}

/** The error code pushed by the exception (below EIP/CS/EFLAGS on the ring-0 stack). */
function errorCode(m: Machine): number {
  return peek32(m, 0x8000 - 16);
}

describe('IRET with NT=1', () => {
  it('a back link past the GDT limit is #TS(selector), at the IRET', () => {
    const m = iretNt(0x100);
    expect(m.cpu.counters.vectors[10]).toBe(1);
    expect(errorCode(m)).toBe(0x100);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1009);
    expect(peek32(m, 0x8000 - 4) & 0x4000).toBe(0x4000); // NT in the pushed EFLAGS
  });
  it('a back link in the LDT (TI=1) is #TS(selector)', () => {
    const m = iretNt(0x0c);
    expect(m.cpu.counters.vectors[10]).toBe(1);
    expect(errorCode(m)).toBe(0x0c);
  });
  it('a back link to a data segment is #TS(selector)', () => {
    const m = iretNt(SEL.DATA0);
    expect(m.cpu.counters.vectors[10]).toBe(1);
    expect(errorCode(m)).toBe(SEL.DATA0);
  });
  it('a back link to an available (not busy) TSS is #TS(selector)', () => {
    const m = iretNt(SEL.FREE1, (mm) => gdtEntry(mm, SEL.FREE1, 0x23000, 0x67, 0x89, 0));
    expect(m.cpu.counters.vectors[10]).toBe(1);
    expect(errorCode(m)).toBe(SEL.FREE1);
  });
  it('a back link to a not-present busy TSS is #NP(selector)', () => {
    const m = iretNt(SEL.FREE1, (mm) => gdtEntry(mm, SEL.FREE1, 0x23000, 0x67, 0x0b, 0));
    expect(m.cpu.counters.vectors[11]).toBe(1);
    expect(errorCode(m)).toBe(SEL.FREE1);
  });
  it('a valid back link would switch tasks, which is not modelled: #GP(0)', () => {
    const m = iretNt(SEL.FREE1, (mm) => gdtEntry(mm, SEL.FREE1, 0x23000, 0x67, 0x8b, 0));
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(errorCode(m)).toBe(0);
  });
});
