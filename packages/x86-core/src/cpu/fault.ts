/** @file The one mechanism that turns a fault value into an architectural exception: a pre-allocated sentinel thrown to the engine. */
import type { Cpu } from './cpu.ts';

/** Exception vectors (SDM Vol.3 Table 6-1). */
export const VECTOR = {
  DE: 0,
  DB: 1,
  NMI: 2,
  BP: 3,
  OF: 4,
  BR: 5,
  UD: 6,
  NM: 7,
  DF: 8,
  TS: 10,
  NP: 11,
  SS: 12,
  GP: 13,
  PF: 14,
  MF: 16,
  AC: 17,
  MC: 18,
  XM: 19,
} as const;

/** Error code value meaning "this exception pushes no error code". */
export const NO_ERROR_CODE = -1;

/**
 * The sentinel `raise` throws. It is allocated once; the engine catches it once per block
 * (around the block's instruction loop), reads `Cpu.excVector/excError` and delivers the
 * exception through `deliverEvent`. This is the ONLY exception the executor throws; every
 * fast path (TLB hit, in-limit segment access) returns a value and never reaches it.
 */
export const FAULT: { readonly sentinel: 'x86-fault' } = Object.freeze({ sentinel: 'x86-fault' });

/** Records exception `vector` with `errorCode` (or NO_ERROR_CODE) and unwinds to the engine. */
export function raise(cpu: Cpu, vector: number, errorCode: number): never {
  cpu.excVector = vector;
  cpu.excError = errorCode;
  throw FAULT;
}

/** #GP(errorCode). */
export function raiseGP(cpu: Cpu, errorCode: number): never {
  return raise(cpu, VECTOR.GP, errorCode);
}

/** #UD. */
export function raiseUD(cpu: Cpu): never {
  return raise(cpu, VECTOR.UD, NO_ERROR_CODE);
}
