/** @file The table-driven decoder: bytes → `Instruction`, pure, array-indexed, never throws. */
import { AM, SZ, type OperandSpec } from '../table/operand-spec.ts';
import { AMD3DNOW_SUFFIX } from '../table/amd-3dnow.ts';
import { NODE, OPCODE_MAPS, OPCODE_ROWS, ROW_ID, ROW_OPERAND_CHECK, ROW_OPERANDS, type DispatchNode, type Entry } from '../table/opcode-table.ts';
import { OPF, OPK, PREFIX, REG, SEG, type Instruction, type Operand, type OpcodeRow } from './instruction.ts';

/** The longest legal instruction (SDM Vol.2 §2.3.11): longer encodings raise #GP(0). */
export const MAX_INSTRUCTION_LENGTH = 15;

/** Immediate kinds, precomputed per row (`IMM_KIND[id * 2 + n]` for the row's n-th immediate). */
const IK = { NONE: 0, B: 1, BS: 2, W: 3, Z: 4, JB: 5, JZ: 6, AP: 7, MOFFS: 8 } as const;

const ROW_COUNT = OPCODE_ROWS.length;
const IMM_KIND = new Uint8Array(ROW_COUNT * 2);
const HAS_MODRM = new Uint8Array(ROW_COUNT);
const RM_IS_REG = new Uint8Array(ROW_COUNT);
/** Rows with a segment- or control-register operand (their reserved encodings raise #UD). */
const HAS_SREG_OR_CREG = new Uint8Array(ROW_COUNT);
for (let id = 0; id < ROW_COUNT; id++) {
  const row = OPCODE_ROWS[id] as OpcodeRow;
  HAS_MODRM[id] = row.flags & OPF.MODRM ? 1 : 0;
  let n = 0;
  for (const s of ROW_OPERANDS[id] as readonly OperandSpec[]) {
    if (s.am === AM.R) RM_IS_REG[id] = 1;
    if (s.am === AM.S || s.am === AM.C || s.am === AM.SREG) HAS_SREG_OR_CREG[id] = 1;
    let k: number = IK.NONE;
    if (s.am === AM.I) k = s.size === 1 ? (s.signed ? IK.BS : IK.B) : s.size === 2 ? IK.W : IK.Z;
    else if (s.am === AM.J) k = s.size === 1 ? IK.JB : IK.JZ;
    else if (s.am === AM.A) k = IK.AP;
    else if (s.am === AM.O) k = IK.MOFFS;
    if (k !== IK.NONE) IMM_KIND[id * 2 + n++] = k;
  }
}

/** Base and index registers of the eight 16-bit ModRM memory forms (SDM Vol.2 Table 2-1). */
const BASE16 = [REG.EBX, REG.EBX, REG.EBP, REG.EBP, REG.ESI, REG.EDI, REG.EBP, REG.EBX];
const INDEX16 = [REG.ESI, REG.EDI, REG.ESI, REG.EDI, -1, -1, -1, -1];

const NO_OPERANDS: readonly Operand[] = [];

/** The record for an encoding that ran out of bytes (length 0) or past 15 bytes (length 15, #GP(0)). */
function overrun(bytes: Uint8Array, offset: number, mode: 16 | 32): Instruction {
  const tooLong = bytes.length >= offset + MAX_INSTRUCTION_LENGTH;
  return pseudo(tooLong ? ROW_ID.TOO_LONG : ROW_ID.TRUNCATED, tooLong ? MAX_INSTRUCTION_LENGTH : 0, mode);
}

function pseudo(id: number, length: number, mode: 16 | 32): Instruction {
  const size = mode === 16 ? 2 : 4;
  return {
    id, row: OPCODE_ROWS[id] as OpcodeRow, length, prefixes: 0, seg: SEG.DS, opsize: size, adsize: size,
    mod: -1, reg: -1, rm: -1, sib: -1, hasMem: false, base: -1, index: -1, scale: 1, disp: 0, imm: 0, imm2: 0,
    ud: id === ROW_ID.INVALID || id === ROW_ID.INVALID_MODRM, operands: NO_OPERANDS,
  };
}

/**
 * Decodes the instruction at `bytes[offset]` for a code segment of `mode` bits (16 or 32).
 * Pure: reads only `bytes`. Never throws. Invalid encodings return the `(bad)` row (OPF.UD)
 * with objdump's length convention (prefixes and opcode bytes); a decode that runs off the
 * end of `bytes` returns the TRUNCATED row with length 0; one longer than 15 bytes the
 * TOO_LONG row (#GP(0)).
 */
export function decode(bytes: Uint8Array, offset: number, mode: 16 | 32): Instruction {
  const limit = Math.min(bytes.length, offset + MAX_INSTRUCTION_LENGTH);
  let pos = offset;
  let prefixes = 0;
  let segOverride = -1;
  let lastRep = 0;
  let b = 0;
  for (;;) {
    if (pos >= limit) return overrun(bytes, offset, mode);
    b = bytes[pos] as number;
    if (b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e) segOverride = (b >> 3) & 3;
    else if (b === 0x64 || b === 0x65) segOverride = b - 0x60;
    else if (b === 0x66) prefixes |= PREFIX.OPSIZE;
    else if (b === 0x67) prefixes |= PREFIX.ADSIZE;
    else if (b === 0xf0) prefixes |= PREFIX.LOCK;
    else if (b === 0xf2 || b === 0xf3) lastRep = b;
    else if (b === 0x9b) {
      // FWAIT: a prefix of a following x87 escape; an instruction of its own otherwise (with objdump, the
      // legacy prefixes between it and a second FWAIT belong to it).
      const shape = fwaitShape(bytes, pos, limit);
      if (shape === 1) prefixes |= PREFIX.WAIT;
      else if (shape > 1) {
        for (let q = pos + 1; q < pos + shape; q++) {
          const c = bytes[q] as number;
          if (c === 0x66) prefixes |= PREFIX.OPSIZE;
          else if (c === 0x67) prefixes |= PREFIX.ADSIZE;
          else if (c === 0xf0) prefixes |= PREFIX.LOCK;
          else if (c === 0xf2 || c === 0xf3) prefixes = (prefixes & ~(PREFIX.REP | PREFIX.REPNE)) | (c === 0xf3 ? PREFIX.REP : PREFIX.REPNE);
          else prefixes |= PREFIX.SEG;
        }
        return fwaitWithPrefixes(pos + shape - offset, prefixes, mode);
      } else break;
    } else break;
    pos++;
  }
  if (segOverride >= 0) prefixes |= PREFIX.SEG;
  if (lastRep === 0xf3) prefixes |= PREFIX.REP;
  else if (lastRep === 0xf2) prefixes |= PREFIX.REPNE;

  const opStart = pos;
  // Opcode bytes and map.
  let map = 0;
  pos++;
  if (b === 0x0f) {
    if (pos >= limit) return overrun(bytes, offset, mode);
    b = bytes[pos++] as number;
    map = 1;
    if (b === 0x38 || b === 0x3a) {
      if (pos >= limit) return overrun(bytes, offset, mode);
      map = b === 0x38 ? 2 : 3;
      b = bytes[pos++] as number;
    }
  }
  const opcodeByte = b;
  const opEnd = pos;

  // Walk the dispatch nodes to a row.
  let entry: Entry = (OPCODE_MAPS[map] as readonly Entry[])[b] as Entry;
  let modrm = -1;
  while (typeof entry !== 'number') {
    const node: DispatchNode = entry;
    if (node.kind === NODE.PREFIX) {
      const p = lastRep === 0xf3 ? 2 : lastRep === 0xf2 ? 3 : prefixes & PREFIX.OPSIZE ? 1 : 0;
      entry = node.next[p] as Entry;
      continue;
    }
    if (modrm < 0) {
      if (pos >= limit) return overrun(bytes, offset, mode);
      modrm = bytes[pos] as number;
    }
    if (node.kind === NODE.REG) entry = node.next[(modrm >> 3) & 7] as Entry;
    else if (node.kind === NODE.MOD) entry = node.next[modrm >= 0xc0 ? 1 : 0] as Entry;
    else entry = node.next[modrm & 7] as Entry;
  }
  if (entry < 0) {
    // An undefined x87 escape still has a ModRM operand (objdump decodes it): decode it as such.
    if (map === 0 && opcodeByte >= 0xd8 && opcodeByte <= 0xdf) entry = ROW_ID.INVALID_MODRM;
    else {
      // objdump's convention for other undefined encodings: prefixes and opcode bytes only (one byte less where objdump rejects an operand of a form it chose: 0F 0D, PadLock 0F A6/A7).
      const r = (modrm >> 3) & 7;
      const quirk = map === 1 && (opcodeByte === 0x0d || (opcodeByte === 0xa6 && r <= 2) || (opcodeByte === 0xa7 && r <= 5)) ? 1 : 0;
      const ins = pseudo(ROW_ID.INVALID, opEnd - offset - quirk, mode);
      return { ...ins, prefixes, seg: segOverride >= 0 ? segOverride : SEG.DS };
    }
  }
  const id = entry;
  const row = OPCODE_ROWS[id] as OpcodeRow;
  let opsize: 2 | 4 = mode === 32 ? 4 : 2;
  if (prefixes & PREFIX.OPSIZE && row.mandatory !== 0x66) opsize = opsize === 4 ? 2 : 4;
  let adsize: 2 | 4 = mode === 32 ? 4 : 2;
  if (prefixes & PREFIX.ADSIZE) adsize = adsize === 4 ? 2 : 4;

  // ModRM, SIB, displacement.
  let mod = -1;
  let reg = -1;
  let rm = -1;
  let sib = -1;
  let hasMem = false;
  let base = -1;
  let index = -1;
  let scale: 1 | 2 | 4 | 8 = 1;
  let disp = 0;
  if (HAS_MODRM[id]) {
    if (modrm < 0) {
      if (pos >= limit) return overrun(bytes, offset, mode);
      modrm = bytes[pos] as number;
    }
    pos++;
    mod = modrm >> 6;
    reg = (modrm >> 3) & 7;
    rm = modrm & 7;
    if (mod !== 3 && !RM_IS_REG[id]) {
      hasMem = true;
      if (adsize === 4) {
        if (rm === 4) {
          if (pos >= limit) return overrun(bytes, offset, mode);
          sib = bytes[pos++] as number;
          scale = (1 << (sib >> 6)) as 1 | 2 | 4 | 8;
          const i = (sib >> 3) & 7;
          index = i === 4 ? -1 : i;
          base = sib & 7;
          if (base === 5 && mod === 0) {
            base = -1;
            if (pos + 4 > limit) return overrun(bytes, offset, mode);
            disp = read32(bytes, pos);
            pos += 4;
          }
        } else if (rm === 5 && mod === 0) {
          if (pos + 4 > limit) return overrun(bytes, offset, mode);
          disp = read32(bytes, pos);
          pos += 4;
        } else base = rm;
        if (mod === 1) {
          if (pos >= limit) return overrun(bytes, offset, mode);
          disp = ((bytes[pos++] as number) << 24) >> 24;
        } else if (mod === 2) {
          if (pos + 4 > limit) return overrun(bytes, offset, mode);
          disp = read32(bytes, pos);
          pos += 4;
        }
      } else {
        if (mod === 0 && rm === 6) {
          if (pos + 2 > limit) return overrun(bytes, offset, mode);
          disp = (read16(bytes, pos) << 16) >> 16;
          pos += 2;
        } else {
          base = BASE16[rm] as number;
          index = INDEX16[rm] as number;
          if (mod === 1) {
            if (pos >= limit) return overrun(bytes, offset, mode);
            disp = ((bytes[pos++] as number) << 24) >> 24;
          } else if (mod === 2) {
            if (pos + 2 > limit) return overrun(bytes, offset, mode);
            disp = (read16(bytes, pos) << 16) >> 16;
            pos += 2;
          }
        }
      }
    }
  }

  // Immediates, in operand order.
  let imm = 0;
  let imm2 = 0;
  let immBytes = 0;
  for (let n = 0; n < 2; n++) {
    const k = IMM_KIND[id * 2 + n] as number;
    if (k === IK.NONE) break;
    let v = 0;
    let size = 0;
    switch (k) {
      case IK.B: case IK.BS: case IK.JB: size = 1; break;
      case IK.W: size = 2; break;
      case IK.Z: case IK.JZ: size = opsize; break;
      case IK.AP: size = opsize + 2; break;
      default: size = adsize;
    }
    if (pos + size > limit) return overrun(bytes, offset, mode);
    if (k === IK.AP) {
      v = opsize === 4 ? read32(bytes, pos) >>> 0 : read16(bytes, pos);
      imm2 = read16(bytes, pos + opsize);
    } else if (size === 1) v = k === IK.B ? (bytes[pos] as number) : ((bytes[pos] as number) << 24) >> 24;
    else if (size === 2) v = k === IK.JZ ? (read16(bytes, pos) << 16) >> 16 : read16(bytes, pos);
    else v = k === IK.JZ ? read32(bytes, pos) : read32(bytes, pos) >>> 0;
    pos += size;
    immBytes += size;
    if (k === IK.MOFFS) {
      hasMem = true;
      disp = v;
    } else if (n === 0 || k === IK.AP) imm = v;
    else imm2 = v;
  }

  const check = ROW_OPERAND_CHECK[id] as number;
  if (check !== 0 && (check === 1) === (mod === 3)) {
    // objdump rejects the operand after choosing the row: it counts prefixes, one opcode byte and the immediates.
    const ins = pseudo(ROW_ID.INVALID, opStart - offset + 1 + immBytes, mode);
    return { ...ins, prefixes, seg: segOverride >= 0 ? segOverride : SEG.DS };
  }
  if (map === 1 && opcodeByte === 0x0f) {
    // 3DNow!: the opcode is the byte after the operands (an unknown one makes the whole encoding invalid).
    const suffix = imm;
    if (!AMD3DNOW_SUFFIX[suffix]) {
      const ins = pseudo(ROW_ID.INVALID, opStart - offset + 1, mode);
      return { ...ins, prefixes, seg: segOverride >= 0 ? segOverride : SEG.DS };
    }
  }
  let seg: number = SEG.DS;
  if (segOverride >= 0) seg = segOverride;
  else if (hasMem && (base === REG.EBP || (base === REG.ESP && adsize === 4))) seg = SEG.SS;

  const operands = buildOperands(id, opcodeByte, opsize, mod, reg, rm, imm, imm2);
  let ud = (row.flags & OPF.UD) !== 0;
  // LOCK is #UD except on a lockable memory form, and on MOV to/from CR0, which AMD's AltMovCr8 (reported by our CPUID) makes CR8.
  const altMovCr8 = map === 1 && (opcodeByte === 0x20 || opcodeByte === 0x22) && reg === 0;
  if (prefixes & PREFIX.LOCK && !(row.flags & OPF.LOCKABLE && hasMem) && !altMovCr8) ud = true;
  // Reserved register encodings (SDM Vol.2 MOV): segment registers 6–7, loading CS with MOV, CR1 and CR5–CR7.
  if (HAS_SREG_OR_CREG[id]) {
    for (const o of operands) {
      if ((o.kind === OPK.SREG && o.reg > 5) || (o.kind === OPK.CREG && o.reg !== 0 && (o.reg < 2 || o.reg > 4))) ud = true;
    }
  }
  if (map === 0 && opcodeByte === 0x8e && reg === SEG.CS) ud = true;
  return {
    id, row, length: pos - offset, prefixes, seg, opsize, adsize, mod, reg, rm, sib, hasMem, base, index, scale, disp,
    imm, imm2, ud, operands,
  };
}

const LEGACY_PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) LEGACY_PREFIX[p] = 1;

/**
 * What the FWAIT at `pos` is (objdump's reading, which also executes as the i686 would):
 * 1 = a prefix of the x87 escape that follows (after more prefixes/FWAITs); n > 1 = an FWAIT
 * instruction of n bytes (FWAIT, legacy prefixes, then a second FWAIT starts the next one);
 * 0 = an FWAIT instruction of one byte.
 */
function fwaitShape(bytes: Uint8Array, pos: number, limit: number): number {
  let legacy = 0;
  for (let q = pos + 1; q < limit; q++) {
    const c = bytes[q] as number;
    if (c === 0x9b) {
      if (legacy > 0) return q - pos;
    } else if (LEGACY_PREFIX[c]) legacy++;
    else return c >= 0xd8 && c <= 0xdf ? 1 : 0;
  }
  return 0;
}

function fwaitWithPrefixes(length: number, prefixes: number, mode: 16 | 32): Instruction {
  const ins = pseudo(FWAIT_ROW, length, mode);
  return { ...ins, prefixes, ud: false };
}

const FWAIT_ROW = OPCODE_ROWS.findIndex((r) => r.handler === 'fwait');

function read16(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] as number) | ((bytes[pos + 1] as number) << 8);
}

function read32(bytes: Uint8Array, pos: number): number {
  return (bytes[pos] as number) | ((bytes[pos + 1] as number) << 8) | ((bytes[pos + 2] as number) << 16) | ((bytes[pos + 3] as number) << 24);
}

function sizeOf(size: number, opsize: number, isMem: boolean): number {
  if (size >= 0) return size;
  switch (size) {
    case SZ.V: case SZ.Z: return opsize;
    case SZ.P: return opsize + 2;
    case SZ.A: return opsize * 2;
    default: return isMem ? 2 : opsize;
  }
}

/** Builds the operand descriptors of a decoded row (Intel order). */
function buildOperands(id: number, opcodeByte: number, opsize: number, mod: number, reg: number, rm: number, imm: number, imm2: number): readonly Operand[] {
  const specs = ROW_OPERANDS[id] as readonly OperandSpec[];
  if (specs.length === 0) return NO_OPERANDS;
  const out: Operand[] = new Array<Operand>(specs.length);
  let immN = 0;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i] as OperandSpec;
    const isMem = mod !== 3 && mod >= 0;
    let kind: number = OPK.GPR;
    let r = -1;
    let value = 0;
    switch (s.am) {
      case AM.E: if (isMem) kind = OPK.MEM; else r = rm; break;
      case AM.M: kind = OPK.MEM; break;
      case AM.R: r = rm; break;
      case AM.G: r = reg; break;
      case AM.S: kind = OPK.SREG; r = reg; break;
      case AM.C: kind = OPK.CREG; r = reg; break;
      case AM.D: kind = OPK.DREG; r = reg; break;
      case AM.T: kind = OPK.TREG; r = reg; break;
      case AM.Z: r = opcodeByte & 7; break;
      case AM.I: kind = OPK.IMM; value = immN++ === 0 ? imm : imm2; break;
      case AM.J: kind = OPK.REL; value = imm; immN++; break;
      case AM.A: kind = OPK.FAR; value = imm; r = imm2; immN++; break;
      case AM.O: kind = OPK.MEM; break;
      case AM.X: kind = OPK.STR_SRC; break;
      case AM.Y: kind = OPK.STR_DST; break;
      case AM.GPR: r = s.reg; break;
      case AM.SREG: kind = OPK.SREG; r = s.reg; break;
      case AM.ONE: kind = OPK.CONST; value = 1; break;
      case AM.ST0: kind = OPK.ST; r = 0; break;
      case AM.STI: kind = OPK.ST; r = rm; break;
      case AM.P: kind = OPK.MMX; r = reg; break;
      case AM.Q: if (isMem) kind = OPK.MEM; else { kind = OPK.MMX; r = rm; } break;
      case AM.N: kind = OPK.MMX; r = rm; break;
      case AM.V: kind = OPK.XMM; r = reg; break;
      case AM.W: if (isMem) kind = OPK.MEM; else { kind = OPK.XMM; r = rm; } break;
      default: kind = OPK.XMM; r = rm; // AM.U
    }
    const size = s.am === AM.I && s.signed ? opsize : sizeOf(s.size, opsize, kind === OPK.MEM);
    out[i] = { kind, size, reg: r, value };
  }
  return out;
}
