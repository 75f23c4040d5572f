/** @file Tests of the branded address types: tagging reduces to 32 bits, and mixing address spaces is a type error. */
import { describe, expect, it } from 'vitest';
import { gpa, gva, hpa, linearAddr, physAddr } from '../src/index.ts';
import type { Gpa, Hpa } from '../src/index.ts';

function needsHpa(a: Hpa): number {
  return a;
}

describe('branded addresses', () => {
  it('tag numbers as unsigned 32-bit values', () => {
    expect(gva(-1)).toBe(0xffffffff);
    expect(gpa(0x1_0000_1000)).toBe(0x1000);
    expect(hpa(0x800000)).toBe(0x800000);
    expect(linearAddr(-4096)).toBe(0xfffff000);
    expect(physAddr(0xb8000)).toBe(0xb8000);
  });

  it('reject a guest-physical address where a host-physical one is expected (checked by tsc)', () => {
    const g: Gpa = gpa(0x1000);
    // @ts-expect-error a Gpa is not an Hpa
    expect(needsHpa(g)).toBe(0x1000);
    // @ts-expect-error a plain number is not an Hpa
    expect(needsHpa(0x2000)).toBe(0x2000);
    expect(needsHpa(hpa(0x3000))).toBe(0x3000);
  });
});
