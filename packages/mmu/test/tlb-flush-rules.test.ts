/** @file Tests of which CR0/CR4 writes flush the TLB (Intel SDM Vol.3 §4.10.4.1 plus the TLB's cached WP/PSE). */
import { describe, expect, it } from 'vitest';
import { Cr0, Cr4, cr0WriteFlushesTlb, cr4WriteFlushesTlb } from '../src/index.ts';

describe('TLB flush rules', () => {
  it('CR0: PG (either way), WP and PE flush; TS, MP, EM, NE, CD do not', () => {
    const base = (Cr0.PE | Cr0.PG | Cr0.WP) >>> 0;
    expect(cr0WriteFlushesTlb(base, base & ~Cr0.PG)).toBe(true);
    expect(cr0WriteFlushesTlb(base & ~Cr0.PG, base)).toBe(true);
    expect(cr0WriteFlushesTlb(base, base & ~Cr0.WP)).toBe(true);
    expect(cr0WriteFlushesTlb(base, base & ~Cr0.PE)).toBe(true);
    for (const bit of [1 << 1, 1 << 2, 1 << 3, 1 << 5, 1 << 30]) expect(cr0WriteFlushesTlb(base, base ^ bit)).toBe(false);
  });

  it('CR4: PGE, PAE and PSE flush; VME, PVI, TSD, DE, OSFXSR do not', () => {
    expect(cr4WriteFlushesTlb(Cr4.PGE, 0)).toBe(true);
    expect(cr4WriteFlushesTlb(0, Cr4.PAE)).toBe(true);
    expect(cr4WriteFlushesTlb(0, Cr4.PSE)).toBe(true);
    for (const bit of [1 << 0, 1 << 1, 1 << 2, 1 << 3, 1 << 9]) expect(cr4WriteFlushesTlb(Cr4.PSE, Cr4.PSE | bit)).toBe(false);
  });
});
