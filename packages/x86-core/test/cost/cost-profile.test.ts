/** @file The modeled clock: per-class instruction cycles, memory-operand surcharge, event costs, counters. */
import { describe, expect, it } from 'vitest';
import { INSN_CLASS, UNIT_PROFILE, type CostProfile } from '../../src/cost/cost-profile.ts';
import { classOfRow } from '../../src/cost/insn-class.ts';
import { decode } from '../../src/decode/decoder.ts';
import { createMachine, regs, run } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

const PROFILE: CostProfile = {
  name: 'test',
  hz: 1e9,
  insnCycles: [1, 10, 40, 2, 50, 3, 20, 100, 4, 1, 6],
  memOperand: 5,
  exception: 300,
  iret: 70,
  walkRef: 0,
  io: 1000,
  vmEntry: 0,
  vmExit: 0,
  vmcbRead: 0,
  vmcbWrite: 0,
};

describe('cost model', () => {
  it('classifies rows', () => {
    const cls = (bytes: number[]) => classOfRow(decode(new Uint8Array(bytes), 0, 32).row);
    expect(cls([0x01, 0xc8])).toBe(INSN_CLASS.SIMPLE);
    expect(cls([0xf7, 0xe1])).toBe(INSN_CLASS.MUL);
    expect(cls([0xf7, 0xf1])).toBe(INSN_CLASS.DIV);
    expect(cls([0x75, 0x00])).toBe(INSN_CLASS.BRANCH);
    expect(cls([0xcf])).toBe(INSN_CLASS.FAR);
    expect(cls([0xa4])).toBe(INSN_CLASS.STRING);
    expect(cls([0xe6, 0x80])).toBe(INSN_CLASS.IO);
    expect(cls([0x0f, 0xa2])).toBe(INSN_CLASS.SYSTEM);
    expect(cls([0x50])).toBe(INSN_CLASS.STACK);
  });
  it('charges instructions, memory operands and events; RDTSC sees the clock', () => {
    const m = createMachine({ code: /* mov eax, [0x2000]; mul ecx; out 0x80, al; int 0x30; rdtsc; hlt */ [0xa1, 0x00, 0x20, 0x00, 0x00, 0xf7, 0xe1, 0xe6, 0x80, 0xcd, 0x30, 0x0f, 0x31, 0xf4], cost: PROFILE });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram.set(/* iret */ [0xcf], 0x3300);
    run(m, 7);
    // mov (1 + 5) + mul (10) + out (20 + 1000 I/O) + int (50 + 300 delivery) + iret (50 + 70)
    expect(regs(m).eax).toBe(6 + 10 + 1020 + 350 + 120);
    expect(m.cpu.counters.portIo).toBe(1);
    expect(m.cpu.counters.vectors[0x30]).toBe(1);
  });
  it('UNIT_PROFILE: one cycle per retired instruction, nothing per event', () => {
    const m = createMachine({ code: /* mov ecx, 3; l: out 0x80, al; loop l; hlt */ [0xb9, 0x03, 0x00, 0x00, 0x00, 0xe6, 0x80, 0xe2, 0xfc, 0xf4], cost: UNIT_PROFILE });
    run(m, 100);
    expect(m.cpu.cycles).toBe(8);
    expect(m.cpu.counters.retired[0]).toBe(8);
  });
});
