/** @file Lazy EFLAGS: each status flag computed on demand matches its SDM definition; condition codes; writes through the mask. */
import { describe, expect, it } from 'vitest';
import { EFLAGS, LAZY, parityOf, readEflags, setLazy, setLazyKeepCF, testCondition, writeEflags } from '../../src/cpu/eflags.ts';
import { createMachine } from '../helpers/machine.ts';

describe('lazy flags', () => {
  const { cpu } = createMachine();
  it('parity of the low byte', () => {
    expect(parityOf(0)).toBe(EFLAGS.PF);
    expect(parityOf(1)).toBe(0);
    expect(parityOf(0x103)).toBe(EFLAGS.PF);
  });
  it('8-bit SUB 0x80 - 1: OF, AF, no CF', () => {
    setLazy(cpu, LAZY.SUB, 0x80, 1, 0x7f, 1);
    expect(readEflags(cpu)).toBe(0x2 | EFLAGS.OF | EFLAGS.AF);
  });
  it('16-bit ADD 0xffff + 1: CF ZF AF PF', () => {
    setLazy(cpu, LAZY.ADD, 0xffff, 1, 0, 2);
    expect(readEflags(cpu)).toBe(0x2 | EFLAGS.CF | EFLAGS.ZF | EFLAGS.AF | EFLAGS.PF);
  });
  it('INC keeps the CF of the previous operation', () => {
    setLazy(cpu, LAZY.SUB, 0, 1, -1, 4); // CF=1
    setLazyKeepCF(cpu, LAZY.ADD, 1, 2, 4);
    expect(readEflags(cpu) & EFLAGS.CF).toBe(EFLAGS.CF);
  });
  it('condition codes after CMP 2, 3 (signed and unsigned below)', () => {
    setLazy(cpu, LAZY.SUB, 2, 3, -1, 4);
    const taken = Array.from({ length: 16 }, (_, cc) => (testCondition(cpu, cc) ? 1 : 0));
    // O NO B AE E NE BE A S NS P NP L GE LE G
    expect(taken).toEqual([0, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
  });
  it('writeEflags keeps reserved bits as the SDM fixes them', () => {
    writeEflags(cpu, 0xffffffff, 0xffffffff);
    expect(readEflags(cpu)).toBe(0x3f7fd7);
  });
});
