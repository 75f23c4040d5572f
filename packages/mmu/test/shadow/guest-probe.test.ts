/** @file Tests of the side-effect-free guest walk used for refused (reserved-range) accesses. */
import { describe, expect, it } from 'vitest';
import { Access, Cr0, Cr4, PageWalk, PfError, Pte, faultErrorCode, probeLegacy, walkLegacy } from '../../src/index.ts';
import { peek32, poke32 } from '../support/ram.ts';

const CR0 = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;

describe('probeLegacy', () => {
  it('returns what walkLegacy returns but leaves A/D bits as they were', () => {
    const mem = new Uint8Array(0x10000);
    poke32(mem, 0x1000 + 4, 0x2000 | Pte.P | Pte.RW);
    poke32(mem, 0x2000 + 12, 0x5000 | Pte.P | Pte.RW);
    poke32(mem, 0x1000 + 8, 0x00800000 | Pte.P | Pte.PS);
    const w = new PageWalk();
    expect(probeLegacy(mem, CR0, 0x1000, 0, 0x00403010, Access.WRITE, w)).toBe(0x5010);
    expect(w.updates).toBe(2);
    expect(peek32(mem, 0x1004)).toBe(0x2000 | Pte.P | Pte.RW);
    expect(peek32(mem, 0x200c)).toBe(0x5000 | Pte.P | Pte.RW);
    expect(probeLegacy(mem, CR0, 0x1000, Cr4.PSE, 0x00812345, Access.READ, w)).toBe(0x00812345);
    expect(peek32(mem, 0x1008)).toBe(0x00800000 | Pte.P | Pte.PS);
    const f = probeLegacy(mem, CR0, 0x1000, Cr4.PSE, 0x00812345, Access.WRITE | Access.USER, w);
    expect(faultErrorCode(f)).toBe(PfError.P | PfError.W | PfError.U);
    // The real walk does set them.
    expect(walkLegacy(mem, CR0, 0x1000, 0, 0x00403010, Access.WRITE, w)).toBe(0x5010);
    expect(peek32(mem, 0x200c)).toBe(0x5000 | Pte.P | Pte.RW | Pte.A | Pte.D);
  });

  it('with paging off returns the address unchanged', () => {
    const w = new PageWalk();
    expect(probeLegacy(new Uint8Array(16), Cr0.PE, 0, 0, 0x1234, Access.WRITE, w)).toBe(0x1234);
  });
});
