/** @file Hot-path dispatch: the most frequent handlers called from one switch (monomorphic call sites V8 can inline), the rest through the handler array. */
import type { Cpu } from '../cpu/cpu.ts';
import { ARITH_FLAGS, EFLAGS, getCF, LAZY, testCondition } from '../cpu/eflags.ts';
import { OPF } from '../decode/instruction.ts';
import { OPCODE_ROWS } from '../table/opcode-table.ts';
import { HANDLERS_BY_NAME } from './dispatch.ts';
import type { Insn } from './insn.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { read32, write32 } from '../cpu/memory.ts';
import { ea } from './operands.ts';
import type { Handler } from './operands.ts';

/** Handlers given a switch case of their own, in case order (1-based). */
export const HOT_HANDLERS: readonly string[] = ['mov_EvGv', 'mov_GvEv', 'mov_ZvIv', 'mov_EvIz', 'add_EvGv', 'add_GvEv', 'add_EvIb', 'sub_EvGv', 'sub_EvIb', 'cmp_EvGv', 'cmp_GvEv', 'cmp_EvIb', 'inc_Zv', 'dec_Zv', 'jcc_Jb', 'jcc_Jz', 'jmp_Jb', 'jmp_Jz', 'push_Zv', 'pop_Zv', 'call_Jz', 'ret', 'lea_GvM', 'test_EvGv', 'xor_EvGv', 'and_EvIb', 'or_EvGv', 'and_EvGv', 'movzx_GvEb', 'mov_GbEb', 'mov_EbGb', 'cmp_eAXIz', 'add_eAXIz', 'shl_EvIb', 'shr_EvIb', 'sar_EvIb', 'test_EbGb', 'cmp_EbIb', 'shl_Ev1', 'loop_Jb', 'cmp_GbEb', 'sub_GvEv', 'add_EvIz', 'and_eAXIz', 'movzx_GvEw', 'test_ALIb', 'cmp_ALIb', 'push_Iz', 'push_Ib', 'xchg_EvGv', 'adc_EvGv', 'sbb_EvGv', 'imul_GvEv', 'movs_XvYv', 'stos_YveAX', 'call_Ev', 'jmp_Ev', 'push_Ev', 'and_EvIz', 'cmp_EvIz', 'sub_EvIz', 'or_EvIb', 'xor_EvIb', 'test_EvIz', 'mov_EbIb', 'movsx_GvEb'];

function pick(name: string): Handler {
  const h = HANDLERS_BY_NAME[name];
  if (h === undefined) throw new Error(`hot handler ${name} does not exist`);
  return h;
}

const h1 = pick('mov_EvGv');
const h2 = pick('mov_GvEv');
const h3 = pick('mov_ZvIv');
const h4 = pick('mov_EvIz');
const h5 = pick('add_EvGv');
const h6 = pick('add_GvEv');
const h7 = pick('add_EvIb');
const h8 = pick('sub_EvGv');
const h9 = pick('sub_EvIb');
const h10 = pick('cmp_EvGv');
const h11 = pick('cmp_GvEv');
const h12 = pick('cmp_EvIb');
const h13 = pick('inc_Zv');
const h14 = pick('dec_Zv');
const h17 = pick('jmp_Jb');
const h18 = pick('jmp_Jz');
const h19 = pick('push_Zv');
const h20 = pick('pop_Zv');
const h21 = pick('call_Jz');
const h22 = pick('ret');
const h23 = pick('lea_GvM');
const h24 = pick('test_EvGv');
const h25 = pick('xor_EvGv');
const h26 = pick('and_EvIb');
const h27 = pick('or_EvGv');
const h28 = pick('and_EvGv');
const h29 = pick('movzx_GvEb');
const h30 = pick('mov_GbEb');
const h31 = pick('mov_EbGb');
const h32 = pick('cmp_eAXIz');
const h33 = pick('add_eAXIz');
const h34 = pick('shl_EvIb');
const h35 = pick('shr_EvIb');
const h36 = pick('sar_EvIb');
const h37 = pick('test_EbGb');
const h38 = pick('cmp_EbIb');
const h39 = pick('shl_Ev1');
const h40 = pick('loop_Jb');
const h41 = pick('cmp_GbEb');
const h42 = pick('sub_GvEv');
const h43 = pick('add_EvIz');
const h44 = pick('and_eAXIz');
const h45 = pick('movzx_GvEw');
const h46 = pick('test_ALIb');
const h47 = pick('cmp_ALIb');
const h48 = pick('push_Iz');
const h49 = pick('push_Ib');
const h50 = pick('xchg_EvGv');
const h51 = pick('adc_EvGv');
const h52 = pick('sbb_EvGv');
const h53 = pick('imul_GvEv');
const h54 = pick('movs_XvYv');
const h55 = pick('stos_YveAX');
const h56 = pick('call_Ev');
const h57 = pick('jmp_Ev');
const h58 = pick('push_Ev');
const h59 = pick('and_EvIz');
const h60 = pick('cmp_EvIz');
const h61 = pick('sub_EvIz');
const h62 = pick('or_EvIb');
const h63 = pick('xor_EvIb');
const h64 = pick('test_EvIz');
const h65 = pick('mov_EbIb');
const h66 = pick('movsx_GvEb');


// ---------------------------------------------------------------------------------------------
// Fast paths: 32-bit register and simple memory forms, small enough for V8 to inline into the
// switch; anything else falls back to the family handler (same semantics, see arith.ts etc.).
// ---------------------------------------------------------------------------------------------

function lazyArith(c: Cpu, op: number, d: number, s: number, r: number): void {
  c.lzOp = op;
  c.lzDst = d;
  c.lzSrc = s;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = ARITH_FLAGS;
}

function lazyLogic(c: Cpu, r: number): void {
  c.lzOp = LAZY.LOGIC;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = ARITH_FLAGS;
}

/** SHL/SHR/SAR r32 by an immediate or 1 (count 1–31): CF, OF by the count-1 rule, AF=0. */
function fastShift(c: Cpu, i: Insn, count: number, fallback: Handler): void {
  const k = count & 0x1f;
  const kind = i.reg;
  if (i.mod !== 3 || i.opsize !== 4 || k === 0 || (kind !== 4 && kind !== 5 && kind !== 7)) {
    fallback(c, i);
    return;
  }
  const v = c.regs[i.rm]!;
  let r: number;
  let cf: number;
  let of: number;
  if (kind === 4) {
    r = v << k;
    cf = (v >>> (32 - k)) & 1;
    of = (r >>> 31) ^ cf;
  } else if (kind === 5) {
    const prev = v >>> (k - 1);
    r = (prev >>> 1) | 0;
    cf = prev & 1;
    of = ((prev ^ r) >>> 31) & 1;
  } else {
    const prev = v >> (k - 1);
    r = prev >> 1;
    cf = prev & 1;
    of = 0;
  }
  c.regs[i.rm] = r;
  c.flags = (c.flags & ~(EFLAGS.CF | EFLAGS.OF | EFLAGS.AF)) | cf | (of << 11);
  c.lzOp = LAZY.LOGIC;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = EFLAGS.ZF | EFLAGS.SF | EFLAGS.PF;
}


// Tiny per-operation fast paths (V8 inlines by size and call frequency: small is what counts).
function addRR(c: Cpu, d: number, s: number, dn: number): void {
  const r = (d + s) | 0;
  c.regs[dn] = r;
  lazyArith(c, LAZY.ADD, d, s, r);
}
function subRR(c: Cpu, d: number, s: number, dn: number): void {
  const r = (d - s) | 0;
  c.regs[dn] = r;
  lazyArith(c, LAZY.SUB, d, s, r);
}
function r32(i: Insn): boolean {
  return i.mod === 3 && i.opsize === 4;
}

function fastMovEvGv(c: Cpu, i: Insn): void {
  if (i.opsize !== 4) h1(c, i);
  else if (i.mod === 3) c.regs[i.rm] = c.regs[i.reg]!;
  else write32(c, i.seg, ea(c, i), c.regs[i.reg]!);
}
function fastMovGvEv(c: Cpu, i: Insn): void {
  if (i.opsize !== 4) h2(c, i);
  else c.regs[i.reg] = i.mod === 3 ? c.regs[i.rm]! : read32(c, i.seg, ea(c, i));
}
function fastAluRR(c: Cpu, i: Insn, op: number, fallback: Handler, regIsDest: boolean): void {
  if (i.mod !== 3 || i.opsize !== 4) {
    fallback(c, i);
    return;
  }
  const dn = regIsDest ? i.reg : i.rm;
  const d = c.regs[dn]!;
  const s = c.regs[regIsDest ? i.rm : i.reg]!;
  switch (op) {
    case 0: {
      const r = (d + s) | 0;
      c.regs[dn] = r;
      lazyArith(c, LAZY.ADD, d, s, r);
      return;
    }
    case 1: {
      const r = (d - s) | 0;
      c.regs[dn] = r;
      lazyArith(c, LAZY.SUB, d, s, r);
      return;
    }
    case 2:
      lazyArith(c, LAZY.SUB, d, s, (d - s) | 0);
      return;
    case 3: {
      const r = d & s;
      c.regs[dn] = r;
      lazyLogic(c, r);
      return;
    }
    case 4: {
      const r = d | s;
      c.regs[dn] = r;
      lazyLogic(c, r);
      return;
    }
    case 5: {
      const r = d ^ s;
      c.regs[dn] = r;
      lazyLogic(c, r);
      return;
    }
    default:
      lazyLogic(c, d & s);
  }
}
function fastAluRI(c: Cpu, i: Insn, op: number, fallback: Handler): void {
  if (i.mod !== 3 || i.opsize !== 4) {
    fallback(c, i);
    return;
  }
  const d = c.regs[i.rm]!;
  const s = i.imm;
  switch (op) {
    case 0: {
      const r = (d + s) | 0;
      c.regs[i.rm] = r;
      lazyArith(c, LAZY.ADD, d, s, r);
      return;
    }
    case 1: {
      const r = (d - s) | 0;
      c.regs[i.rm] = r;
      lazyArith(c, LAZY.SUB, d, s, r);
      return;
    }
    case 2:
      lazyArith(c, LAZY.SUB, d, s, (d - s) | 0);
      return;
    default: {
      const r = d & s;
      c.regs[i.rm] = r;
      lazyLogic(c, r);
    }
  }
}
function fastIncDec(c: Cpu, i: Insn, dec: boolean): void {
  if (i.opsize !== 4) {
    (dec ? h14 : h13)(c, i);
    return;
  }
  const n = i.zreg;
  const d = c.regs[n]!;
  const r = dec ? (d - 1) | 0 : (d + 1) | 0;
  c.regs[n] = r;
  if ((c.lazyMask & EFLAGS.CF) !== 0) c.flags = (c.flags & ~EFLAGS.CF) | getCF(c);
  c.lzOp = dec ? LAZY.SUB : LAZY.ADD;
  c.lzDst = d;
  c.lzSrc = 1;
  c.lzRes = r;
  c.lzSize = 4;
  c.lazyMask = ARITH_FLAGS & ~EFLAGS.CF;
}
/** Jcc rel8/rel32 (also used by compiled blocks): the lazy-ZF fast case, else `testCondition`. */
export function fastJcc(c: Cpu, i: Insn): void {
  let t: boolean;
  // The common case: flags of a 32-bit SUB/CMP/DEC/INC/ADD/logic still lazy, testing ZF.
  if ((i.cc >> 1) === 2 && (c.lazyMask & EFLAGS.ZF) !== 0 && c.lzSize === 4) t = c.lzRes === 0;
  else t = testCondition(c, i.cc & ~1);
  if (t === ((i.cc & 1) === 0)) {
    const target = i.opsize === 4 ? (c.nextEip + i.imm) | 0 : (c.nextEip + i.imm) & 0xffff;
    if (target >>> 0 > c.segLimit[1]!) raise(c, VECTOR.GP, 0);
    c.nextEip = target;
  }
}

/** PUSH r32 / POP r32 on a 32-bit stack (SS.B=1); anything else through the family handler. */
export function fastPush(c: Cpu, i: Insn): void {
  if (i.opsize !== 4 || (c.segAttr[2]! & 0x4000) === 0) {
    h19(c, i);
    return;
  }
  const sp = (c.regs[4]! - 4) | 0;
  write32(c, 2, sp, c.regs[i.zreg]!);
  c.regs[4] = sp;
}
export function fastPop(c: Cpu, i: Insn): void {
  if (i.opsize !== 4 || (c.segAttr[2]! & 0x4000) === 0) {
    h20(c, i);
    return;
  }
  const sp = c.regs[4]!;
  const v = read32(c, 2, sp);
  c.regs[4] = (sp + 4) | 0;
  c.regs[i.zreg] = v;
}
/** LEA r32 with 32-bit addressing. */
function fastLea(c: Cpu, i: Insn): void {
  if (i.opsize !== 4 || i.mod === 3) h23(c, i);
  else c.regs[i.reg] = ea(c, i);
}

/** Per row id: its hot case number, or 0 (dispatch through the handler array). Privileged rows are never hot. */
export const HOT_ID_BY_ROW: Int16Array = (() => {
  const out = new Int16Array(OPCODE_ROWS.length);
  for (const row of OPCODE_ROWS) {
    const k = HOT_HANDLERS.indexOf(row.handler);
    if (k >= 0 && (row.flags & (OPF.PRIVILEGED | OPF.UD)) === 0) out[row.id] = k + 1;
  }
  return out;
})();

/**
 * Executes up to `n` instructions of a block: each by its hot case when it has one, else
 * through its `HANDLERS` entry; stops early after an instruction that sets `Cpu.blockBreak`.
 * Returns the number executed. A fault propagates (the caller derives the count from EIP).
 */
export function runBlock(cpu: Cpu, insns: readonly Insn[], fns: readonly Handler[], n: number, mask: number): number {
  let done = 0;
  while (done < n) {
    const ins = insns[done]!;
    cpu.nextEip = (cpu.eip + ins.length) & mask;
    switch (ins.hot) {
        case 1:
          fastMovEvGv(cpu, ins);
          break;
        case 2:
          fastMovGvEv(cpu, ins);
          break;
        case 3:
          h3(cpu, ins);
          break;
        case 4:
          h4(cpu, ins);
          break;
        case 5:
          if (r32(ins)) addRR(cpu, cpu.regs[ins.rm]!, cpu.regs[ins.reg]!, ins.rm);
          else h5(cpu, ins);
          break;
        case 6:
          if (r32(ins)) addRR(cpu, cpu.regs[ins.reg]!, cpu.regs[ins.rm]!, ins.reg);
          else h6(cpu, ins);
          break;
        case 7:
          if (r32(ins)) addRR(cpu, cpu.regs[ins.rm]!, ins.imm, ins.rm);
          else h7(cpu, ins);
          break;
        case 8:
          if (r32(ins)) subRR(cpu, cpu.regs[ins.rm]!, cpu.regs[ins.reg]!, ins.rm);
          else h8(cpu, ins);
          break;
        case 9:
          if (r32(ins)) subRR(cpu, cpu.regs[ins.rm]!, ins.imm, ins.rm);
          else h9(cpu, ins);
          break;
        case 10:
          if (r32(ins)) lazyArith(cpu, LAZY.SUB, cpu.regs[ins.rm]!, cpu.regs[ins.reg]!, (cpu.regs[ins.rm]! - cpu.regs[ins.reg]!) | 0);
          else h10(cpu, ins);
          break;
        case 11:
          if (r32(ins)) lazyArith(cpu, LAZY.SUB, cpu.regs[ins.reg]!, cpu.regs[ins.rm]!, (cpu.regs[ins.reg]! - cpu.regs[ins.rm]!) | 0);
          else h11(cpu, ins);
          break;
        case 12:
          if (r32(ins)) lazyArith(cpu, LAZY.SUB, cpu.regs[ins.rm]!, ins.imm, (cpu.regs[ins.rm]! - ins.imm) | 0);
          else h12(cpu, ins);
          break;
        case 13:
          fastIncDec(cpu, ins, false);
          break;
        case 14:
          fastIncDec(cpu, ins, true);
          break;
        case 15:
          fastJcc(cpu, ins);
          break;
        case 16:
          fastJcc(cpu, ins);
          break;
        case 17:
          h17(cpu, ins);
          break;
        case 18:
          h18(cpu, ins);
          break;
        case 19:
          fastPush(cpu, ins);
          break;
        case 20:
          fastPop(cpu, ins);
          break;
        case 21:
          h21(cpu, ins);
          break;
        case 22:
          h22(cpu, ins);
          break;
        case 23:
          fastLea(cpu, ins);
          break;
        case 24:
          if (r32(ins)) lazyLogic(cpu, cpu.regs[ins.rm]! & cpu.regs[ins.reg]!);
          else h24(cpu, ins);
          break;
        case 25:
          if (r32(ins)) lazyLogic(cpu, (cpu.regs[ins.rm] = cpu.regs[ins.rm]! ^ cpu.regs[ins.reg]!));
          else h25(cpu, ins);
          break;
        case 26:
          fastAluRI(cpu, ins, 3, h26);
          break;
        case 27:
          if (r32(ins)) lazyLogic(cpu, (cpu.regs[ins.rm] = cpu.regs[ins.rm]! | cpu.regs[ins.reg]!));
          else h27(cpu, ins);
          break;
        case 28:
          if (r32(ins)) lazyLogic(cpu, (cpu.regs[ins.rm] = cpu.regs[ins.rm]! & cpu.regs[ins.reg]!));
          else h28(cpu, ins);
          break;
        case 29:
          h29(cpu, ins);
          break;
        case 30:
          h30(cpu, ins);
          break;
        case 31:
          h31(cpu, ins);
          break;
        case 32:
          h32(cpu, ins);
          break;
        case 33:
          h33(cpu, ins);
          break;
        case 34:
          fastShift(cpu, ins, ins.imm, h34);
          break;
        case 35:
          fastShift(cpu, ins, ins.imm, h35);
          break;
        case 36:
          fastShift(cpu, ins, ins.imm, h36);
          break;
        case 37:
          h37(cpu, ins);
          break;
        case 38:
          h38(cpu, ins);
          break;
        case 39:
          fastShift(cpu, ins, 1, h39);
          break;
        case 40:
          h40(cpu, ins);
          break;
        case 41:
          h41(cpu, ins);
          break;
        case 42:
          fastAluRR(cpu, ins, 1, h42, true);
          break;
        case 43:
          fastAluRI(cpu, ins, 0, h43);
          break;
        case 44:
          h44(cpu, ins);
          break;
        case 45:
          h45(cpu, ins);
          break;
        case 46:
          h46(cpu, ins);
          break;
        case 47:
          h47(cpu, ins);
          break;
        case 48:
          h48(cpu, ins);
          break;
        case 49:
          h49(cpu, ins);
          break;
        case 50:
          h50(cpu, ins);
          break;
        case 51:
          h51(cpu, ins);
          break;
        case 52:
          h52(cpu, ins);
          break;
        case 53:
          h53(cpu, ins);
          break;
        case 54:
          h54(cpu, ins);
          break;
        case 55:
          h55(cpu, ins);
          break;
        case 56:
          h56(cpu, ins);
          break;
        case 57:
          h57(cpu, ins);
          break;
        case 58:
          h58(cpu, ins);
          break;
        case 59:
          fastAluRI(cpu, ins, 3, h59);
          break;
        case 60:
          fastAluRI(cpu, ins, 2, h60);
          break;
        case 61:
          fastAluRI(cpu, ins, 1, h61);
          break;
        case 62:
          h62(cpu, ins);
          break;
        case 63:
          h63(cpu, ins);
          break;
        case 64:
          h64(cpu, ins);
          break;
        case 65:
          h65(cpu, ins);
          break;
        case 66:
          h66(cpu, ins);
          break;
        default:
          fns[done]!(cpu, ins);
      }
    cpu.eip = cpu.nextEip;
    done++;
    if (cpu.blockBreak) break;
  }
  return done;
}

/** RET / RET imm16 with 32-bit operand size for compiled code, as `ret`: pops the target, checks it against CS.limit, releases `extra` bytes more. Returns the target. */
export function fastRetNear(c: Cpu, extra: number): number {
  const s32 = (c.segAttr[2]! & 0x4000) !== 0;
  const sp = s32 ? c.regs[4]! : c.r16[8]!;
  const target = read32(c, 2, sp);
  if (target >>> 0 > c.segLimit[1]!) raise(c, VECTOR.GP, 0);
  if (s32) c.regs[4] = (sp + 4 + extra) | 0;
  else c.r16[8] = (sp + 4 + extra) & 0xffff;
  return target;
}
