/** @file Fast paths of frequent forms shared by the interpreter loop (engine/interpret.ts) and compiled blocks: Jcc, PUSH/POP r32, near RET. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, testCondition } from '../cpu/eflags.ts';
import { HANDLERS_BY_NAME } from './dispatch.ts';
import type { Insn } from './insn.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { read32, write32 } from '../cpu/memory.ts';
import type { Handler } from './operands.ts';

function pick(name: string): Handler {
  const h = HANDLERS_BY_NAME[name];
  if (h === undefined) throw new Error(`handler ${name} does not exist`);
  return h;
}

const pushZv = pick('push_Zv');
const popZv = pick('pop_Zv');

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
    pushZv(c, i);
    return;
  }
  const sp = (c.regs[4]! - 4) | 0;
  write32(c, 2, sp, c.regs[i.zreg]!);
  c.regs[4] = sp;
}
export function fastPop(c: Cpu, i: Insn): void {
  if (i.opsize !== 4 || (c.segAttr[2]! & 0x4000) === 0) {
    popZv(c, i);
    return;
  }
  const sp = c.regs[4]!;
  const v = read32(c, 2, sp);
  c.regs[4] = (sp + 4) | 0;
  c.regs[i.zreg] = v;
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
