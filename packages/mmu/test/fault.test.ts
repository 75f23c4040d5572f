/** @file Tests of the fault encoding and of EXITINFO1 for #VMEXIT(NPF) (AMD APM Vol.2 §15.25.6: bit 32 final gPA, bit 33 guest table walk). */
import { describe, expect, it } from 'vitest';
import { FaultFlag, PfError, VMEXIT_NPF, encodeFault, faultErrorCode, isFault, isNestedFault, npfExitInfo1 } from '../src/index.ts';

describe('fault encoding', () => {
  it('every error code, even 0, encodes to a negative result and decodes back', () => {
    for (let code = 0; code < 32; code++) {
      const r = encodeFault(code);
      expect(r).toBeLessThan(0);
      expect(isFault(r)).toBe(true);
      expect(isNestedFault(r)).toBe(false);
      expect(faultErrorCode(r)).toBe(code);
    }
    expect(encodeFault(0)).toBe(-1);
  });

  it('physical addresses, including 0 and 0xffffffff, are not faults', () => {
    expect(isFault(0)).toBe(false);
    expect(isFault(0xffffffff)).toBe(false);
  });

  it('EXITINFO1 of a nested fault carries bit 32 or bit 33 above the error code', () => {
    const final = encodeFault(PfError.P | PfError.W | PfError.U | FaultFlag.NPF_FINAL);
    const table = encodeFault(PfError.U | PfError.W | FaultFlag.NPF_TABLE);
    expect(isNestedFault(final)).toBe(true);
    expect(faultErrorCode(final)).toBe(7);
    expect(npfExitInfo1(final)).toBe(2 ** 32 + 7);
    expect(npfExitInfo1(table)).toBe(2 ** 33 + 6);
    expect(npfExitInfo1(encodeFault(PfError.P))).toBe(0);
    expect(VMEXIT_NPF).toBe(0x400);
  });
});
