/** @file The dispatch array covers the opcode table: every integer row has a handler; x87/SSE/SVM rows raise #NM/#UD. */
import { describe, expect, it } from 'vitest';
import { OPF } from '../../src/decode/instruction.ts';
import { HANDLERS, isIntegerRow, missingHandlers, undefinedOpcode } from '../../src/exec/dispatch.ts';
import { OPCODE_ROWS } from '../../src/table/opcode-table.ts';
import { createMachine, run } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

describe('dispatch', () => {
  it('every integer row of the opcode table has a handler', () => {
    expect(missingHandlers()).toEqual([]);
    const integer = OPCODE_ROWS.filter((r) => isIntegerRow(r.flags));
    expect(integer.length).toBeGreaterThan(300);
    for (const r of integer) expect(HANDLERS[r.id], r.handler).not.toBe(undefinedOpcode);
  });
  it('SSE rows raise #UD, SVM rows have the SVM handler, x87 rows #NM with CR0.EM', () => {
    for (const r of OPCODE_ROWS) {
      if ((r.flags & OPF.SSE) !== 0) expect(HANDLERS[r.id], r.handler).toBe(undefinedOpcode);
      if ((r.flags & OPF.SVM) !== 0) expect(HANDLERS[r.id], r.handler).not.toBe(undefinedOpcode);
    }
    const m = createMachine({ code: /* fld1 */ [0xd9, 0xe8] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram[0x3070] = 0xf4;
    m.cpu.cr0 |= 4; // EM
    run(m, 3);
    expect(m.cpu.counters.vectors[7]).toBe(1);
  });
  it('a LOCK prefix on a non-lockable form is #UD', () => {
    const m = createMachine({ code: /* lock nop */ [0xf0, 0x90] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram[0x3060] = 0xf4;
    run(m, 3);
    expect(m.cpu.counters.vectors[6]).toBe(1);
  });
});
