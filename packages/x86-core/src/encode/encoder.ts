/** @file The encoder: an opcode row plus operand values → machine code, for any row of the table (the translator's emitter). */
import { OPK, OPF, PREFIX, REG, SEG, type Instruction, type OpcodeRow } from '../decode/instruction.ts';
import { OPCODE_ROWS, ROW_OPERANDS } from '../table/opcode-table.ts';
import { AM, SZ, type OperandSpec } from '../table/operand-spec.ts';

/** A memory operand to encode: effective address = base + index × scale + disp (base/index -1 for none). */
export interface MemoryOperand {
  readonly base: number;
  readonly index: number;
  readonly scale: 1 | 2 | 4 | 8;
  readonly disp: number;
}

/**
 * One operand value, in the row's operand order. `kind` is an `OPK` value (as `Operand.kind`):
 * registers give `reg`; immediates, relative displacements (from the end of the instruction)
 * and constants give `value`; a far pointer gives `value` (offset) and `reg` (selector); memory
 * gives `mem`. Operands fixed by the row (AL, DX, ES, ST, the string operands) may be given
 * as anything: they are implied by the opcode.
 */
export interface EncodeOperand {
  readonly kind: number;
  readonly reg?: number;
  readonly value?: number;
  readonly mem?: MemoryOperand;
}

/** What to encode: a row (or its handler name and condition code), operand values, sizes and prefixes. */
export interface EncodeRequest {
  readonly row: OpcodeRow | string;
  /** Condition code, to pick the row of a `jcc_Jb`/`setcc_Eb`/`cmovcc_GvEv` family by handler name. */
  readonly cc?: number;
  readonly operands: readonly EncodeOperand[];
  /** Operand size in bytes (default: the mode's); 66 is emitted when it differs. */
  readonly opsize?: 2 | 4;
  /** Address size in bytes (default: the mode's); 67 is emitted when it differs. */
  readonly adsize?: 2 | 4;
  /** Segment override prefix to emit (a `SEG` value), if any. */
  readonly seg?: number;
  /** `PREFIX.LOCK`, `PREFIX.REP`, `PREFIX.REPNE` bits to emit. */
  readonly prefixes?: number;
  /** ModRM.reg for rows where neither an extension nor an operand fixes it (the hint NOPs 0F 18–0F 1E); default 0. */
  readonly modrmReg?: number;
}

/** An encoding that the row or the operands make impossible (a bug in the caller, not a guest event). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

const SEG_PREFIX = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65];
/** 16-bit ModRM r/m for (base, index) pairs, keyed base*8+index (index 8 = none). */
const RM16 = new Map<number, number>([
  [REG.EBX * 9 + REG.ESI, 0], [REG.EBX * 9 + REG.EDI, 1], [REG.EBP * 9 + REG.ESI, 2], [REG.EBP * 9 + REG.EDI, 3],
  [REG.ESI * 9 + 8, 4], [REG.EDI * 9 + 8, 5], [REG.EBP * 9 + 8, 6], [REG.EBX * 9 + 8, 7],
]);

function findRow(req: EncodeRequest): OpcodeRow {
  if (typeof req.row !== 'string') return req.row;
  const row = OPCODE_ROWS.find((r) => r.handler === req.row && (req.cc === undefined || r.cc === req.cc) && r.mnemonic !== '(bad)');
  if (!row) throw new EncodeError(`no opcode row '${req.row}'${req.cc === undefined ? '' : ` with cc ${req.cc}`}`);
  return row;
}

const fitsInt8 = (v: number) => v >= -128 && v <= 127;

function pushLE(out: number[], value: number, size: number): void {
  for (let i = 0; i < size; i++) out.push((value >>> (i * 8)) & 0xff);
}

/** Encodes one instruction for a code segment of `mode` bits. Throws EncodeError on an impossible request. */
export function encode(req: EncodeRequest, mode: 16 | 32 = 32): Uint8Array {
  const row = findRow(req);
  if (row.flags & (OPF.TRUNCATED | OPF.TOO_LONG) || row.mnemonic === '(bad)') throw new EncodeError(`row '${row.mnemonic}' has no encoding`);
  const specs = ROW_OPERANDS[row.id] as readonly OperandSpec[];
  if (req.operands.length !== specs.length) throw new EncodeError(`${row.handler}: expected ${specs.length} operands, got ${req.operands.length}`);
  const def = mode === 32 ? 4 : 2;
  const opsize = req.opsize ?? def;
  const adsize = req.adsize ?? def;
  const out: number[] = [];
  const p = req.prefixes ?? 0;
  if (p & PREFIX.LOCK) out.push(0xf0);
  if (p & PREFIX.REPNE) out.push(0xf2);
  if (p & PREFIX.REP) out.push(0xf3);
  if (req.seg !== undefined) out.push(SEG_PREFIX[req.seg] ?? 0x3e);
  if (opsize !== def) out.push(0x66);
  if (adsize !== def) out.push(0x67);
  if (row.mandatory) out.push(row.mandatory);
  const op = [...row.opcode];

  // ModRM fields from the operands.
  let modrmReg = row.ext >= 0 ? row.ext : (req.modrmReg ?? 0);
  let rmReg = -1;
  let mem: MemoryOperand | undefined;
  const imms: [number, number][] = [];
  specs.forEach((s, i) => {
    const o = req.operands[i] as EncodeOperand;
    const r = o.reg ?? 0;
    switch (s.am) {
      case AM.E: case AM.Q: case AM.W:
        if (o.kind === OPK.MEM) mem = need(o.mem, row);
        else rmReg = r;
        break;
      case AM.M: mem = need(o.mem, row); break;
      case AM.R: case AM.N: case AM.U: case AM.STI: rmReg = r; break;
      case AM.G: case AM.S: case AM.C: case AM.D: case AM.T: case AM.P: case AM.V: modrmReg = r; break;
      case AM.Z: op[op.length - 1] = ((op[op.length - 1] as number) & 0xf8) | (r & 7); break;
      case AM.I: {
        const size = s.size === SZ.Z || s.size === SZ.V ? opsize : s.size;
        const v = o.value ?? 0;
        if (s.signed && !fitsInt8(opsize === 2 ? (v << 16) >> 16 : v | 0)) throw new EncodeError(`${row.handler}: ${v} does not fit a sign-extended imm8`);
        imms.push([v, size]);
        break;
      }
      case AM.J: {
        const v = o.value ?? 0;
        const size = s.size === 1 ? 1 : opsize;
        if (size === 1 && !fitsInt8(v)) throw new EncodeError(`${row.handler}: displacement ${v} does not fit rel8`);
        imms.push([v, size]);
        break;
      }
      case AM.A: imms.push([o.value ?? 0, opsize], [r, 2]); break;
      case AM.O: imms.push([need(o.mem, row).disp, adsize]); break;
      default: break; // fixed operands are implied by the opcode
    }
  });
  out.push(...op);
  if (row.flags & OPF.MODRM) {
    if (typeof row.modForm === 'number') out.push(row.modForm);
    else if (mem) out.push(...encodeMemory(modrmReg, mem, adsize, row));
    else out.push(0xc0 | ((modrmReg & 7) << 3) | (Math.max(rmReg, 0) & 7));
  }
  for (const [v, size] of imms) pushLE(out, v, size);
  if (out.length > 15) throw new EncodeError(`${row.handler}: encoding longer than 15 bytes`);
  return Uint8Array.from(out);
}

function need(mem: MemoryOperand | undefined, row: OpcodeRow): MemoryOperand {
  if (!mem) throw new EncodeError(`${row.handler}: memory operand without 'mem'`);
  return mem;
}

/** ModRM (+ SIB + displacement) bytes of a memory operand (SDM Vol.2 Tables 2-1, 2-2, 2-3). */
function encodeMemory(reg: number, m: MemoryOperand, adsize: number, row: OpcodeRow): number[] {
  const out: number[] = [];
  const r = (reg & 7) << 3;
  const disp = m.disp | 0;
  if (adsize === 2) {
    if (m.base < 0 && m.index < 0) {
      out.push(r | 6);
      pushLE(out, disp, 2);
      return out;
    }
    const rm = RM16.get((m.base < 0 ? m.index : m.base) * 9 + (m.base < 0 ? 8 : m.index < 0 ? 8 : m.index));
    if (rm === undefined || m.scale !== 1) throw new EncodeError(`${row.handler}: no 16-bit addressing form for this base/index`);
    const d16 = (disp << 16) >> 16;
    if (d16 === 0 && rm !== 6) out.push(r | rm);
    else if (fitsInt8(d16)) out.push(0x40 | r | rm, d16 & 0xff);
    else {
      out.push(0x80 | r | rm);
      pushLE(out, d16, 2);
    }
    return out;
  }
  if (m.index === REG.ESP) throw new EncodeError(`${row.handler}: ESP cannot be an index register`);
  const needSib = m.index >= 0 || m.base === REG.ESP || (m.base < 0 && m.index >= 0);
  if (m.base < 0 && m.index < 0) {
    out.push(r | 5);
    pushLE(out, disp, 4);
    return out;
  }
  const sib = needSib ? (Math.log2(m.scale) << 6) | ((m.index < 0 ? 4 : m.index) << 3) | (m.base < 0 ? 5 : m.base) : -1;
  const rm = needSib ? 4 : m.base;
  if (m.base < 0) {
    out.push(r | 4, sib);
    pushLE(out, disp, 4);
  } else if (disp === 0 && m.base !== REG.EBP) {
    out.push(r | rm);
    if (sib >= 0) out.push(sib);
  } else if (fitsInt8(disp)) {
    out.push(0x40 | r | rm);
    if (sib >= 0) out.push(sib);
    out.push(disp & 0xff);
  } else {
    out.push(0x80 | r | rm);
    if (sib >= 0) out.push(sib);
    pushLE(out, disp, 4);
  }
  return out;
}

/**
 * The request that re-encodes a decoded instruction (same row, operands, sizes and prefixes):
 * what the translator uses to copy an IDENT instruction, possibly after changing a field
 * (e.g. its segment override). Displacements may come out shorter than in the original bytes.
 */
export function requestOf(ins: Instruction): EncodeRequest {
  const mem: MemoryOperand = { base: ins.base, index: ins.index, scale: ins.scale, disp: ins.disp };
  const operands = ins.operands.map((o): EncodeOperand => (o.kind === OPK.MEM ? { kind: o.kind, mem } : { kind: o.kind, reg: o.reg, value: o.value }));
  const base: EncodeRequest = {
    row: ins.row, operands, opsize: ins.opsize, adsize: ins.adsize, prefixes: ins.prefixes & (PREFIX.LOCK | PREFIX.REP | PREFIX.REPNE),
    modrmReg: Math.max(ins.reg, 0),
  };
  return ins.prefixes & PREFIX.SEG ? { ...base, seg: ins.seg } : base;
}

/** The default segment of a memory operand (SS for EBP/ESP bases, else DS), to decide whether an override is needed. */
export function defaultSegment(mem: MemoryOperand, adsize: 2 | 4): number {
  return mem.base === REG.EBP || (mem.base === REG.ESP && adsize === 4) ? SEG.SS : SEG.DS;
}
