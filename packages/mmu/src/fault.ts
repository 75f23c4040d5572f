/** @file The walkers' fault encoding and its decoding (#PF error code, #VMEXIT(NPF) EXITINFO1). */
// A fault is the negative result `~code`: code bits 4:0 hold the #PF error code, bits 16/17 the
// EXITINFO1 bit 32/33 flags of a nested page fault.
/**
 * Flags of a fault code above the error code. A nested page fault (#VMEXIT(NPF), exit code 0x400)
 * reports EXITINFO1 = error code | bit 32 (the fault was on the final guest-physical address) or
 * bit 33 (the fault was on a guest page-table access during the guest walk); AMD APM Vol.2 §15.25.6.
 */
export const FaultFlag = {
  /** Nested fault translating the access's final guest-physical address (EXITINFO1 bit 32). */
  NPF_FINAL: 1 << 16,
  /** Nested fault translating a guest page-table entry's address (EXITINFO1 bit 33). */
  NPF_TABLE: 1 << 17,
} as const;

/** Exit code of a nested page fault (AMD APM Vol.2 Appendix C). */
export const VMEXIT_NPF = 0x400;

/** Encodes a fault code (error code | FaultFlag bits) as a walker result: always negative. */
export function encodeFault(code: number): number {
  return ~code;
}

/** True if a walker result is a fault rather than a physical address. */
export function isFault(result: number): boolean {
  return result < 0;
}

/** The #PF error code (bits P, W/R, U/S, RSVD, I/D) of a fault result. */
export function faultErrorCode(result: number): number {
  return ~result & 0xffff;
}

/** True if a fault result is a nested page fault (to become #VMEXIT(NPF)), not a guest #PF. */
export function isNestedFault(result: number): boolean {
  return result < 0 && (~result & (FaultFlag.NPF_FINAL | FaultFlag.NPF_TABLE)) !== 0;
}

/**
 * EXITINFO1 of the #VMEXIT(NPF) for a nested fault result: the error code plus bit 32 or 33.
 * Returned as a (safe, exact) double because it exceeds 32 bits; 0 for a result that is not a nested fault.
 */
export function npfExitInfo1(result: number): number {
  if (!isNestedFault(result)) return 0;
  const code = ~result;
  return (code & 0xffff) + ((code >>> 16) & 3) * 0x1_0000_0000;
}
