/** @file Operand codes (SDM Vol.2 Appendix A.2) compiled once into numeric specs the decoder reads without string parsing. */

/** Where an operand comes from (the SDM "addressing method", plus fixed registers). */
export const AM = {
  E: 0, // ModRM r/m: GPR or memory
  M: 1, // ModRM r/m: memory only
  R: 2, // ModRM r/m: GPR, mod ignored (mov to/from CR/DR)
  G: 3, // ModRM reg: GPR
  S: 4, // ModRM reg: segment register
  C: 5, // ModRM reg: control register
  D: 6, // ModRM reg: debug register
  T: 7, // ModRM reg: test register
  Z: 8, // low 3 bits of the opcode: GPR
  I: 9, // immediate
  J: 10, // relative offset
  A: 11, // far pointer immediate
  O: 12, // moffs: memory at an immediate offset
  X: 13, // string source DS:[eSI]
  Y: 14, // string destination ES:[eDI]
  GPR: 15, // a fixed general register (reg, size in the spec)
  SREG: 16, // a fixed segment register
  ONE: 17, // the constant 1
  ST0: 18, // x87 ST(0)
  STI: 19, // x87 ST(i), i = ModRM.rm
  P: 20, // ModRM reg: MMX register
  Q: 21, // ModRM r/m: MMX register or memory
  N: 22, // ModRM r/m: MMX register only
  V: 23, // ModRM reg: XMM register
  W: 24, // ModRM r/m: XMM register or memory
  U: 25, // ModRM r/m: XMM register only
} as const;

/** Size codes: positive values are bytes; negative values depend on the operand size. */
export const SZ = {
  NONE: 0,
  V: -1, // 2 or 4 (operand size)
  Z: -2, // immediates: 2 or 4 (operand size)
  P: -3, // far pointer: operand size + 2
  A: -4, // bound pair: 2 × operand size
  VW: -5, // register: operand size; memory: 2 (sldt, str, smsw, mov Ev,Sw)
} as const;

/** A compiled operand code. */
export interface OperandSpec {
  readonly am: number;
  readonly size: number;
  /** Register number for fixed-register specs, else -1. */
  readonly reg: number;
  /** For I/J specs: immediate is sign-extended. */
  readonly signed: boolean;
}

const SIZE_LETTERS: Readonly<Record<string, number>> = {
  b: 1, w: 2, d: 4, q: 8, dq: 16, x: 16, ps: 16, pd: 16, ss: 4, sd: 8, t: 10, s: 6, y: 4,
  v: SZ.V, z: SZ.Z, p: SZ.P, a: SZ.A, vw: SZ.VW, bs: 1,
};

const GPR8 = ['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH'];
const GPRV = ['eAX', 'eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI'];
const SREGS = ['ES', 'CS', 'SS', 'DS', 'FS', 'GS'];

/** Compiles one operand code (as written in a table row) into a spec; throws at load time on an unknown code. */
export function compileOperand(code: string): OperandSpec {
  const fixed = (am: number, size: number, reg: number): OperandSpec => ({ am, size, reg, signed: false });
  if (GPR8.includes(code)) return fixed(AM.GPR, 1, GPR8.indexOf(code));
  if (GPRV.includes(code)) return fixed(AM.GPR, SZ.V, GPRV.indexOf(code));
  if (SREGS.includes(code)) return fixed(AM.SREG, 2, SREGS.indexOf(code));
  if (code === 'AX') return fixed(AM.GPR, 2, 0);
  if (code === 'DX') return fixed(AM.GPR, 2, 2);
  if (code === '1') return fixed(AM.ONE, 1, -1);
  if (code === 'ST') return fixed(AM.ST0, 10, 0);
  if (code === 'STi') return fixed(AM.STI, 10, -1);
  if (code === 'M') return fixed(AM.M, 0, -1);
  const method = code[0] ?? '';
  const am = (AM as Record<string, number>)[method];
  const size = SIZE_LETTERS[code.slice(1)];
  if (am === undefined || size === undefined) throw new Error(`opcode table: unknown operand code '${code}'`);
  const signed = code === 'Ibs' || method === 'J';
  return { am, size, reg: -1, signed };
}
