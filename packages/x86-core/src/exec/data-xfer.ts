/** @file Data transfer: MOV forms, LEA, XCHG, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, XLAT, SETcc, CMOVcc, XADD, CMPXCHG, CMPXCHG8B, NOP. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, materializeFlags, testCondition } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { probeWrite, read32, read8, write32 } from '../cpu/memory.ts';
import type { Insn } from './insn.ts';
import { alu, ALU } from './arith.ts';
import { ea, getReg, opReg, readE, readMem, setReg, writeE, writeMem, type Handler } from './operands.ts';

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;

function mov_EvGv(c: Cpu, i: Insn): void {
  if (i.opsize === 4) {
    if (i.mod === 3) c.regs[i.rm] = c.regs[i.reg]!;
    else write32(c, i.seg, ea(c, i), c.regs[i.reg]!);
    return;
  }
  writeE(c, i, 2, c.r16[i.reg << 1]!);
}

function mov_GvEv(c: Cpu, i: Insn): void {
  if (i.opsize === 4) {
    c.regs[i.reg] = i.mod === 3 ? c.regs[i.rm]! : read32(c, i.seg, ea(c, i));
    return;
  }
  c.r16[i.reg << 1] = readE(c, i, 2);
}

function mov_ZvIv(c: Cpu, i: Insn): void {
  setReg(c, opReg(i), i.opsize, i.imm);
}

function lea(c: Cpu, i: Insn): void {
  // LEA with a register operand is #UD (the table marks M; the check stays for safety).
  if (i.mod === 3) raise(c, VECTOR.UD, -1);
  setReg(c, i.reg, i.opsize, ea(c, i));
}

function xchgEG(c: Cpu, i: Insn, size: number): void {
  const r = getReg(c, i.reg, size);
  if (i.mod === 3) {
    setReg(c, i.reg, size, getReg(c, i.rm, size));
    setReg(c, i.rm, size, r);
    return;
  }
  const off = ea(c, i);
  const m = readMem(c, i.seg, off, size);
  writeMem(c, i.seg, off, size, r);
  setReg(c, i.reg, size, m);
}

function xchgZ(c: Cpu, i: Insn): void {
  const n = opReg(i);
  const size = i.opsize;
  const a = getReg(c, EAX, size);
  setReg(c, EAX, size, getReg(c, n, size));
  setReg(c, n, size, a);
}

function cbw(c: Cpu, i: Insn): void {
  if (i.opsize === 4) c.regs[EAX] = (c.regs[EAX]! << 16) >> 16;
  else c.r16[EAX << 1] = (c.r8[0]! << 24) >> 24;
}

function cwd(c: Cpu, i: Insn): void {
  if (i.opsize === 4) c.regs[EDX] = c.regs[EAX]! >> 31;
  else c.r16[EDX << 1] = (c.r16[EAX << 1]! & 0x8000) !== 0 ? 0xffff : 0;
}

function xlat(c: Cpu, i: Insn): void {
  const base = i.adsize === 4 ? c.regs[EBX]! : c.r16[EBX << 1]!;
  const off = i.adsize === 4 ? (base + c.r8[0]!) | 0 : (base + c.r8[0]!) & 0xffff;
  c.r8[0] = read8(c, i.seg, off);
}

function cmov(c: Cpu, i: Insn): void {
  const v = readE(c, i, i.opsize);
  if (testCondition(c, i.cc)) setReg(c, i.reg, i.opsize, v);
}

function xadd(c: Cpu, i: Insn, size: number): void {
  const s = getReg(c, i.reg, size);
  if (i.mod === 3) {
    const d = getReg(c, i.rm, size);
    const r = alu(c, ALU.ADD, d, s, size);
    setReg(c, i.reg, size, d);
    setReg(c, i.rm, size, r);
    return;
  }
  const off = ea(c, i);
  const d = readMem(c, i.seg, off, size);
  const r = alu(c, ALU.ADD, d, s, size);
  writeMem(c, i.seg, off, size, r);
  setReg(c, i.reg, size, d);
}

function cmpxchg(c: Cpu, i: Insn, size: number): void {
  const acc = getReg(c, EAX, size);
  if (i.mod === 3) {
    const d = getReg(c, i.rm, size);
    alu(c, ALU.CMP, acc, d, size);
    if (acc === d) setReg(c, i.rm, size, getReg(c, i.reg, size));
    else setReg(c, EAX, size, d);
    return;
  }
  const off = ea(c, i);
  const d = readMem(c, i.seg, off, size);
  alu(c, ALU.CMP, acc, d, size);
  // The processor always writes the destination (its old value on a mismatch).
  if (acc === d) writeMem(c, i.seg, off, size, getReg(c, i.reg, size));
  else {
    writeMem(c, i.seg, off, size, d);
    setReg(c, EAX, size, d);
  }
}

function cmpxchg8b(c: Cpu, i: Insn): void {
  if (i.mod === 3) raise(c, VECTOR.UD, -1);
  const off = ea(c, i);
  const lo = read32(c, i.seg, off);
  const hi = read32(c, i.seg, (off + 4) | 0);
  probeWrite(c, i.seg, off, 8);
  materializeFlags(c);
  if (lo === c.regs[EAX] && hi === c.regs[EDX]) {
    write32(c, i.seg, off, c.regs[EBX]!);
    write32(c, i.seg, (off + 4) | 0, c.regs[ECX]!);
    c.flags |= EFLAGS.ZF;
  } else {
    write32(c, i.seg, off, lo);
    write32(c, i.seg, (off + 4) | 0, hi);
    c.regs[EAX] = lo;
    c.regs[EDX] = hi;
    c.flags &= ~EFLAGS.ZF;
  }
}

function nop(): void {}

/** Handlers of this family, by `row.handler` name. */
export const DATA_XFER_HANDLERS: Record<string, Handler> = {
  mov_EbGb: (c, i) => writeE(c, i, 1, getReg(c, i.reg, 1)),
  mov_EvGv,
  mov_GbEb: (c, i) => setReg(c, i.reg, 1, readE(c, i, 1)),
  mov_GvEv,
  mov_ALOb: (c, i) => setReg(c, EAX, 1, readMem(c, i.seg, ea(c, i), 1)),
  mov_eAXOv: (c, i) => setReg(c, EAX, i.opsize, readMem(c, i.seg, ea(c, i), i.opsize)),
  mov_ObAL: (c, i) => writeMem(c, i.seg, ea(c, i), 1, getReg(c, EAX, 1)),
  mov_OveAX: (c, i) => writeMem(c, i.seg, ea(c, i), i.opsize, getReg(c, EAX, i.opsize)),
  mov_ZbIb: (c, i) => setReg(c, opReg(i), 1, i.imm & 0xff),
  mov_ZvIv,
  mov_EbIb: (c, i) => writeE(c, i, 1, i.imm & 0xff),
  mov_EvIz: (c, i) => writeE(c, i, i.opsize, i.opsize === 4 ? i.imm : i.imm & 0xffff),
  lea_GvM: lea,
  xchg_EbGb: (c, i) => xchgEG(c, i, 1),
  xchg_EvGv: (c, i) => xchgEG(c, i, i.opsize),
  xchg_ZveAX: xchgZ,
  movzx_GvEb: (c, i) => setReg(c, i.reg, i.opsize, readE(c, i, 1)),
  movzx_GvEw: (c, i) => setReg(c, i.reg, i.opsize, readE(c, i, 2)),
  movsx_GvEb: (c, i) => setReg(c, i.reg, i.opsize, (readE(c, i, 1) << 24) >> 24),
  movsx_GvEw: (c, i) => setReg(c, i.reg, i.opsize, (readE(c, i, 2) << 16) >> 16),
  cwde: cbw,
  cbw,
  cdq: cwd,
  cwd,
  xlat,
  setcc_Eb: (c, i) => writeE(c, i, 1, testCondition(c, i.cc) ? 1 : 0),
  cmovcc_GvEv: cmov,
  xadd_EbGb: (c, i) => xadd(c, i, 1),
  xadd_EvGv: (c, i) => xadd(c, i, i.opsize),
  cmpxchg_EbGb: (c, i) => cmpxchg(c, i, 1),
  cmpxchg_EvGv: (c, i) => cmpxchg(c, i, i.opsize),
  cmpxchg8b_Mq: cmpxchg8b,
  nop,
  pause: nop,
  nop_Ev: nop,
};
