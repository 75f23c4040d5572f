/** @file Bit instructions: BT BTS BTR BTC (register and memory bit strings), BSF BSR, BSWAP. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, materializeFlags, setResultFlags } from '../cpu/eflags.ts';
import type { Insn } from './insn.ts';
import { ea, getReg, opReg, readE, readMem, setReg, writeMem, type Handler } from './operands.ts';

/** BT operations: 0 test, 1 set, 2 reset, 3 complement. */
const BT = { TEST: 0, SET: 1, RESET: 2, COMPLEMENT: 3 } as const;

function setCF(cpu: Cpu, on: boolean): void {
  materializeFlags(cpu);
  cpu.flags = on ? cpu.flags | EFLAGS.CF : cpu.flags & ~EFLAGS.CF;
}

function apply(v: number, bit: number, op: number): number {
  const m = 1 << bit;
  return op === BT.SET ? v | m : op === BT.RESET ? v & ~m : v ^ m;
}

/** BTx Ev, Gv: with a memory operand the bit offset is a signed index into a bit string (SDM Vol.2 BT). */
function btEG(cpu: Cpu, i: Insn, op: number): void {
  const size = i.opsize;
  const bits = size * 8;
  const offset = getReg(cpu, i.reg, size);
  if (i.mod === 3) {
    const bit = offset & (bits - 1);
    const v = getReg(cpu, i.rm, size);
    setCF(cpu, ((v >>> bit) & 1) !== 0);
    if (op !== BT.TEST) setReg(cpu, i.rm, size, apply(v, bit, op) & (size === 4 ? -1 : 0xffff));
    return;
  }
  const signed = size === 4 ? offset : (offset << 16) >> 16;
  const delta = size === 4 ? (signed >> 5) * 4 : (signed >> 4) * 2;
  const addr = i.adsize === 4 ? (ea(cpu, i) + delta) | 0 : (ea(cpu, i) + delta) & 0xffff;
  const bit = offset & (bits - 1);
  const v = readMem(cpu, i.seg, addr, size);
  if (op !== BT.TEST) writeMem(cpu, i.seg, addr, size, apply(v, bit, op) & (size === 4 ? -1 : 0xffff));
  setCF(cpu, ((v >>> bit) & 1) !== 0);
}

/** BTx Ev, Ib: the offset is taken modulo the operand size. */
function btEI(cpu: Cpu, i: Insn, op: number): void {
  const size = i.opsize;
  const bit = i.imm & (size * 8 - 1);
  if (i.mod === 3) {
    const v = getReg(cpu, i.rm, size);
    setCF(cpu, ((v >>> bit) & 1) !== 0);
    if (op !== BT.TEST) setReg(cpu, i.rm, size, apply(v, bit, op) & (size === 4 ? -1 : 0xffff));
    return;
  }
  const off = ea(cpu, i);
  const v = readMem(cpu, i.seg, off, size);
  if (op !== BT.TEST) writeMem(cpu, i.seg, off, size, apply(v, bit, op) & (size === 4 ? -1 : 0xffff));
  setCF(cpu, ((v >>> bit) & 1) !== 0);
}

/**
 * BSF/BSR: ZF=1 and the destination unchanged when the source is 0 (AMD's documented
 * behaviour; Intel: undefined); CF=OF=AF=0, SF/PF from the source (QEMU's choice).
 */
function bitScan(cpu: Cpu, i: Insn, reverse: boolean): void {
  const size = i.opsize;
  const v = readE(cpu, i, size) & (size === 4 ? -1 : 0xffff);
  setResultFlags(cpu, v, size, 0);
  if (v === 0) return;
  const r = reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v);
  setReg(cpu, i.reg, size, r);
}

function bswap(cpu: Cpu, i: Insn): void {
  const n = opReg(i);
  const v = cpu.regs[n]!;
  if (i.opsize === 2) {
    // Undefined in the SDM; real processors (and QEMU) clear the low word.
    cpu.r16[n << 1] = 0;
    return;
  }
  cpu.regs[n] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
}

/** Handlers of this family, by `row.handler` name. */
export const BIT_HANDLERS: Record<string, Handler> = {
  bt_EvGv: (c, i) => btEG(c, i, BT.TEST),
  bts_EvGv: (c, i) => btEG(c, i, BT.SET),
  btr_EvGv: (c, i) => btEG(c, i, BT.RESET),
  btc_EvGv: (c, i) => btEG(c, i, BT.COMPLEMENT),
  bt_EvIb: (c, i) => btEI(c, i, BT.TEST),
  bts_EvIb: (c, i) => btEI(c, i, BT.SET),
  btr_EvIb: (c, i) => btEI(c, i, BT.RESET),
  btc_EvIb: (c, i) => btEI(c, i, BT.COMPLEMENT),
  bsf_GvEv: (c, i) => bitScan(c, i, false),
  bsr_GvEv: (c, i) => bitScan(c, i, true),
  bswap_Zd: bswap,
  bswap_Zv: bswap,
};
