/** @file Block compiler: hot decoded blocks become JavaScript (one region function per code page): operands as constants, registers, lazy flags and the clock in locals, inline TLB fast paths, the interpreter's own helpers for everything else. */
import type { Cpu } from '../cpu/cpu.ts';
import { ARITH_FLAGS, cfOf, conditionOf, EFLAGS, LAZY } from '../cpu/eflags.ts';
import { read16, read32, read8, write16, write32, write8 } from '../cpu/memory.ts';
import { fastJcc, fastPop, fastPush, fastRetNear } from '../exec/hot.ts';
import type { Insn } from '../exec/insn.ts';
import type { Handler } from '../exec/operands.ts';
import { FAULT, raise, VECTOR } from '../cpu/fault.ts';
import type { Block } from './block.ts';
import { push32 } from '../cpu/stack-access.ts';
import { PREFIX } from '../decode/instruction.ts';
import { REP_CHUNK } from '../exec/string.ts';

/**
 * A compiled block: runs ALL of the block's instructions (used only when neither the budget,
 * an interrupt shadow nor single-step limits the count) and returns how many it executed —
 * fewer when one set `Cpu.blockBreak` (self-modifying store, REP yield, …). A fault propagates
 * exactly as from the interpreter: `Cpu.eip` and the architectural state are exact at it.
 */
export type CompiledBlock = (cpu: Cpu, insns: readonly Insn[], fns: readonly Handler[]) => number;

/** The helpers compiled code calls, passed to the generated factory (no globals, no imports in generated code). */
const HELPERS = { PUSH32: push32, R8: read8, R16: read16, R32: read32, W8: write8, W16: write16, W32: write32, CARRY: cfOf, COND: conditionOf, JCC: fastJcc, PUSH: fastPush, POP: fastPop, RET: fastRetNear, RAISE: raise, FAULT } as const;
const HELPER_NAMES = Object.keys(HELPERS);
const HELPER_VALUES = Object.values(HELPERS);

/** An ALU operation the compiler inlines: its result expression of d and s, lazy kind, and whether it writes its destination. */
interface AluOp {
  readonly expr: string;
  readonly lazy: number;
  readonly writes: boolean;
}
/** ALU operations the compiler inlines, by handler-name prefix. */
const ALU_OPS: Readonly<Record<string, AluOp>> = {
  add: { expr: '(d + s) | 0', lazy: LAZY.ADD, writes: true },
  sub: { expr: '(d - s) | 0', lazy: LAZY.SUB, writes: true },
  cmp: { expr: '(d - s) | 0', lazy: LAZY.SUB, writes: false },
  and: { expr: 'd & s', lazy: LAZY.LOGIC, writes: true },
  or: { expr: 'd | s', lazy: LAZY.LOGIC, writes: true },
  xor: { expr: 'd ^ s', lazy: LAZY.LOGIC, writes: true },
  test: { expr: 'd & s', lazy: LAZY.LOGIC, writes: false },
};

/** Operand forms of the byte ALU instructions (AL, imm8; r/m8, r8; r8, r/m8; r/m8, imm8). */
const BYTE_FORMS: ReadonlySet<string> = new Set(['ALIb', 'EbGb', 'GbEb', 'EbIb']);

/**
 * ADD OR AND SUB XOR CMP TEST on bytes, as `alu` at size 1: d and s the bytes, v the result's low
 * byte, a byte-sized lazy record. A memory destination that is written goes through the handler.
 */
function byteAluForm(i: Insn, op: AluOp, form: string): Piece | null {
  const mem = i.hasMem;
  const imm = `${i.imm & 0xff}`;
  let dst: string;
  let src: string;
  let write: number;
  if (form === 'ALIb') [dst, src, write] = [byteRegExpr(0), imm, 0];
  else if (form === 'GbEb') [dst, src, write] = [byteRegExpr(i.reg), mem ? 'm' : byteRegExpr(i.rm), i.reg];
  else {
    if (mem && op.writes) return null;
    [dst, src, write] = [mem ? 'm' : byteRegExpr(i.rm), form === 'EbGb' ? byteRegExpr(i.reg) : imm, i.rm];
  }
  const v = op.lazy === LAZY.LOGIC ? op.expr : `(${op.expr}) & 255`;
  const kind = op.lazy === LAZY.LOGIC ? 'logic' : op.lazy === LAZY.ADD ? 'add' : 'sub';
  return piece(`d = ${dst}; s = ${src}; v = ${v};${op.writes ? ` ${setByteReg(write, 'v')}` : ''}`, {
    flags: lazyFlags(op.lazy, true, 1),
    mem: mem ? load('r8', i) : null,
    killsFlags: !mem,
    cond: { kind, size: 1 },
  });
}

/** ADC and SBB, by handler-name prefix: the operator that adds or takes away the operand and CF. */
const CARRY_OPS: Readonly<Record<string, '+' | '-'>> = { adc: '+', sbb: '-' };

/** A memory access of an inlined instruction: made before its code (a load leaves the value in `m`). */
interface MemOp {
  /** `rw32`: read-modify-write of a dword (`then` computes the value `val` stored back; the slow path is the instruction's handler). */
  readonly op: 'r8' | 'r16' | 'r32' | 'w8' | 'w16' | 'w32' | 'rw32';
  readonly seg: number;
  /** Offset expression (32-bit addressing). */
  readonly ea: string;
  /** The value a store writes. */
  readonly val: string;
  /** Stack accesses: a further condition of the fast path (SS.B), the code run after a fast access, and the helper the slow path calls instead of the plain read/write (it does the whole instruction). */
  readonly guard?: string;
  readonly then?: string;
  readonly slow?: string;
  /** Code run before the access (a branch target's CS.limit check). */
  readonly pre?: string;
}

/** How one instruction is compiled. */
interface Piece {
  /** The statement(s), after the memory access if any. `r[n]` names a register (a local in the generated code). */
  readonly code: string;
  /** The flag update (lazy record, `cpu.lz*` names), dropped when a later instruction overwrites all six flags unread. */
  readonly flags: string;
  readonly mem: MemOp | null;
  /** Can fault: EIP and the state must be exact before it (a memory access, a branch's CS.limit check, a helper). */
  readonly faults: boolean;
  /** Stores to memory (a code-page write ends the block after it). */
  readonly stores: boolean;
  /** Writes all six arithmetic flags without reading any (and cannot fault). */
  readonly killsFlags: boolean;
  /** Reads the flags (the lazy record before it must be written). */
  readonly readsFlags: boolean;
  /** Calls a helper that uses the CPU state itself (PUSH/POP/CALL/RET): state stored before, reloaded after. */
  readonly helper: boolean;
  /** A near branch ending the block: its code leaves the target in `t`; `rel` = target − block start when constant. */
  readonly branch: { readonly rel: number | null } | null;
  /** How a following Jcc can test this instruction's flags from the locals d, s, v (null: through the lazy record). */
  readonly cond: CondSource | null;
  /** Segment registers its code reads the bounds of besides `mem`'s (an inline REP MOVS/STOS). */
  readonly segs: readonly number[];
  /** Its code holds `HANDLERSLOW`: a slow path calling the instruction's handler (state stored before, reloaded after). */
  readonly slowHandler: boolean;
}

/** What the locals d, s, v hold after an inlined flag-setting instruction (see `inlineCondition`). */
interface CondSource {
  readonly kind: 'sub' | 'add' | 'logic' | 'incdec' | 'shift';
  readonly size: 1 | 2 | 4;
}

/** The effective-address expression of a 32-bit-addressing memory operand (same sum as `ea()`). */
function eaExpr(i: Insn): string {
  let e = `${i.disp}`;
  if (i.base >= 0) e += ` + r[${i.base}]`;
  // A shift, not a product: stays int32 in V8 (the same sum modulo 2^32).
  if (i.index >= 0) e += i.scale === 1 ? ` + r[${i.index}]` : ` + (r[${i.index}] << ${Math.log2(i.scale)})`;
  return `((${e}) | 0)`;
}

/** The value of byte register `n` (AL CL DL BL AH CH DH BH) from the dword registers. */
function byteRegExpr(n: number): string {
  return n < 4 ? `(r[${n}] & 255)` : `((r[${n - 4}] >> 8) & 255)`;
}

/** Code writing byte register `n` (AL CL DL BL AH CH DH BH) with `val` (0–255), the rest of its dword kept. */
function setByteReg(n: number, val: string): string {
  return n < 4 ? `r[${n}] = (r[${n}] & -256) | ${val};` : `r[${n - 4}] = (r[${n - 4}] & -65281) | (${val} << 8);`;
}

/** The lazy record of a result `v` of `d` and `s` (`size` bytes; `full` = false: CF kept, as INC/DEC). */
function lazyFlags(kind: number, full: boolean, size: 1 | 4 = 4): string {
  if (kind === LAZY.LOGIC) return `cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = ${size}; cpu.lazyMask = ${ARITH_FLAGS};`;
  return `cpu.lzOp = ${kind}; cpu.lzDst = d; cpu.lzSrc = s; cpu.lzRes = v; cpu.lzSize = ${size}; cpu.lazyMask = ${full ? ARITH_FLAGS : ARITH_FLAGS & ~EFLAGS.CF};`;
}

function piece(code: string, o: Partial<Omit<Piece, 'code'>> = {}): Piece {
  const mem = o.mem ?? null;
  return {
    code,
    flags: o.flags ?? '',
    mem,
    faults: (o.faults ?? false) || mem !== null || (o.helper ?? false),
    stores: o.stores ?? (mem !== null && mem.op[0] === 'w'),
    killsFlags: o.killsFlags ?? false,
    readsFlags: o.readsFlags ?? false,
    helper: o.helper ?? false,
    branch: o.branch ?? null,
    cond: o.cond ?? null,
    segs: o.segs ?? [],
    slowHandler: o.slowHandler ?? false,
  };
}

function load(op: 'r8' | 'r16' | 'r32', i: Insn): MemOp {
  return { op, seg: i.seg, ea: eaExpr(i), val: '' };
}

/**
 * A read-modify-write of the dword at `i`'s memory operand: `then` computes `v` (and the flags)
 * from the loaded `m`, and `v` is stored back — inline when the TLB maps the page readable and
 * writable with no code on it (neither access can then fault or end the block), else through the
 * instruction's handler, which does it all (faults, code pages). No `cond`: after the handler
 * the locals d, s, v do not hold the operands.
 */
function rmw(i: Insn, then: string, readsFlags: boolean): Piece {
  return piece('', { mem: { op: 'rw32', seg: i.seg, ea: eaExpr(i), val: 'v', then }, readsFlags });
}

/**
 * The inline form of `i` (at `off` bytes from the block start), or null to call its handler.
 * Only 32-bit operand and address sizes are inlined (and one 16-bit store).
 */
function inlineForm(i: Insn, off: number): Piece | null {
  const b = branchForm(i, off);
  if (b !== undefined) return b;
  const str = repForm(i);
  if (str !== undefined) return str;
  if (i.ud || (i.hasMem && i.adsize !== 4)) return null;
  const h = i.row.handler;
  const mem = i.hasMem;
  // MOV r/m16, r16 to memory (the 16-bit store of word-array code).
  if (i.opsize === 2 && h === 'mov_EvGv' && mem) return piece('', { mem: { op: 'w16', seg: i.seg, ea: eaExpr(i), val: `r[${i.reg}] & 65535` } });
  // MOV r16, r/m16 from memory (the upper half of the dword kept).
  if (i.opsize === 2 && h === 'mov_GvEv' && mem) return piece(`r[${i.reg}] = (r[${i.reg}] & -65536) | m;`, { mem: load('r16', i) });
  // MOV r/m8, r8 and MOV r8, r/m8 (byte copies of string and decompression code).
  if (h === 'mov_EbGb') return mem ? piece('', { mem: { op: 'w8', seg: i.seg, ea: eaExpr(i), val: byteRegExpr(i.reg) } }) : piece(setByteReg(i.rm, byteRegExpr(i.reg)));
  if (h === 'mov_GbEb') return mem ? piece(setByteReg(i.reg, 'm'), { mem: load('r8', i) }) : piece(setByteReg(i.reg, byteRegExpr(i.rm)));
  if (h === 'mov_EbIb') return mem ? piece('', { mem: { op: 'w8', seg: i.seg, ea: eaExpr(i), val: `${i.imm & 0xff}` } }) : piece(setByteReg(i.rm, `${i.imm & 0xff}`));
  if (h === 'mov_ZbIb') return piece(setByteReg(i.zreg, `${i.imm & 0xff}`));
  if (i.opsize === 2 && !mem && SHIFT_HANDLERS.has(h)) return shift16Form(i, h);
  const us = h.indexOf('_');
  const op = ALU_OPS[h.slice(0, us)];
  const form = h.slice(us + 1);
  // Byte forms first: their size is the opcode's, whatever the operand-size prefix.
  if (op !== undefined && BYTE_FORMS.has(form)) return byteAluForm(i, op, form);
  // NOP (any operand size), PAUSE (a hint here) and NOP r/m (no memory access): nothing.
  if (h === 'nop' || h === 'pause' || h === 'nop_Ev') return piece('');
  if (i.opsize !== 4) return null;
  if (op !== undefined) {
    let dst: string;
    let src: string;
    let dn: number;
    if (form === 'EvGv' || form === 'GvEv') {
      const regIsDst = form === 'GvEv';
      if (mem && !regIsDst && op.writes) return rmw(i, `d = m; s = r[${i.reg}]; v = ${op.expr}; ${lazyFlags(op.lazy, true)}`, false);
      dn = regIsDst ? i.reg : i.rm;
      dst = regIsDst ? `r[${i.reg}]` : mem ? 'm' : `r[${i.rm}]`;
      src = regIsDst ? (mem ? 'm' : `r[${i.rm}]`) : `r[${i.reg}]`;
    } else if (form === 'EvIb' || form === 'EvIz' || form === 'EvIbs') {
      if (mem && op.writes) return rmw(i, `d = m; s = ${i.imm}; v = ${op.expr}; ${lazyFlags(op.lazy, true)}`, false);
      dn = i.rm;
      dst = mem ? 'm' : `r[${i.rm}]`;
      src = `${i.imm}`;
    } else if (form === 'eAXIz') {
      dn = 0;
      dst = 'r[0]';
      src = `${i.imm}`;
    } else return null;
    const store = op.writes ? ` r[${dn}] = v;` : '';
    const kind = op.lazy === LAZY.LOGIC ? 'logic' : op.lazy === LAZY.ADD ? 'add' : 'sub';
    return piece(`d = ${dst}; s = ${src}; v = ${op.expr};${store}`, { flags: lazyFlags(op.lazy, true), mem: mem ? load('r32', i) : null, killsFlags: !mem, cond: { kind, size: 4 } });
  }
  const carry = CARRY_OPS[h.slice(0, us)];
  if (carry !== undefined) {
    // ADC/SBB (as alu): CF in (`KEEPCF` makes it concrete in EFLAGS first), an ADD/SUB record of
    // d, s and the result with the carry in — whose CF, OF and AF formulas hold with a carry in.
    // No `cond`: a Jcc after it or INC/DEC's kept CF would compute CF without the carry in.
    let dst: string;
    let src: string;
    let dn: number;
    if (form === 'EvGv' || form === 'GvEv') {
      const regIsDst = form === 'GvEv';
      if (mem && !regIsDst) return null;
      dn = regIsDst ? i.reg : i.rm;
      dst = `r[${dn}]`;
      src = regIsDst ? (mem ? 'm' : `r[${i.rm}]`) : `r[${i.reg}]`;
    } else if ((form === 'EvIb' || form === 'EvIz' || form === 'EvIbs') && !mem) {
      dn = i.rm;
      dst = `r[${dn}]`;
      src = `${i.imm | 0}`;
    } else return null;
    return piece(`KEEPCF d = ${dst}; s = ${src}; v = (d ${carry} s ${carry} (cpu.flags & ${EFLAGS.CF})) | 0; r[${dn}] = v;`, {
      flags: lazyFlags(carry === '+' ? LAZY.ADD : LAZY.SUB, true),
      mem: mem ? load('r32', i) : null,
      readsFlags: true,
    });
  }
  switch (h) {
    case 'imul_GvEv':
    case 'imul_GvEvIz':
    case 'imul_GvEvIb':
    case 'imul_GvEvIbs': {
      // As imulTrunc: the low dword of the signed product; CF = OF = it does not fit (d = 1: the
      // double product is exact whenever it fits), AF = 0, SF/ZF/PF lazy from it.
      const e = mem ? 'm' : `r[${i.rm}]`;
      const [a, b] = h === 'imul_GvEv' ? [`r[${i.reg}]`, e] : [e, `${i.imm | 0}`];
      return piece(`d = ${a}; s = ${b}; v = Math.imul(d, s); d = d * s === v ? 0 : 1; r[${i.reg}] = v;`, {
        flags: `cpu.flags = (cpu.flags & ${~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)}) | (d * ${EFLAGS.CF | EFLAGS.OF}); cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = 4; cpu.lazyMask = ${EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF};`,
        mem: mem ? load('r32', i) : null,
        killsFlags: !mem,
      });
    }
    case 'mov_EvGv':
      return mem ? piece('', { mem: { op: 'w32', seg: i.seg, ea: eaExpr(i), val: `r[${i.reg}]` } }) : piece(`r[${i.rm}] = r[${i.reg}];`);
    case 'mov_GvEv':
      return mem ? piece(`r[${i.reg}] = m;`, { mem: load('r32', i) }) : piece(`r[${i.reg}] = r[${i.rm}];`);
    case 'mov_ZvIv':
      return piece(`r[${i.zreg}] = ${i.imm};`);
    case 'mov_EvIz':
      return mem ? piece('', { mem: { op: 'w32', seg: i.seg, ea: eaExpr(i), val: `${i.imm}` } }) : piece(`r[${i.rm}] = ${i.imm};`);
    case 'lea_GvM':
      return mem ? piece(`r[${i.reg}] = ${eaExpr(i)};`) : null;
    case 'movzx_GvEb':
      return mem ? piece(`r[${i.reg}] = m;`, { mem: load('r8', i) }) : piece(`r[${i.reg}] = ${byteRegExpr(i.rm)};`);
    case 'movzx_GvEw':
      return mem ? piece(`r[${i.reg}] = m;`, { mem: load('r16', i) }) : piece(`r[${i.reg}] = r[${i.rm}] & 65535;`);
    case 'movsx_GvEb':
      return mem ? piece(`r[${i.reg}] = (m << 24) >> 24;`, { mem: load('r8', i) }) : piece(`r[${i.reg}] = (${byteRegExpr(i.rm)} << 24) >> 24;`);
    case 'push_Zv':
      // On a 32-bit stack inline (as fastPush); else the interpreter's fast path (`@`: this instruction's index).
      return piece('', { mem: { op: 'w32', seg: 2, ea: '((r[4] - 4) | 0)', val: `r[${i.zreg}]`, guard: SS_B, then: 'r[4] = (r[4] - 4) | 0;', slow: 'PUSH(cpu, I[@]);' } });
    case 'pop_Zv':
      return piece('', { mem: { op: 'r32', seg: 2, ea: 'r[4]', val: '', guard: SS_B, then: `r[4] = (r[4] + 4) | 0; r[${i.zreg}] = m;`, slow: 'POP(cpu, I[@]);' } });
    case 'inc_Zv':
    case 'dec_Zv':
      // CF is kept: materialized from the previous lazy record first (setLazyKeepCF); `KEEPCF` is
      // replaced by that step, computed from the locals when the instruction before is inlined.
      return piece(`KEEPCF d = r[${i.zreg}]; s = 1; v = (d ${h === 'inc_Zv' ? '+' : '-'} 1) | 0; r[${i.zreg}] = v;`, {
        flags: lazyFlags(h === 'inc_Zv' ? LAZY.ADD : LAZY.SUB, false),
        readsFlags: true,
        cond: { kind: 'incdec', size: 4 },
      });
    case 'inc_Ev':
    case 'dec_Ev': {
      // FF /0, /1: as INC/DEC r32 above; on memory a read-modify-write.
      const body = `d = ${mem ? 'm' : `r[${i.rm}]`}; s = 1; v = (d ${h === 'inc_Ev' ? '+' : '-'} 1) | 0;`;
      const flags = lazyFlags(h === 'inc_Ev' ? LAZY.ADD : LAZY.SUB, false);
      if (mem) return rmw(i, `KEEPCF ${body} ${flags}`, true);
      return piece(`KEEPCF ${body} r[${i.rm}] = v;`, { flags, readsFlags: true, cond: { kind: 'incdec', size: 4 } });
    }
    case 'shl_EvCL':
    case 'shr_EvCL':
    case 'sar_EvCL':
      return mem ? null : shiftClForm(i, h);
    case 'not_Ev':
      return mem ? null : piece(`r[${i.rm}] = ~r[${i.rm}];`);
    case 'neg_Ev':
      return mem ? null : piece(`d = 0; s = r[${i.rm}]; v = (0 - s) | 0; r[${i.rm}] = v;`, { flags: lazyFlags(LAZY.SUB, true), killsFlags: true, cond: { kind: 'sub', size: 4 } });
    case 'rol_EvIb':
    case 'ror_EvIb':
    case 'rol_Ev1':
    case 'ror_Ev1': {
      // As shift() (count 1–31; 0 changes nothing): CF and OF, the other flags kept.
      const k = (h.endsWith('1') ? 1 : i.imm) & 0x1f;
      if (mem || k === 0) return null;
      const n = i.rm;
      const body = h.startsWith('rol')
        ? `d = r[${n}]; v = (d << ${k}) | (d >>> ${32 - k}); s = v & 1; d = ((v >>> 31) & 1) ^ s;`
        : `d = r[${n}]; v = (d >>> ${k}) | (d << ${32 - k}); s = (v >>> 31) & 1; d = ((v >>> 31) ^ (v >>> 30)) & 1;`;
      // CF and OF leave the lazy record (the other four stay lazy): the same EFLAGS as materializing first.
      // Dropped with the other flag updates when a later instruction overwrites all six unread.
      return piece(`${body} r[${n}] = v;`, { flags: `cpu.flags = (cpu.flags & ${~(EFLAGS.CF | EFLAGS.OF)}) | s | (d << 11); fm = fm & ${~(EFLAGS.CF | EFLAGS.OF)};`, readsFlags: true });
    }
    case 'shl_EvIb':
    case 'shr_EvIb':
    case 'sar_EvIb':
    case 'shl_Ev1':
    case 'shr_Ev1':
    case 'sar_Ev1':
      return shiftForm(i, h);
    default:
      return null;
  }
}

/** DF in EFLAGS (kept in `cpu.flags`, never lazy). */
const DF = EFLAGS.DF;

/**
 * CLD/STD, and forward REP MOVS/STOS with 32-bit addressing done at once (undefined: neither;
 * null: through the handler). The whole run must be one the per-iteration path makes through the
 * RAM fast path with no side effect but the bytes (as `bulkRun` in exec/string.ts): DF = 0, ECX
 * ≤ `REP_CHUNK` (so no yield), source and destination each within their segment bounds and inside
 * one page, mapped readable / writable in the TLB, no code on the destination page, and a copy
 * that reads nothing it wrote (destination not above an overlapping source). Anything else calls
 * the handler, which does the per-iteration work (faults, yields, overlap) exactly.
 */
function repForm(i: Insn): Piece | null | undefined {
  const h = i.row.handler;
  if (h === 'cld' || h === 'std') return piece(h === 'cld' ? `cpu.flags = cpu.flags & ${~DF};` : `cpu.flags = cpu.flags | ${DF};`);
  const movs = h === 'movs_XbYb' || h === 'movs_XvYv' || h === 'movs_YbXb' || h === 'movs_YvXv';
  const stos = h === 'stos_YbAL' || h === 'stos_YveAX';
  if (!movs && !stos) return undefined;
  if (i.ud || i.adsize !== 4 || (i.prefixes & (PREFIX.REP | PREFIX.REPNE)) === 0) return null;
  const size = h.endsWith('b') || h === 'stos_YbAL' ? 1 : i.opsize;
  const s = i.seg;
  const len = size === 1 ? 'n' : `n * ${size}`;
  const inPage = (lin: string): string => `(${lin} & 4095) + len <= 4096`;
  const dst = `(xw0 || (od >= lo0 && od + len - 1 <= hw0))`;
  let body: string;
  if (movs) {
    const src = `(xr${s} || (os >= lo${s} && os + len - 1 <= hr${s}))`;
    body =
      `const os = r[6] >>> 0, od = r[7] >>> 0; ` +
      `if (${src} && ${dst}) { const ls = (b${s} + r[6]) | 0, ld = (b0 + r[7]) | 0; ` +
      `if (${inPage('ls')} && ${inPage('ld')}) { const ts = TE[ls >>> 12], td = TE[ld >>> 12]; ` +
      `if ((ts & RB) !== 0 && (td & WB) !== 0 && CP[td >>> 12] === 0) { const ps = (ts & -4096) | (ls & 4095), pd = (td & -4096) | (ld & 4095); ` +
      `if (pd <= ps || pd >= ps + len) { RC(pd, ps, len); r[6] = (r[6] + len) | 0; r[7] = (r[7] + len) | 0; r[1] = 0; ok = true; } } } }`;
  } else {
    // Equal bytes (a memset, such as clearing a page) are one fill, as in string.ts.
    const same = size === 1 ? 'true' : size === 2 ? '(r[0] & 65535) === (r[0] & 255) * 257' : '(((r[0] & 255) * 16843009) | 0) === r[0]';
    const fill = `if (${same}) RF(pd, r[0] & 255, len); else for (let p = pd; p < pd + len; p += ${size}) VW.${size === 2 ? 'setUint16' : 'setInt32'}(p, r[0], true);`;
    body =
      `const od = r[7] >>> 0; ` +
      `if (${dst}) { const ld = (b0 + r[7]) | 0; ` +
      `if (${inPage('ld')}) { const td = TE[ld >>> 12]; ` +
      `if ((td & WB) !== 0 && CP[td >>> 12] === 0) { const pd = (td & -4096) | (ld & 4095); ${fill} r[7] = (r[7] + len) | 0; r[1] = 0; ok = true; } } }`;
  }
  // ECX = 0: nothing to do (as the handler). The count is at most REP_CHUNK: no yield.
  const code = `{ const n = r[1] >>> 0; let ok = n === 0; if (!ok && (cpu.flags & ${DF}) === 0 && n <= ${REP_CHUNK}) { const len = ${len}; ${body} } if (!ok) { HANDLERSLOW } }`;
  return piece(code, { faults: true, stores: true, segs: movs ? [0, s] : [0], slowHandler: true });
}

/** The stack is 32-bit (SS.B): the condition of the inline stack accesses. */
const SS_B = 'SSB';

/** A branch target's check against CS.limit: #GP(0) past it, with the state stored and EIP this instruction's (FAULTPREP). */
const GP_CHECK = `if (t >>> 0 > CSL) { FAULTPREP RAISE(cpu, ${VECTOR.GP}, 0); }`;

/** Near JMP rel / CALL rel / RET / JMP r/m32 with 32-bit operand size (undefined: not a branch form; null: through the handler). */
function branchForm(i: Insn, off: number): Piece | null | undefined {
  const h = i.row.handler;
  if (h !== 'jmp_Jb' && h !== 'jmp_Jz' && h !== 'call_Jz' && h !== 'ret' && h !== 'ret_Iw' && h !== 'jmp_Ev' && h !== 'loop_Jb') return undefined;
  if (i.opsize !== 4 || i.ud) return null;
  const next = off + i.length;
  // FAULTPREP: the state stored and EIP set (this instruction) before the #GP. A constant target's
  // check is the token GPCHECK, which `emitBlock` drops for a target in a region's page (`BlockExits.pageOffset`).
  const gp = GP_CHECK;
  switch (h) {
    case 'jmp_Jb':
    case 'jmp_Jz':
      return piece(`t = (e0 + ${next + i.imm}) | 0; GPCHECK`, { faults: true, branch: { rel: next + i.imm } });
    case 'loop_Jb':
      // As loop(): ECX decremented first (also when the jump then faults), no flags.
      if (i.adsize !== 4) return null;
      return piece(`r[1] = (r[1] - 1) | 0; if (r[1] !== 0) { t = (e0 + ${next + i.imm}) | 0; ${gp} } else t = (e0 + ${next}) | 0;`, { faults: true, branch: { rel: null } });
    case 'call_Jz':
      // As callRel: the target checked, then the return address pushed (inline on a 32-bit stack).
      return piece('', {
        mem: { op: 'w32', seg: 2, ea: '((r[4] - 4) | 0)', val: `(e0 + ${next}) | 0`, guard: SS_B, pre: `t = (e0 + ${next + i.imm}) | 0; GPCHECK`, then: 'r[4] = (r[4] - 4) | 0;', slow: `PUSH32(cpu, (e0 + ${next}) | 0);` },
        branch: { rel: next + i.imm },
      });
    case 'ret':
    case 'ret_Iw': {
      const extra = h === 'ret' ? 0 : i.imm & 0xffff;
      return piece('', { mem: { op: 'r32', seg: 2, ea: 'r[4]', val: '', guard: SS_B, then: `t = m; ${gp} r[4] = (r[4] + ${4 + extra}) | 0;`, slow: `t = RET(cpu, ${extra});` }, branch: { rel: null } });
    }
    default:
      if (i.mod === 3) return piece(`t = r[${i.rm}]; ${gp}`, { faults: true, branch: { rel: null } });
      return i.adsize === 4 ? piece(`t = m; ${gp}`, { mem: load('r32', i), branch: { rel: null } }) : null;
  }
}

/**
 * SHL/SHR/SAR of `x` by `k` (1–31: a constant, or a local's name): leaves the result in v, CF in
 * s and OF (0/1, by the count-1 rule, as `shift`) in d.
 */
function shiftBody(h: string, x: string, k: number | string): string {
  const less = typeof k === 'number' ? `${k - 1}` : `(${k} - 1)`;
  if (h.startsWith('shl')) return `d = ${x}; v = d << ${k}; s = (d >>> ${typeof k === 'number' ? 32 - k : `(32 - ${k})`}) & 1; d = (v >>> 31) ^ s;`;
  if (h.startsWith('shr')) return `d = ${x} >>> ${less}; v = (d >>> 1) | 0; s = d & 1; d = ((d ^ v) >>> 31) & 1;`;
  return `d = ${x} >> ${less}; v = d >> 1; s = d & 1; d = 0;`;
}

/** The flags of SHL/SHR/SAR by a count of 1–31 from the locals (CF in s, OF in d, the `size`-byte result in v): CF, OF, AF=0 concrete, SF/ZF/PF lazy. */
function shiftFlags(size: 2 | 4): string {
  return `cpu.flags = (cpu.flags & ${~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)}) | s | (d << 11); cpu.lzOp = ${LAZY.LOGIC}; cpu.lzRes = v; cpu.lzSize = ${size}; cpu.lazyMask = ${EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF};`;
}

/** SHL/SHR/SAR r/m32 by a constant 1–31 (as `fastShift`; on memory a read-modify-write). */
function shiftForm(i: Insn, h: string): Piece | null {
  const k = (h.endsWith('1') ? 1 : i.imm) & 0x1f;
  if (k === 0) return null;
  if (i.mod !== 3) return rmw(i, `${shiftBody(h, 'm', k)} ${shiftFlags(4)}`, false);
  const n = i.rm;
  return piece(`${shiftBody(h, `r[${n}]`, k)} r[${n}] = v;`, { flags: shiftFlags(4), killsFlags: true, cond: { kind: 'shift', size: 4 } });
}

/** SHL/SHR/SAR r/m by an immediate or by 1. */
const SHIFT_HANDLERS: ReadonlySet<string> = new Set(['shl_EvIb', 'shr_EvIb', 'sar_EvIb', 'shl_Ev1', 'shr_Ev1', 'sar_Ev1']);

/**
 * SHL/SHR/SAR r16 by a constant 1–31 (as `shift` with size 2: a count past 16 shifts everything
 * out; CF, OF by the count-1 rule, AF=0, SF/ZF/PF lazy from the 16-bit result); the upper half of
 * the dword is kept.
 */
function shift16Form(i: Insn, h: string): Piece | null {
  const k = (h.endsWith('1') ? 1 : i.imm) & 0x1f;
  if (k === 0) return null;
  const n = i.rm;
  let body: string;
  if (h.startsWith('shl')) body = `d = r[${n}] & 65535; v = (d << ${k}) & 65535; s = ${k <= 16 ? `(d >>> ${16 - k}) & 1` : '0'}; d = (v >>> 15) ^ s;`;
  else if (h.startsWith('shr')) body = `d = (r[${n}] & 65535) >>> ${k - 1}; v = (d >>> 1) & 65535; s = d & 1; d = ((d ^ v) >>> 15) & 1;`;
  else body = `d = ((r[${n}] << 16) >> 16) >> ${k - 1}; v = (d >> 1) & 65535; s = d & 1; d = 0;`;
  return piece(`${body} r[${n}] = (r[${n}] & -65536) | v;`, {
    flags: shiftFlags(2),
    killsFlags: true,
    cond: { kind: 'shift', size: 2 },
  });
}

/**
 * SHL/SHR/SAR r32 by CL: a masked count of 0 changes nothing, flags included, so the flags are
 * written in the code (never dropped as dead) and a Jcc after it reads the lazy record.
 */
function shiftClForm(i: Insn, h: string): Piece {
  const n = i.rm;
  return piece(`{ const sc = r[1] & 31; if (sc !== 0) { ${shiftBody(h, `r[${n}]`, 'sc')} r[${n}] = v; ${shiftFlags(4)} } }`, { readsFlags: true });
}

/**
 * The JavaScript condition of Jcc `cc` (SDM encoding: cc>>1 picks O,B,Z,BE,S,P,L,LE; bit 0
 * negates) from the locals of the inlined instruction just before it, or null when only the
 * lazy record can answer (OF, PF, ADD's signed conditions, INC/DEC's CF).
 */
function inlineCondition(cc: number, c: CondSource): string | null {
  const k = c.kind;
  let e: string | null = null;
  switch (cc >> 1) {
    case 1:
      e = k === 'shift' ? 's !== 0' : c.size !== 4 ? null : k === 'sub' ? '(d >>> 0) < (s >>> 0)' : k === 'add' ? '(v >>> 0) < (d >>> 0)' : k === 'logic' ? 'false' : null;
      break;
    case 2:
      e = 'v === 0';
      break;
    case 3:
      e = c.size !== 4 ? null : k === 'sub' ? '(d >>> 0) <= (s >>> 0)' : k === 'logic' ? 'v === 0' : null;
      break;
    case 4:
      e = c.size === 4 ? 'v < 0' : null;
      break;
    case 6:
      e = c.size !== 4 ? null : k === 'sub' ? '(d | 0) < (s | 0)' : k === 'logic' ? 'v < 0' : null;
      break;
    case 7:
      e = c.size !== 4 ? null : k === 'sub' ? '(d | 0) <= (s | 0)' : k === 'logic' ? 'v <= 0' : null;
      break;
  }
  if (e === null) return null;
  return (cc & 1) === 0 ? `(${e})` : `!(${e})`;
}

/** `r[n]` in a piece's code: a register of `cpu.regs`, held in the local `rn` in compiled code. */
const REG_REF = /\br\[(\d)\]/g;
const REG_WRITE = /\br\[(\d)\] = /g;
/** The lazy flag record's fields and their locals in compiled code. */
const FLAG_FIELDS: readonly (readonly [string, string])[] = [
  ['lzOp', 'fo'],
  ['lzDst', 'fd'],
  ['lzSrc', 'fs'],
  ['lzRes', 'fr'],
  ['lzSize', 'fz'],
  ['lazyMask', 'fm'],
  // EFLAGS' other bits (and CF/OF while not lazy): INC/DEC's kept CF, shifts, CLD/STD.
  ['flags', 'fl'],
];
const FLAG_REF = /\bcpu\.(lzOp|lzDst|lzSrc|lzRes|lzSize|lazyMask|flags)\b/g;
const FLAG_LOCAL: Readonly<Record<string, string>> = Object.fromEntries(FLAG_FIELDS);
const SYNC_FLAGS = FLAG_FIELDS.map(([f, l]) => `cpu.${f} = ${l};`).join(' ');
const LOAD_FLAGS = FLAG_FIELDS.map(([f, l]) => `${l} = cpu.${f};`).join(' ');

/** Code with its registers and lazy-flag fields renamed to the locals. */
function localize(code: string): string {
  return code.replace(REG_REF, 'r$1').replace(FLAG_REF, (_m, f: string) => FLAG_LOCAL[f]!);
}

/**
 * Near control transfers after which a region goes straight on to the next block: they change
 * only EIP, ESP and the stack (never the mode, CS or the TLB). A block ending in any other
 * handler returns to the engine, which accounts it and looks the next block up itself.
 */
const CONTINUE_HANDLERS: ReadonlySet<string> = new Set(['jcc_Jb', 'jcc_Jz', 'jmp_Jb', 'jmp_Jz', 'call_Jz', 'jmp_Ev', 'call_Ev', 'ret', 'ret_Iw', 'loop_Jb', 'loope_Jb', 'loopne_Jb', 'jecxz_Jb']);

/** How one block's code leaves: the standalone function's returns, or a region's block boundary. */
interface BlockExits {
  /** Names of the block's Insn and handler arrays in the generated code. */
  readonly I: string;
  readonly F: string;
  /**
   * Leaves with `done` instructions executed, the caller accounting the block. Used only right
   * after a handler, a helper or a memory slow path, where the CPU's state is exact (and newer than
   * the locals): it stores nothing.
   */
  partial(done: number): string;
  /**
   * Ends the block normally: `eipExpr` is the next EIP (cpu.eip is not set yet; the state may
   * be unstored); `rel` is its distance from the block's first EIP when constant, else null;
   * `checked`: the next EIP was already checked against CS.limit (a branch target).
   */
  finish(eipExpr: string, rel: number | null, checked: boolean): string;
  /** Inside a region: the block's last handler may continue to the next block in the region. */
  readonly region: boolean;
  /**
   * Regions only: the block's page offset. A region runs only while its whole page lies within
   * CS.limit, so a constant branch target in the page needs no CS.limit check. Null: every target is checked.
   */
  readonly pageOffset: number | null;
  /**
   * Code telling the engine which block runs, emitted before every slow path, helper or handler
   * (only those can write to a code page and drop the block: a fast-path store never does).
   */
  readonly current: string;
  /**
   * Regions only: the slow path of a plain load or store leaves the block's code for the region's
   * one shared slow-path case and resumes after it (`OutOfLine`); null: inline slow paths.
   */
  readonly outOfLine: OutOfLine | null;
}

/**
 * A region's shared memory slow path: `jump` gives the code that records the access (the
 * `SLOW_KIND` of the access, its segment, offset local `o`, the value a store writes, the EIP the
 * CPU must show, the EIP after it and the instructions done for a block break) and jumps to the
 * slow-path case; the code after it starts with the returned `resume` case label.
 */
interface OutOfLine {
  jump(kind: number, seg: number, val: string, eipExpr: string, nextExpr: string, done: number): { readonly code: string; readonly resume: string };
}

/** The shared slow path's access kinds (`sk`): loads below 3, stores from 3. */
const SLOW_KIND = { r8: 0, r16: 1, r32: 2, w16: 3, w32: 4, w8: 5 } as const;

/** The inline forms of a block's instructions (null: through the handler). */
function inlinePieces(insns: readonly Insn[]): (Piece | null)[] {
  let off = 0;
  const out: (Piece | null)[] = [];
  for (const i of insns) {
    const prev = out.length > 0 ? out[out.length - 1] : null;
    out.push(inlineForm(i, off) ?? conditionalForm(i, prev?.cond ?? null));
    off += i.length;
  }
  return out;
}

/**
 * SETcc r8 and CMOVcc r32, r/m32. The condition comes from the locals of the inlined instruction
 * before it when they answer it (as a Jcc there: `inlineCondition`), else from the lazy flag
 * locals (`flagCondition`). Neither writes the flags or d/s/v, so the condition's source passes on
 * to the instruction after it. CMOVcc reads its memory operand whatever the condition (as `cmov`:
 * a fault either way).
 */
function conditionalForm(i: Insn, cond: CondSource | null): Piece | null {
  const h = i.row.handler;
  if ((h !== 'setcc_Eb' && h !== 'cmovcc_GvEv') || i.ud) return null;
  const c = (cond === null ? null : inlineCondition(i.cc, cond)) ?? flagCondition(i.cc);
  if (h === 'setcc_Eb') return i.hasMem ? null : piece(setByteReg(i.rm, `(${c} ? 1 : 0)`), { readsFlags: true, cond });
  if (i.opsize !== 4 || (i.hasMem && i.adsize !== 4)) return null;
  return i.hasMem ? piece(`if (${c}) r[${i.reg}] = m;`, { mem: load('r32', i), readsFlags: true, cond }) : piece(`if (${c}) r[${i.reg}] = r[${i.rm}];`, { readsFlags: true, cond });
}

/**
 * Condition `cc` of the flag state the compiled code holds in its locals — the lazy record, its
 * mask and the other bits (`conditionOf`, as `testCondition` of the CPU they are stored to). The
 * locals are exact wherever an instruction reads the flags: no flag record before it is skipped
 * or deferred (`flagsDead`, `flagsDeadButFaults` stop at a reader), and handlers reload them.
 */
function flagCondition(cc: number): string {
  return `COND(${cc}, fo, fd, fs, fr, fz, fm, fl)`;
}

function isJcc(i: Insn): boolean {
  return i.row.handler === 'jcc_Jb' || i.row.handler === 'jcc_Jz';
}

/** Registers (numbers) the inlined instructions of `pieces` use (`written`: only those they write). */
function regsOf(pieces: readonly (Piece | null)[], written: boolean): number[] {
  const used = new Set<number>();
  for (const p of pieces) {
    if (p === null) continue;
    const mo = p.mem;
    const text = written ? `${p.code} ${mo?.then ?? ''} ${mo?.pre ?? ''}` : `${p.code} ${mo?.ea ?? ''} ${mo?.val ?? ''} ${mo?.then ?? ''} ${mo?.pre ?? ''}`;
    for (const m of text.matchAll(written ? REG_WRITE : REG_REF)) used.add(Number(m[1]));
  }
  return [...used].sort();
}

/**
 * True when the flags piece `k` writes are overwritten before anything can observe them: a later
 * inlined instruction of the block writes all six without reading any, and nothing between
 * reads them, can fault (exception delivery pushes EFLAGS) or is a handler.
 */
function flagsDead(pieces: readonly (Piece | null)[], k: number): boolean {
  for (let j = k + 1; j < pieces.length; j++) {
    const p = pieces[j];
    if (p === null || p === undefined || p.readsFlags || p.faults) return false;
    if (p.killsFlags) return true;
  }
  return false;
}

/** Code that assigns d, s or v (the locals a flag record is made of). */
const WRITES_DSV = /\b[dsv] = /;

/**
 * True when the flags piece `k` writes are overwritten before anything but a fault can observe
 * them: a later inlined instruction of the block writes all six without reading any, and the
 * instructions between read no flags, write none, are not handlers or helpers and leave the locals
 * d, s, v alone. The record is then written only on their fault and slow paths (before the state
 * is stored), from the same d, s, v.
 */
function flagsDeadButFaults(pieces: readonly (Piece | null)[], k: number): boolean {
  for (let j = k + 1; j < pieces.length; j++) {
    const p = pieces[j];
    if (p === null || p === undefined || p.readsFlags || p.helper || p.slowHandler || p.branch !== null) return false;
    if (p.killsFlags) return true;
    if (p.flags !== '' || WRITES_DSV.test(p.code) || WRITES_DSV.test(p.mem?.then ?? '') || WRITES_DSV.test(p.mem?.pre ?? '')) return false;
  }
  return false;
}

/**
 * INC/DEC's keeping of CF (`setLazyKeepCF`): when the instruction before it is inlined, CF is
 * known from its locals (or the lazy record has no CF to keep); else from the lazy record.
 */
function keepCf(prev: Piece | null | undefined): string {
  const c = prev?.cond;
  if (c === null || c === undefined) {
    // A 32-bit ADD/SUB record's carry computed here (`getCF`'s formula); any other through CARRY (`cfOf`).
    const add = `((fd & fs) | ((fd | fs) & ~fr)) >>> 31`;
    const sub = `((~fd & fs) | ((~fd | fs) & fr)) >>> 31`;
    return `if ((fm & ${EFLAGS.CF}) !== 0) cpu.flags = (cpu.flags & ${~EFLAGS.CF}) | (fz !== 4 ? CARRY(fo, fd, fs, fr, fz, fm, fl) : fo === ${LAZY.ADD} ? ${add} : fo === ${LAZY.SUB} ? ${sub} : CARRY(fo, fd, fs, fr, fz, fm, fl));`;
  }
  if (c.kind === 'shift' || c.kind === 'incdec') return '';
  if (c.kind === 'logic') return `cpu.flags = cpu.flags & ${~EFLAGS.CF};`;
  const borrow = c.kind === 'sub' ? '(d >>> 0) < (s >>> 0)' : '(v >>> 0) < (d >>> 0)';
  return c.size === 4 ? `cpu.flags = (cpu.flags & ${~EFLAGS.CF}) | (${borrow} ? 1 : 0);` : keepCf(null);
}

/**
 * After anything that may have changed the TLB, a segment or CPL (a memory slow path, a helper, a
 * handler): the fetch translation is checked again at the next block boundary (`tf`), and the
 * stack window is closed.
 *
 * STACK_WINDOW: the page of SS offsets the last inline stack access (PUSH/POP/CALL/RET on a flat,
 * 32-bit stack) found mapped readable and writable in the TLB, with no code on it, with the pages
 * either side that are so too and physically adjacent (`OPEN_WINDOW`) — `ks` its first offset,
 * `kp` its RAM address, `kl` its last dword's offset (4092, 8188 or 12284; -1: closed). A dword stack access in it
 * is exactly the RAM fast path's access (nothing that could change the answer ran since: code pages
 * are only added outside a region call), without looking at the segment, the TLB or the code pages.
 */
const TOUCHED = 'tf = 1; kl = -1;';

/**
 * Opens the stack window at the page of `lin` (`te` its TLB entry: RAM with read and write rights,
 * no code) and widens it by the linear page below and the one above when each is in the TLB with
 * read and write rights, holds no code and is the physically adjacent page — accesses there are
 * then exactly the ones the TLB fast path would make (a stack straddling a page boundary: 8 KiB
 * kernel stacks, the speed guest's call loop). `ks`/`kp`: the window's linear and physical start;
 * `kl`: its last offset for a dword, or `kw` = -1 (shut) in warm-up. Branch-free (`&` on booleans),
 * so that all of it has run — and V8 has type feedback for it — wherever it runs at all; a
 * neighbour that is not a candidate looks up its own page's code count instead (in range).
 */
const OPEN_WINDOW =
  'const u = TE[((lin >>> 12) - 1) & 1048575], w = TE[((lin >>> 12) + 1) & 1048575], p0 = te & -4096; ' +
  'const bu = (p0 !== 0) & ((u & RB) !== 0) & ((u & WB) !== 0) & ((u & -4096) === p0 - 4096), bw = ((w & RB) !== 0) & ((w & WB) !== 0) & ((w & -4096) === p0 + 4096); ' +
  'const lo = bu & (CP[(bu !== 0 ? u : te) >>> 12] === 0), hi = bw & (CP[(bw !== 0 ? w : te) >>> 12] === 0); ' +
  'ks = (a - (lin & 4095) - (lo << 12)) | 0; kp = p0 - (lo << 12); kl = (kw + ((lo + hi) << 12)) | (kw >> 31);';

/** The value of a load from the RAM fast path (`te`: the TLB entry, `lin`: the linear address). */
const FAST_LOAD = { r8: 'RAM[(te & -4096) | (lin & 4095)]', r16: 'VW.getUint16((te & -4096) | (lin & 4095), true)', r32: 'VW.getInt32((te & -4096) | (lin & 4095), true)' } as const;
const SLOW = { r8: 'R8', r16: 'R16', r32: 'R32', w8: 'W8', w16: 'W16', w32: 'W32' } as const;

/**
 * The statements of one block. The registers the region's inlined instructions use live in
 * locals `r0`…`r7`, the lazy flag record in `fo fd fs fr fz fm` and the clock in `cy`: the locals
 * are the truth (equal to the CPU at entry, reloaded after every helper or handler), the CPU's
 * copies are stored from them before anything that can fault or looks at the CPU (a handler, a
 * helper, a memory slow path, a #GP) and before the block is left. Memory accesses take the
 * inline TLB fast path (RAM, segment bounds, page-internal, no code page for stores) and call
 * the interpreter's read/write functions otherwise. `e0` holds the block's first EIP.
 */
function emitBlock(insns: readonly Insn[], pieces: readonly (Piece | null)[], locals: readonly number[], written: readonly number[], segs: readonly number[], x: BlockExits): string[] {
  const n = insns.length;
  const out: string[] = [];
  // What may differ from the CPU's copy (at block entry: everything).
  const dirty = new Set<number>(written);
  let flagsDirty = true;
  let cyDirty = true;
  /** A flag record written only on the fault and slow paths until the instruction that overwrites it (`flagsDeadButFaults`). */
  let pending = '';
  /** Stores what may differ; `clean`: the path goes on with the CPU exact. */
  const store = (clean: boolean): string => {
    const code = [...dirty].map((k) => `r[${k}] = r${k};`);
    if (flagsDirty) code.push(SYNC_FLAGS);
    if (cyDirty) code.push('cpu.cycles = cy;');
    if (clean) {
      dirty.clear();
      flagsDirty = false;
      cyDirty = false;
    }
    return code.join(' ');
  };
  /** Reloads the registers, flags and cycles from the CPU (after a stack helper: PUSH/POP/CALL/RET change those, the stack and the TLB's contents only — a fault throws — so the segment, TLB and CPL locals stay valid). */
  const reloadState = (): string => `${locals.map((k) => `r${k} = r[${k}];`).join(' ')} ${LOAD_FLAGS} cy = cpu.cycles;`;
  /** Reloads every local from the CPU (after a helper or handler changed it). */
  const reloadText = (): string => `${reloadState()} ${loadEnv(segs)}`;
  const reloadAll = (): string => {
    dirty.clear();
    flagsDirty = false;
    cyDirty = false;
    return reloadText();
  };
  let off = 0;
  const eip = (o: number): string => (o === 0 ? 'e0' : `(e0 + ${o}) | 0`);
  /** A constant target (`rel` from the block's first EIP) within the region's page: no CS.limit check. */
  const inPage = (rel: number): boolean => x.pageOffset !== null && x.pageOffset + rel >= 0 && x.pageOffset + rel <= 0xfff;
  /** The GPCHECK token of a branch form with constant target `rel`, if it has one. */
  const gpCheck = (text: string, rel: number | null): string => text.replace('GPCHECK', rel !== null && inPage(rel) ? '' : GP_CHECK);
  for (let k = 0; k < n; k++) {
    const ins = insns[k]!;
    const next = off + ins.length;
    const p = pieces[k];
    const last = k === n - 1;
    if (p === null || p === undefined) {
      const h = ins.row.handler;
      const jcc = isJcc(ins);
      const prev = k > 0 ? pieces[k - 1] : null;
      const before = prev === null || prev === undefined || prev.cond === null ? null : inlineCondition(ins.cc, prev.cond);
      const cond = jcc && last && ins.opsize === 4 ? (before ?? flagCondition(ins.cc)) : null;
      if (cond !== null) {
        // The branch on the locals of the instruction before it, or on the flag locals; #GP(0) for a target past CS.limit, as fastJcc.
        const gp = `${store(false)} cpu.eip = ${eip(off)}; RAISE(cpu, ${VECTOR.GP}, 0);`;
        const check = inPage(next + ins.imm) ? '' : `if (t >>> 0 > CSL) { ${gp} } `;
        out.push(`if (${cond}) { const t = (e0 + ${next + ins.imm}) | 0; ${check}${x.finish('t', next + ins.imm, true)} }`);
        out.push(`else { ${x.finish(eip(next), next, false)} }`);
        off = next;
        continue;
      }
      out.push(store(true));
      out.push(`cpu.eip = ${eip(off)}; cpu.nextEip = ${eip(next)}; ${TOUCHED} ${x.current}`);
      // A Jcc here has a 16-bit operand size (IP wraps at 64 KiB): through its fast path.
      out.push(jcc ? `JCC(cpu, ${x.I}[${k}]);` : `${x.F}[${k}](cpu, ${x.I}[${k}]);`);
      if (last && x.region && CONTINUE_HANDLERS.has(h)) {
        out.push(`if (cpu.blockBreak) { cpu.eip = cpu.nextEip; ${x.partial(n)} }`);
        out.push(jcc ? '' : reloadAll());
        out.push(x.finish('cpu.nextEip', null, false));
      } else {
        out.push('cpu.eip = cpu.nextEip;');
        out.push(last ? x.partial(n) : `if (cpu.blockBreak) { ${x.partial(k + 1)} }`);
        if (!last) out.push(reloadAll());
      }
      off = next;
      continue;
    }
    const prep = (): string => `${pending} ${store(false)} cpu.eip = ${eip(off)}; ${TOUCHED} ${x.current}`;
    if (p.mem !== null) {
      const mo = p.mem;
      const size = mo.op === 'r8' || mo.op === 'w8' ? 1 : mo.op === 'r16' || mo.op === 'w16' ? 2 : 4;
      const rmw = mo.op === 'rw32';
      // A read-modify-write is checked as a write (a writable data segment is readable).
      const write = mo.op[0] === 'w' || rmw;
      const inPage = size === 4 ? ' && (lin & 4095) <= 4092' : size === 2 ? ' && (lin & 4095) !== 4095' : '';
      const bound = write ? 'hw' : 'hr';
      if (mo.pre !== undefined) out.push(localize(gpCheck(mo.pre, p.branch?.rel ?? null).replace('I[', `${x.I}[`)).replace('FAULTPREP', prep()));
      const guard = mo.guard === undefined ? '' : `${mo.guard} && `;
      // The access's own locals (o, lin, te) are scoped to it: short live ranges for V8's register allocator.
      // `a`: the offset as int32 (the linear address an int32 sum); `x…`: a flat segment, whose bounds the in-page test covers.
      const g = mo.seg;
      if (mo.then !== undefined) for (const w of mo.then.matchAll(REG_WRITE)) dirty.add(Number(w[1]));
      const then = mo.then === undefined ? '' : localize(mo.then).replace('FAULTPREP', prep()).replace('KEEPCF', localize(keepCf(pieces[k - 1])));
      // PUSH/POP/CALL/RET: through the stack window when the offset is in it, else the whole check (which opens the window).
      const win = mo.guard !== undefined && size === 4;
      if (win) {
        const fastWin = write ? `VW.setInt32(kp + q, ${localize(mo.val)}, true);` : 'm = VW.getInt32(kp + q, true);';
        out.push(`{ const a = ${localize(mo.ea)}, q = (a - ks) | 0; if ((q >>> 0) <= kl) { ${fastWin} ${then} } else {`);
      }
      // `kw`: 4092, or -1 in the warm-up calls that keep the window shut (see WARM_CALLS). The window
      // takes in the linear pages either side when the TLB maps them to the physical pages either side
      // with the same rights (a stack that straddles a page boundary: 8 KiB kernel stacks, the call loop).
      const open = win ? `if (xr${g} && xw${g} && (te & RB) !== 0 && (te & WB) !== 0 && CP[te >>> 12] === 0) { ${OPEN_WINDOW} }` : '';
      const close = win ? ' } }' : '';
      out.push(`{ const ${win ? '' : `a = ${localize(mo.ea)}, `}o = a >>> 0; let lin = 0, te = 0; if (${guard}(x${bound[1]}${g} || (o >= lo${g} && o + ${size - 1} <= ${bound}${g}))) { lin = (b${g} + a) | 0; te = TE[lin >>> 12]; }`);
      // A helper slow path does the whole instruction (state stored before, reloaded after); a plain one only the access.
      const slowCall = (call: string): string =>
        mo.slow === undefined ? `${prep()} ${call} cy = cpu.cycles;` : `${prep()} ${localize(mo.slow.replace('@', `${k}`).replace('I[', `${x.I}[`))} ${reloadState()}`;
      if (rmw) {
        // Both accesses inline, or the handler for the whole instruction (state stored before, reloaded after; a code-page store ends the block).
        const handler = `${prep()} cpu.nextEip = ${eip(next)}; ${x.F}[${k}](cpu, ${x.I}[${k}]); ${reloadState()} if (cpu.blockBreak) { cpu.eip = ${eip(next)}; ${x.partial(k + 1)} }`;
        out.push(`if ((te & RB) !== 0 && (te & WB) !== 0${inPage} && CP[te >>> 12] === 0) { const pa = (te & -4096) | (lin & 4095); m = VW.getInt32(pa, true); ${then} VW.setInt32(pa, ${localize(mo.val)}, true); } else { ${handler} } }`);
        flagsDirty = true;
      } else if (write) {
        const wop = mo.op as 'w8' | 'w16' | 'w32';
        const val = localize(mo.val);
        const fast = size === 4 ? `VW.setInt32((te & -4096) | (lin & 4095), ${val}, true);` : size === 2 ? `VW.setUint16((te & -4096) | (lin & 4095), ${val}, true);` : `RAM[(te & -4096) | (lin & 4095)] = ${val};`;
        // The slow path leaves the CPU exact; a code-page or MMIO write may end the block after it.
        const ool = x.outOfLine !== null && mo.slow === undefined && mo.then === undefined ? x.outOfLine.jump(SLOW_KIND[wop], mo.seg, val, eip(off), p.branch === null ? eip(next) : 't', k + 1) : null;
        const slow = ool !== null ? `${pending} ${ool.code}` : `${slowCall(`${SLOW[wop]}(cpu, ${mo.seg}, o, ${val});`)} if (cpu.blockBreak) { cpu.eip = ${p.branch === null ? eip(next) : 't'}; ${x.partial(k + 1)} }`;
        out.push(`if ((te & WB) !== 0${inPage} && CP[te >>> 12] === 0) { ${fast} ${then} ${open} } else { ${slow} } }${close}`);
        if (ool !== null) out.push(ool.resume);
      } else {
        const op = mo.op as 'r8' | 'r16' | 'r32';
        const ool = x.outOfLine !== null && mo.slow === undefined && mo.then === undefined ? x.outOfLine.jump(SLOW_KIND[op], mo.seg, '0', eip(off), '0', k + 1) : null;
        out.push(`if ((te & RB) !== 0${inPage}) { m = ${FAST_LOAD[op]}; ${then} ${open} } else { ${ool !== null ? `${pending} ${ool.code}` : slowCall(`m = ${SLOW[op]}(cpu, ${mo.seg}, o);`)} } }${close}`);
        if (ool !== null) out.push(ool.resume);
      }
    }
    if (p.helper) out.push(`${store(true)} cpu.eip = ${eip(off)}; ${TOUCHED} ${x.current}`);
    const dead = p.flags !== '' && flagsDead(pieces, k);
    if (p.killsFlags) pending = '';
    const deferred = p.flags !== '' && !dead && flagsDeadButFaults(pieces, k);
    // Written registers count as unstored from the start of the instruction (a #GP after LOOP's ECX update stores it).
    for (const w of p.code.matchAll(REG_WRITE)) dirty.add(Number(w[1]));
    // Renamed to the locals first; the tokens then stand for code that stores the locals to the CPU.
    let code = localize(gpCheck(p.code, p.branch?.rel ?? null).replace('@', `${k}`).replace('I[', `${x.I}[`) + (dead || deferred ? '' : ` ${p.flags}`));
    if (deferred) {
      pending = localize(p.flags);
      flagsDirty = true;
    }
    code = code.replace('KEEPCF', localize(keepCf(pieces[k - 1])));
    if (p.slowHandler) {
      // The handler does the whole instruction from the stored state (faults, REP yields); the locals are reloaded after it.
      const call = `${prep()} cpu.nextEip = ${eip(next)}; ${x.F}[${k}](cpu, ${x.I}[${k}]); ${reloadText()} cpu.eip = cpu.nextEip; if (cpu.blockBreak) { ${x.partial(k + 1)} }`;
      code = code.replace('HANDLERSLOW', call);
    }
    if (code.includes('SYNCFLAGS')) {
      code = code.replace('SYNCFLAGS', flagsDirty ? SYNC_FLAGS : '');
      flagsDirty = false;
    }
    if (code.includes('FAULTPREP')) code = code.replace('FAULTPREP', prep());
    out.push(code);
    if ((!dead && p.flags !== '') || /\bfl = /.test(code)) flagsDirty = true;
    if (p.helper) {
      out.push(reloadAll());
      if (p.stores) out.push(`if (cpu.blockBreak) { cpu.eip = ${p.branch === null ? eip(next) : 't'}; ${x.partial(k + 1)} }`);
    }
    // Every inlined branch form checks its target against CS.limit (LOOP only when it jumps).
    if (last) out.push(x.finish(p.branch === null ? eip(next) : 't', p.branch === null ? next : p.branch.rel, p.branch !== null && ins.row.handler !== 'loop_Jb'));
    off = next;
  }
  return out;
}

/** Stores every local (registers written, lazy flags, clock) to the CPU: before a compiled block or region returns. */
function storeAll(written: readonly number[]): string {
  return `${written.map((k) => `r[${k}] = r${k};`).join(' ')} ${SYNC_FLAGS} cpu.cycles = cy;`;
}

/**
 * The CPU state the memory fast paths and checks read, in locals: fixed arrays as constants, and
 * what only an instruction can change (a segment register, CPL, the TLB in use) reloaded after
 * every handler or helper call (`loadEnv`). `segs`: the segment registers the accesses use.
 */
function loadEnv(segs: readonly number[]): string {
  // x…: flat (`Cpu.segFlat`, SEG_FLAT.R = 1, W = 2): an access the in-page test passes is within the bounds.
  const seg = segs.map((g) => `lo${g} = SL[${g}]; hr${g} = SHR[${g}]; hw${g} = SHW[${g}]; b${g} = SB[${g}]; xr${g} = (SF[${g}] & 1) !== 0; xw${g} = (SF[${g}] & 2) !== 0;`).join(' ');
  return `TE = cpu.tlb.entries; RB = cpu.rdBit; WB = cpu.wrBit; CSL = cpu.segLimit[1]; SSB = (cpu.segAttr[2] & 16384) !== 0; ${seg}`;
}

/** The segment registers a block's (or region's) inline accesses use; CS (1) always, for the fetch check. */
function segsOf(pieces: readonly (Piece | null)[]): number[] {
  const used = new Set<number>([1]);
  for (const p of pieces) {
    if (p?.mem) used.add(p.mem.seg);
    for (const g of p?.segs ?? []) used.add(g);
  }
  return [...used].sort();
}

/** Declarations of the locals a compiled block or region starts with. */
function prologue(locals: readonly number[], segs: readonly number[]): string[] {
  return [
    'const SL = cpu.segLo, SHR = cpu.segHiR, SHW = cpu.segHiW, SB = cpu.segBase, SF = cpu.segFlat, CP = cpu.codePages, VW = cpu.view, RAM = cpu.ram, RC = cpu.ramCopy, RF = cpu.ramFill;',
    `let TE = null, RB = 0, WB = 0, CSL = 0, SSB = false${segs.map((g) => `, lo${g} = 0, hr${g} = 0, hw${g} = 0, b${g} = 0, xr${g} = false, xw${g} = false`).join('')};`,
    loadEnv(segs),
    'const r = cpu.regs;',
    // tf: a slow path or handler ran since the fetch translation was last checked (it may have changed the TLB).
    'let d = 0, s = 0, v = 0, t = 0, m = 0, tf = 1;',
    // The stack window (see STACK_WINDOW): empty.
    'let ks = 0, kp = 0, kl = -1;',
    `let ${FLAG_FIELDS.map(([f, l]) => `${l} = cpu.${f}`).join(', ')};`,
    'let cy = cpu.cycles;',
    locals.length > 0 ? `let ${locals.map((k) => `r${k} = r[${k}]`).join(', ')};` : '',
  ];
}

/**
 * Compiles a decoded block of 32-bit code (`ipMask` = -1) into a `CompiledBlock`, or returns
 * null (16-bit code): the same code a region holds for the block, standing alone.
 */
export function compileBlock(insns: readonly Insn[], ipMask: number): CompiledBlock | null {
  if (ipMask !== -1 || insns.length === 0) return null;
  const n = insns.length;
  const pieces = inlinePieces(insns);
  const locals = regsOf(pieces, false);
  const written = regsOf(pieces, true);
  const segs = segsOf(pieces);
  const out: string[] = [...prologue(locals, segs), 'const e0 = cpu.eip, kw = 4092;'];
  out.push(
    ...emitBlock(insns, pieces, locals, written, segs, {
      I: 'I',
      F: 'F',
      region: false,
      pageOffset: null,
      current: '',
      partial: (done) => `return ${done};`,
      finish: (e) => `${storeAll(written)} cpu.eip = ${e}; return ${n};`,
      outOfLine: null,
    }),
  );
  const body = out.join('\n');
  // One factory per block: the helpers become constants of the generated closure.
  const factory = new Function(...HELPER_NAMES, `return function compiledBlock(cpu, I, F) {\n${body}\n};`) as (...h: unknown[]) => CompiledBlock;
  return factory(...HELPER_VALUES);
}

/**
 * Most instructions one region call runs before it returns to the engine (which calls it again):
 * V8 then runs the region's normally optimized code instead of staying in on-stack-replacement
 * code, whose loop-carried locals (entered from the interpreter frame) stay boxed.
 */
const REGION_SLICE = 1 << 16;
/** A new region's first `WARM_CALLS` calls run at most `WARM_SLICE` instructions each. */
const WARM_CALLS = 512;
const WARM_SLICE = 64;

/** Where a region stopped (written by the region function for the engine). */
export interface RegionExit {
  /**
   * The block the engine must account itself (`done` instructions of it ran: stopped by
   * `Cpu.blockBreak`, or it ended in a handler a region does not continue after).
   * Null when the region stopped at a block boundary with every block accounted, or at a fault (`at`).
   */
  block: Block | null;
  /**
   * After a fault, the block that faulted (`eip` = its first EIP; EIP is exact at the faulting
   * instruction), else null. A fault (`FAULT`) ends the call: the region catches it and returns
   * the instructions of the blocks before that one, as at any other stop. Were it to unwind through
   * the region instead, a call ending so would never return, and V8, which counts a function's
   * execution at its returns and loops, would never give a region that faults on most calls (the
   * kernel code that writes page tables, under hw shadow paging) type feedback or optimize it.
   */
  at: Block | null;
  /**
   * The last block the region ran to completion and accounted (the engine's `prev` for chaining;
   * when the region stopped at a block dropped since it was compiled, that block: `prev` only holds
   * successor links).
   */
  last: Block | null;
  done: number;
  eip: number;
}

/** The engine fields a region reads and writes. */
export interface RegionHost {
  /** The block being executed (for self-modifying-code detection). */
  current: Block | null;
  /**
   * The next device deadline (modeled cycles; Infinity: none). Read from here rather than passed:
   * a double field is loaded unboxed, while a double argument is boxed — a heap number allocated
   * for every call — and its type feedback is a small integer until the clock passes 2^31 cycles.
   */
  readonly deadline: number;
}

/**
 * A compiled region: the hot blocks of one physical code page in one mode as ONE function that
 * dispatches on EIP's page offset and runs block after block — accounting each (cycles, retired
 * count) exactly as the engine would — until the next block is outside the region or does not
 * fit `left`, the deadline passes, a block breaks (`Cpu.blockBreak`) or ends in a handler other
 * than a near jump/call/return. Returns instructions of the blocks it accounted; `st` says where it stopped.
 */
export type CompiledRegion = (cpu: Cpu, left: number, host: RegionHost, st: RegionExit) => number;

/**
 * Compiles `blocks` (all decoded in one mode from the same physical page, 32-bit code, valid)
 * into a region entered at any of them. The page offset of a block's physical address is its
 * EIP's page offset (the engine enters regions only with a page-aligned CS base). `fetchBit` is
 * the TLB bit (mmu `TlbBit.FETCH_S/U`) of the mode's CPL: after a block that accessed memory, a
 * transition is taken only while the fetch translation of EIP's page is still in the TLB, so no
 * lookup the engine would make is skipped whose TLB miss it would count. Null when no block is 32-bit code.
 */
export function compileRegion(blocks: readonly Block[], fetchBit: number): CompiledRegion | null {
  const members = regionMembers(blocks);
  if (members.length === 0) return null;
  return regionSource(members, fetchBit).make();
}

/**
 * Most characters of JavaScript one region function holds. TurboFan does not optimize a function
 * whose bytecode exceeds 60 KiB (V8's `max_optimized_bytecode_size`); a bigger region runs in
 * baseline (Sparkplug) code at a few MIPS, slower than the interpreter. Region source measured
 * 0.6–0.9 bytes of bytecode per character (`--print-bytecode` on Linux's XZ decompressor).
 * Below that limit, TurboFan's time grows faster than the function: at 48 K characters, bt's
 * translation-cache regions took it up to 0.5 s each (6.6 s of compile for the macro forkwait,
 * on the cores the benchmark's workers share). At 24 K: `npm run bench` 47–49 → 42–43 s of CPU,
 * 26 → 23 s wall; Linux's boot to /init the same within its spread (five runs each: 33–37 s
 * against 32–43 s).
 */
export const MAX_REGION_SOURCE = 24 * 1024;

/** One function of a page's regions and the blocks it holds (in address order). */
export interface RegionPart {
  readonly region: CompiledRegion;
  readonly members: readonly Block[];
}

/**
 * Compiles `blocks` (as `compileRegion`) into regions of at most `maxBlocks` blocks and
 * `MAX_REGION_SOURCE` characters each: the whole page when it fits, else parts grown one after
 * another from the hottest block left, best-first along the edges between the page's blocks —
 * the successors each block was seen to go on to (`succ0`/`succ1`/`more`) and its constant
 * successors, followed both ways: the hottest block next to the part joins it next — to the most
 * blocks whose function fits (doubling, then bisection). A loop then stays in one part: halving
 * the page by address instead cut the Linux XZ decompressor's loops into ~10-block parts (25
 * instructions per region call, 95 % of exits into another part of the same page; now ~40), and
 * growing breadth-first took a hot block's cold neighbours before the hot blocks one edge further
 * (frobos' LZSS compressor: 7.7 M region calls of 7 instructions, best-first 2.0 M of 27). A part
 * whose blocks are exactly those of a part in `previous` keeps that part's function (already
 * optimized by V8). Every block is in exactly one part; a successor in another part leaves the
 * region (the engine then enters that part).
 */
export function compileRegions(blocks: readonly Block[], fetchBit: number, maxBlocks: number, previous: readonly RegionPart[] = []): RegionPart[] {
  const parts: RegionPart[] = [];
  const same = (a: readonly Block[], b: readonly Block[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
  const emit = (members: readonly Block[], src?: { readonly make: () => CompiledRegion }): void => {
    const old = previous.find((p) => same(p.members, members));
    parts.push(old ?? { region: (src ?? regionSource(members, fetchBit)).make(), members });
  };
  const all = regionMembers(blocks);
  if (all.length === 0) return parts;
  if (all.length <= maxBlocks) {
    if (previous.some((p) => same(p.members, all))) {
      emit(all);
      return parts;
    }
    const src = regionSource(all, fetchBit);
    if (src.length <= MAX_REGION_SOURCE || all.length === 1) {
      emit(all, src);
      return parts;
    }
  }
  // Too big for one function: parts grown from the hottest block left along the edges blocks were seen
  // to take (cached successors) and their constant successors, both ways, so a loop stays in one part.
  const at = new Map<number, Block>(all.map((b) => [b.phys & 0xfff, b]));
  const nbr = new Map<Block, Block[]>(all.map((b) => [b, []]));
  const link = (a: Block, b: Block | null | undefined): void => {
    if (b === null || b === undefined || a === b || !nbr.has(b)) return;
    nbr.get(a)!.push(b);
    nbr.get(b)!.push(a);
  };
  for (const b of all) {
    for (const off of constantSuccessors(b)) link(b, at.get(off));
    link(b, b.succ0);
    link(b, b.succ1);
    for (const m of b.more ?? []) link(b, m);
  }
  const left = new Set(all);
  while (left.size > 0) {
    let seed: Block | null = null;
    for (const b of left) if (seed === null || b.hits > seed.hits) seed = b;
    // Best-first: the hottest block next to the part so far joins it next, so the hot cycle is whole before any cold neighbour.
    const order: Block[] = [seed!];
    const seen = new Set<Block>(order);
    const frontier: Block[] = [];
    const reach = (b: Block): void => {
      for (const n of nbr.get(b)!) {
        if (!left.has(n) || seen.has(n)) continue;
        seen.add(n);
        frontier.push(n);
      }
    };
    reach(seed!);
    while (frontier.length > 0 && order.length < maxBlocks) {
      let k = 0;
      for (let j = 1; j < frontier.length; j++) if (frontier[j]!.hits > frontier[k]!.hits) k = j;
      const b = frontier[k]!;
      frontier[k] = frontier[frontier.length - 1]!;
      frontier.pop();
      order.push(b);
      reach(b);
    }
    // The longest prefix (at most `maxBlocks`) whose function fits: doubling, then bisection.
    const take = (n: number): Block[] => regionMembers(order.slice(0, n));
    let good = 1;
    let goodSrc = regionSource(take(1), fetchBit);
    let bad = Math.min(order.length, maxBlocks) + 1;
    for (let n = 2; n < bad; n *= 2) {
      const src = regionSource(take(n), fetchBit);
      if (src.length > MAX_REGION_SOURCE) {
        bad = n;
        break;
      }
      good = n;
      goodSrc = src;
    }
    while (bad - good > 1) {
      const n = (good + bad) >> 1;
      const src = regionSource(take(n), fetchBit);
      if (src.length > MAX_REGION_SOURCE) bad = n;
      else {
        good = n;
        goodSrc = src;
      }
    }
    const members = take(good);
    emit(members, goodSrc);
    for (const b of members) left.delete(b);
  }
  return parts;
}

/** The blocks a region can hold (32-bit code, not empty), in address order: a block whose successor follows it in the page falls through into its case. */
function regionMembers(blocks: readonly Block[]): Block[] {
  return blocks.filter((b) => b.ipMask === -1 && b.insns.length > 0).sort((a, b) => a.phys - b.phys);
}

/**
 * The page offset of the block a block goes on to when it does not branch away: a direct JMP's or
 * CALL's target, else the instruction after it (a Jcc's fall-through); -1 after RET or an indirect jump.
 */
function straightSuccessor(b: Block): number {
  let off = 0;
  for (const i of b.insns) off += i.length;
  const last = b.insns[b.insns.length - 1]!;
  const h = last.row.handler;
  if (h === 'ret' || h === 'ret_Iw' || h === 'jmp_Ev' || h === 'call_Ev') return -1;
  const at = h === 'jmp_Jb' || h === 'jmp_Jz' || h === 'call_Jz' ? (b.phys & 0xfff) + off + last.imm : (b.phys & 0xfff) + off;
  return at >= 0 && at <= 0xfff ? at : -1;
}

/** The page offset after a block (a CALL's return point). */
function returnPoint(b: Block): number {
  let at = b.phys & 0xfff;
  for (const i of b.insns) at += i.length;
  return at;
}

/** Page offsets a block can go on to at a constant EIP (a superset: the next instruction and any direct branch target). */
function constantSuccessors(b: Block): number[] {
  let off = b.phys & 0xfff;
  for (const i of b.insns) off += i.length;
  const last = b.insns[b.insns.length - 1]!;
  const h = last.row.handler;
  const out = [off];
  if (isJcc(last) || h === 'jmp_Jb' || h === 'jmp_Jz' || h === 'call_Jz') out.push(off + last.imm);
  return out.filter((at) => at >= 0 && at <= 0xfff);
}

/**
 * The back edges (as `from * n + to`) of a depth-first search of `edges` (successor cases by
 * case) from case 0, then from each case not yet reached, in case order: the other edges form no cycle.
 */
function backEdges(edges: readonly (readonly number[])[]): Set<number> {
  const n = edges.length;
  const state = new Uint8Array(n); // 0 unseen, 1 on the search path, 2 done
  const back = new Set<number>();
  const visit = (j: number): void => {
    state[j] = 1;
    for (const k of edges[j]!) {
      if (state[k] === 1) back.add(j * n + k);
      else if (state[k] === 0) visit(k);
    }
    state[j] = 2;
  };
  for (let j = 0; j < n; j++) if (state[j] === 0) visit(j);
  return back;
}

/**
 * The order of a region's cases: chains of blocks, each followed by the block it goes on to when it
 * does not branch away (a CALL by the function it calls), so that the switch falls through into
 * it instead of jumping through the case table; chains start at the lowest unplaced address.
 */
function traceOrder(blocks: readonly Block[]): Block[] {
  const at = new Map<number, Block>();
  for (const b of blocks) at.set(b.phys & 0xfff, b);
  const placed = new Set<Block>();
  const order: Block[] = [];
  for (const first of blocks) {
    let b: Block | undefined = first;
    // The return points of the chain's CALLs: a RET goes on to the innermost one.
    const calls: number[] = [];
    while (b !== undefined && !placed.has(b)) {
      placed.add(b);
      order.push(b);
      const h: string = b.insns[b.insns.length - 1]!.row.handler;
      if (h === 'call_Jz') calls.push(returnPoint(b));
      b = h === 'ret' || h === 'ret_Iw' ? at.get(calls.pop() ?? -1) : at.get(straightSuccessor(b));
    }
  }
  return order;
}

/** A region's generated source (its length in characters) and the factory that compiles it. */
function regionSource(blocks: readonly Block[], fetchBit: number): { readonly length: number; make(): CompiledRegion } {
  const members = traceOrder(blocks);
  const cases: string[] = [];
  const params: string[] = [];
  const values: unknown[] = [];
  const piecesOf = members.map((b) => inlinePieces(b.insns));
  const locals = regsOf(piecesOf.flat(), false);
  const written = regsOf(piecesOf.flat(), true);
  const leave = storeAll(written);
  const segs = segsOf(piecesOf.flat());
  // Page offset → case number (dense cases: a jump table), -1 outside the region.
  const slot = new Int16Array(4096).fill(-1);
  members.forEach((b, j) => (slot[b.phys & 0xfff] = j));
  // Return points: the page offsets after the region's CALLs whose next block is in the region, and their cases
  // (a RET tests its target against these before the page check and the case table; at most four).
  const returns: [number, number][] = [];
  for (const b of members) {
    const last = b.insns[b.insns.length - 1]!;
    if (last.row.handler !== 'call_Jz') continue;
    let at = b.phys & 0xfff;
    for (const i of b.insns) at += i.length;
    if (at <= 0xfff && slot[at]! >= 0 && returns.length < 4) returns.push([at, slot[at]!]);
  }
  // A RET whose next case is a return point falls through into it when its target is that point.
  const returnsTo = (b: Block, j: number): [number, number] | undefined => {
    const h = b.insns[b.insns.length - 1]!.row.handler;
    return h === 'ret' || h === 'ret_Iw' ? returns.find(([, k]) => k === j + 1) : undefined;
  };
  // Constant edges between the region's blocks (a RET's to the return point right after its case,
  // when it returns there). A depth-first search from case 0 finds back edges: without them the
  // edges form no cycle, so they are taken with no budget or deadline test — every cycle keeps a
  // tested edge (a back edge, or an indirect one: a RET, JMP r/m32). Instead every test asks for
  // room for the longest run of blocks joined by untested edges: `chain` instructions (the last
  // block included) and `chainCycles` (the blocks before the last), so that no block the engine
  // would not have started runs.
  const edges = members.map((b, j) => {
    const ret = returnsTo(b, j);
    return (ret === undefined ? constantSuccessors(b) : [ret[0]]).map((at) => slot[at]!).filter((k) => k >= 0);
  });
  const back = backEdges(edges);
  const untested = (j: number, k: number): boolean => edges[j]!.includes(k) && !back.has(j * members.length + k);
  const runLen: number[] = new Array<number>(members.length).fill(-1);
  const runCycles: number[] = new Array<number>(members.length).fill(0);
  const run = (j: number): void => {
    if (runLen[j]! >= 0) return;
    const b = members[j]!;
    const n = b.insns.length;
    let len = 0;
    let cyc = 0;
    for (const k of edges[j]!) {
      if (back.has(j * members.length + k)) continue;
      run(k);
      len = Math.max(len, runLen[k]!);
      cyc = Math.max(cyc, b.costs[n]! + runCycles[k]!);
    }
    runLen[j] = n + len;
    runCycles[j] = cyc;
  };
  members.forEach((_, j) => run(j));
  const chain = Math.max(...runLen);
  const chainCycles = Math.max(...runCycles);
  // Case numbers: the blocks' own (0 … members − 1), then the resume points after out-of-line slow paths, then the slow path itself.
  let nextCase = members.length;
  const outOfLine = (j: number): OutOfLine => ({
    jump: (kind, seg, val, eipExpr, nextExpr, done) => {
      const resume = nextCase++;
      const store = kind >= SLOW_KIND.w16 ? ` sv = ${val}; sn = ${nextExpr}; sd = ${done};` : '';
      return { code: `sk = ${kind}; sg = ${seg}; so = o;${store} se = ${eipExpr}; cb = B${j}; rc = ${resume}; c = SLOWC; continue main;`, resume: `case ${resume}:` };
    },
  });
  members.forEach((b, j) => {
    const n = b.insns.length;
    params.push(`B${j}`, `I${j}`, `F${j}`);
    values.push(b, b.insns, b.fns);
    const pieces = piecesOf[j]!;
    // Only a memory access or a handler can have refilled (and, full, flushed) the TLB.
    const tlbRisk = pieces.some((p, k) => (p === null ? !isJcc(b.insns[k]!) : p.faults && (p.mem !== null || p.helper || p.slowHandler)));
    // A block that is its own constant successor (a one-block loop) runs in a loop of its own: its
    // back edge jumps straight to its start instead of through the switch (its slow paths are then
    // inline: a case label cannot be inside that loop).
    const self = constantSuccessors(b).includes(b.phys & 0xfff);
    const body = emitBlock(b.insns, pieces, locals, written, segs, {
      I: `I${j}`,
      F: `F${j}`,
      region: true,
      pageOffset: b.phys & 0xfff,
      current: `host.current = cb = B${j};`,
      partial: (done) => `st.block = B${j}; st.done = ${done}; return total;`,
      outOfLine: self ? null : outOfLine(j),
      finish: (e, rel, checked) => {
        const account = `e0 = ${e}; cy += ${b.costs[n]!}; total = (total + ${n}) | 0;`;
        // `cb`: set only where the switch may end the call (`st.last`), not on every block's entry.
        const leave = `{ cb = B${j}; break main; }`;
        const at = rel === null ? -1 : (b.phys & 0xfff) + rel;
        // A constant next EIP outside the page (or at no block of the region) leaves; inside it needs no page check.
        if (rel !== null && (at < 0 || at > 0xfff || slot[at]! < 0)) return `${account} ${leave}`;
        // After a slow path or handler, the next block is reached through the shared fetch-translation check.
        const viaTf = (k: string): string => (tlbRisk ? ` if (tf !== 0) { cb = B${j}; nc = ${k}; c = TFC; continue main; }` : '');
        const ret = returnsTo(b, j);
        if (rel === null && checked && ret !== undefined) {
          // A return to the CALL just before the next case: fall through into it (untested: see `chain`); any other
          // target is tested, then found among the other return points or through the page check and the case table.
          const pick = returns.filter((r) => r !== ret).map(([p, k]) => `e0 === (pg | ${p}) ? ${k} : `).join('');
          const other = `cb = B${j}; if (total > lim || cy >= dl) break main; c = ${pick}(e0 & -4096) !== pg ? -1 : SLOT[e0 & 4095];${tlbRisk ? ' if (tf !== 0) { nc = c; c = TFC; }' : ''} continue main;`;
          const test = untested(j, j + 1) ? '' : ` if (total > lim || cy >= dl) ${leave}`;
          return `${account} if (e0 !== (pg | ${ret[0]})) { ${other} }${test}${viaTf(`${j + 1}`)}`;
        }
        // `lim`: any run of blocks of the region fits the budget left (the engine runs the last few itself).
        const free = rel !== null && untested(j, slot[at]!);
        const checks = free ? [] : ['total > lim', 'cy >= dl'];
        // No CS.limit test (`checked` or not): the region runs only while its page lies within CS.limit,
        // and a next EIP outside the page leaves (above, or by the page test).
        if (rel === null) checks.push('(e0 & -4096) !== pg');
        const test = checks.length === 0 ? account : `${account} if (${checks.join(' || ')}) ${leave}`;
        const lastH = b.insns[n - 1]!.row.handler;
        if (rel === null && (lastH === 'ret' || lastH === 'ret_Iw') && returns.length > 0 && checks.length === 3 && checks[2] === '(e0 & -4096) !== pg') {
          // A return to a CALL of the region: its case without the page check or the case table (EIP = pg | offset: the page is the region's).
          const pick = returns.map(([p, k]) => `e0 === (pg | ${p}) ? ${k} : `).join('');
          return `${account} cb = B${j}; if (total > lim || cy >= dl) break main; c = ${pick}(e0 & -4096) !== pg ? -1 : SLOT[e0 & 4095];${tlbRisk ? ' if (tf !== 0) { nc = c; c = TFC; }' : ''} continue main;`;
        }
        if (rel === null) return `${test} cb = B${j};${tlbRisk ? ' if (tf !== 0) { nc = SLOT[e0 & 4095]; c = TFC; continue main; }' : ''} c = SLOT[e0 & 4095]; continue main;`;
        // The next block by case number; the one right after this case is reached by falling through.
        const k = slot[at]!;
        const tlb = viaTf(`${k}`);
        if (self && k === j) return `${test}${tlb} continue inner${j};`;
        return k === j + 1 ? `${test}${tlb}` : `${test}${tlb} c = ${k}; continue main;`;
      },
    });
    // `=== false`: a pointer comparison (`!` compiles to a generic ToBoolean on a field load).
    const code = self ? `inner${j}: for (;;) {\n${body.join('\n')}\nbreak inner${j};\n}` : body.join('\n');
    cases.push(`case ${j}: if (B${j}.valid === false) { cb = B${j}; break; }\n${code}`);
  });
  // The shared memory slow path: the state stored, EIP exact, the interpreter's read/write; a store that breaks the block (a code page) ends it.
  const slowCase = nextCase;
  cases.push(
    `case ${slowCase}: ${storeAll(written)} cpu.eip = se; ${TOUCHED} host.current = cb;`,
    'switch (sk) { case 0: m = R8(cpu, sg, so); break; case 1: m = R16(cpu, sg, so); break; case 2: m = R32(cpu, sg, so); break; case 3: W16(cpu, sg, so, sv); break; case 5: W8(cpu, sg, so, sv); break; default: W32(cpu, sg, so, sv); }',
    'cy = cpu.cycles;',
    `if (sk >= ${SLOW_KIND.w16} && cpu.blockBreak) { cpu.eip = sn; st.block = cb; st.done = sd; return total; }`,
    'c = rc; continue main;',
  );
  // The shared fetch check (one copy, so its code has run — and V8 has type feedback for it — before any block needs it):
  // the page's fetch translation still in the TLB after a slow path or handler, else leave at the block boundary.
  const tfCase = slowCase + 1;
  cases.push(`case ${tfCase}: tf = 0; if ((TE[(b1 + e0) >>> 12] & ${fetchBit}) === 0) break main; c = nc; continue main;`);
  for (let k = 0; k < cases.length; k++) cases[k] = cases[k]!.replaceAll('SLOWC', `${slowCase}`).replaceAll('TFC', `${tfCase}`);
  const out = [
    ...prologue(locals, segs),
    'let sk = 0, sg = 0, so = 0, sv = 0, sn = 0, sd = 0, se = 0, rc = 0, nc = 0;',
    // cb: set only where the call can end or throw — the block running (a fault, a slow path), else the block just completed (`st.last`).
    `let total = 0, e0 = cpu.eip, cb = B0, c = SLOT[e0 & 4095];`,
    // `dl`: the deadline less the longest run of untested blocks' cycles, in a local.
    // The first calls run short slices, so that V8 sees the entry and exit paths run (type feedback) before it optimizes:
    // of varying length, so that they stop — and the next calls enter — at different blocks; every other one with the
    // stack window kept shut (`kw` = -1), so that every stack access's whole check has run too, not only the one a
    // call starts with. (Code first run after V8 optimized the region deoptimizes it — "insufficient type feedback" —
    // and the region could then stay in on-stack-replacement code, about twice as slow, for good.)
    `const sl = CALLS < ${WARM_CALLS} ? ((CALLS = CALLS + 1), ${WARM_SLICE + chain} + ((CALLS * 7) & ${WARM_SLICE - 1})) : ${REGION_SLICE};`,
    `const kw = CALLS < ${WARM_CALLS} && (CALLS & 1) === 0 ? -1 : 4092;`,
    `const pg = e0 & -4096, lim = (left < sl ? left : sl) - ${chain}, dl = host.deadline - ${chainCycles};`,
    // No room for the longest run of untested blocks, or the page not wholly within CS.limit (the blocks
    // test no in-page EIP against it): the engine runs this block itself.
    'if (lim < 0 || cy >= dl || (pg | 4095) >>> 0 > CSL) return 0;',
    'try {',
    'main: for (;;) {',
    'switch (c) {',
    ...cases,
    '}',
    'break;',
    '}',
    // Every path that can throw has stored the state first.
    '} catch (x) { if (x !== FAULT) throw x; st.at = cb; st.eip = e0; return total; }',
    `${leave} cpu.eip = e0; st.last = total > 0 ? cb : null; return total;`,
  ];
  params.push('SLOT');
  values.push(slot);
  const source = `let CALLS = 0; return function compiledRegion(cpu, left, host, st) {\n${out.join('\n')}\n};`;
  return {
    length: source.length,
    make: () => (new Function(...HELPER_NAMES, ...params, source) as (...h: unknown[]) => CompiledRegion)(...HELPER_VALUES, ...values),
  };
}
