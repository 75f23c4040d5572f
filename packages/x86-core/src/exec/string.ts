/** @file String instructions MOVS CMPS STOS LODS SCAS INS OUTS with REP/REPE/REPNE: interruptible, restartable at the exact iteration. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, getZF } from '../cpu/eflags.ts';
import { probeWrite } from '../cpu/memory.ts';
import { PREFIX } from '../decode/instruction.ts';
import type { Insn } from './insn.ts';
import { alu, ALU } from './arith.ts';
import { checkIoPermission, portIn, portOut } from './io.ts';
import { checkIo } from '../svm/intercepts.ts';
import { getReg, readMem, setReg, writeMem, type Handler } from './operands.ts';

const ECX = 1;
const ESI = 6;
const EDI = 7;
const ES = 0;

/** String operation kinds. */
const STR = { MOVS: 0, CMPS: 1, STOS: 2, LODS: 3, SCAS: 4, INS: 5, OUTS: 6 } as const;

/**
 * Iterations one execution of a REP instruction performs before it yields (leaving EIP on
 * itself and ECX/ESI/EDI exact, `Cpu.repPending` set) so that the engine can take interrupts and
 * honour deadlines. A yield does not retire the instruction: it retires once, when it completes.
 */
export const REP_CHUNK = 4096;

function getIdx(cpu: Cpu, r: number, a32: boolean): number {
  return a32 ? cpu.regs[r]! : cpu.r16[r << 1]!;
}

function setIdx(cpu: Cpu, r: number, a32: boolean, v: number): void {
  if (a32) cpu.regs[r] = v;
  else cpu.r16[r << 1] = v;
}

/** One iteration: the memory accesses first, then ESI/EDI (so a fault leaves them exact). */
function once(cpu: Cpu, i: Insn, kind: number, size: number, a32: boolean, delta: number): void {
  switch (kind) {
    case STR.MOVS: {
      const si = getIdx(cpu, ESI, a32);
      const di = getIdx(cpu, EDI, a32);
      writeMem(cpu, ES, di, size, readMem(cpu, i.seg, si, size));
      setIdx(cpu, ESI, a32, si + delta);
      setIdx(cpu, EDI, a32, di + delta);
      return;
    }
    case STR.CMPS: {
      const si = getIdx(cpu, ESI, a32);
      const di = getIdx(cpu, EDI, a32);
      const a = readMem(cpu, i.seg, si, size);
      const b = readMem(cpu, ES, di, size);
      alu(cpu, ALU.CMP, a, b, size);
      setIdx(cpu, ESI, a32, si + delta);
      setIdx(cpu, EDI, a32, di + delta);
      return;
    }
    case STR.STOS: {
      const di = getIdx(cpu, EDI, a32);
      writeMem(cpu, ES, di, size, getReg(cpu, 0, size));
      setIdx(cpu, EDI, a32, di + delta);
      return;
    }
    case STR.LODS: {
      const si = getIdx(cpu, ESI, a32);
      setReg(cpu, 0, size, readMem(cpu, i.seg, si, size));
      setIdx(cpu, ESI, a32, si + delta);
      return;
    }
    case STR.SCAS: {
      const di = getIdx(cpu, EDI, a32);
      alu(cpu, ALU.CMP, getReg(cpu, 0, size), readMem(cpu, ES, di, size), size);
      setIdx(cpu, EDI, a32, di + delta);
      return;
    }
    case STR.INS: {
      const di = getIdx(cpu, EDI, a32);
      const port = cpu.r16[2 << 1]!;
      // The destination is checked before the port is read (a faulting INS does not consume input).
      probeWrite(cpu, ES, di, size);
      writeMem(cpu, ES, di, size, portIn(cpu, port, size));
      setIdx(cpu, EDI, a32, di + delta);
      return;
    }
    default: {
      const si = getIdx(cpu, ESI, a32);
      const port = cpu.r16[2 << 1]!;
      portOut(cpu, port, size, readMem(cpu, i.seg, si, size));
      setIdx(cpu, ESI, a32, si + delta);
      return;
    }
  }
}

/**
 * Up to `max` iterations of forward (DF=0) REP MOVS/STOS with 32-bit addressing, done at once:
 * the run stops at the first page boundary of the source or destination, so that each of its
 * accesses is one the per-iteration path would make through the inline TLB fast path (segment
 * checks pass, the TLB maps RAM with the access right, the destination page holds no code) —
 * which has no side effect beyond the bytes moved. Returns the iterations done (ESI/EDI/ECX
 * updated), or 0 when the next one must go the per-iteration way (a page-straddling element,
 * a TLB miss, MMIO, a code page, a segment limit, overlapping MOVS ranges).
 */
function bulkRun(cpu: Cpu, i: Insn, kind: number, size: number, max: number): number {
  const di = cpu.regs[EDI]! >>> 0;
  const dLin = (cpu.segBase[ES]! + di) | 0;
  let k = Math.min(max, Math.floor((0x1000 - (dLin & 0xfff)) / size));
  const si = cpu.regs[ESI]! >>> 0;
  const sLin = (cpu.segBase[i.seg]! + si) | 0;
  if (kind === STR.MOVS) k = Math.min(k, Math.floor((0x1000 - (sLin & 0xfff)) / size));
  if (k <= 1) return 0;
  const len = k * size;
  if (di < cpu.segLo[ES]! || di + len - 1 > cpu.segHiW[ES]!) return 0;
  const ed = cpu.tlb.entries[dLin >>> 12]!;
  if ((ed & cpu.wrBit) === 0 || cpu.codePages[ed >>> 12] !== 0) return 0;
  const pd = (ed & 0xfffff000) | (dLin & 0xfff);
  if (kind === STR.MOVS) {
    if (si < cpu.segLo[i.seg]! || si + len - 1 > cpu.segHiR[i.seg]!) return 0;
    const es = cpu.tlb.entries[sLin >>> 12]!;
    if ((es & cpu.rdBit) === 0) return 0;
    const ps = (es & 0xfffff000) | (sLin & 0xfff);
    // Overlapping ranges copy element by element (a forward copy that reads what it wrote).
    if (pd < ps + len && ps < pd + len) return 0;
    cpu.ramCopy(pd, ps, len);
    cpu.regs[ESI] = (si + len) | 0;
  } else {
    const v = cpu.regs[0]!;
    // Equal bytes (a memset, such as clearing a page) are one fill.
    if (size === 1 || (size === 2 ? (v & 0xffff) === (v & 0xff) * 0x0101 : (((v & 0xff) * 0x01010101) | 0) === v)) cpu.ramFill(pd, v & 0xff, len);
    else if (size === 2) for (let p = pd; p < pd + len; p += 2) cpu.view.setUint16(p, v, true);
    else for (let p = pd; p < pd + len; p += 4) cpu.view.setInt32(p, v, true);
  }
  cpu.regs[EDI] = (di + len) | 0;
  cpu.regs[ECX] = (cpu.regs[ECX]! - k) | 0;
  return k;
}

function stringOp(cpu: Cpu, i: Insn, kind: number, size: number): void {
  if (kind === STR.INS || kind === STR.OUTS) {
    checkIoPermission(cpu, cpu.r16[2 << 1]!, size);
    if (cpu.guestMode) checkIo(cpu, cpu.r16[2 << 1]!, size, kind === STR.INS, true, (i.prefixes & (PREFIX.REP | PREFIX.REPNE)) !== 0, i.adsize === 4, kind === STR.INS ? ES : i.seg);
  }
  const a32 = i.adsize === 4;
  const delta = (cpu.flags & EFLAGS.DF) !== 0 ? -size : size;
  const rep = i.prefixes & (PREFIX.REP | PREFIX.REPNE);
  if (rep === 0) {
    once(cpu, i, kind, size, a32, delta);
    return;
  }
  const cond = kind === STR.CMPS || kind === STR.SCAS;
  const repne = (i.prefixes & PREFIX.REPNE) !== 0;
  // Under EFLAGS.TF every iteration is single-stepped (SDM Vol.3 §17.3.1.4: the trap follows each iteration).
  const chunk = (cpu.flags & EFLAGS.TF) !== 0 ? 1 : REP_CHUNK;
  const bulk = a32 && delta > 0 && chunk > 1 && (kind === STR.MOVS || kind === STR.STOS);
  for (let n = 0; n < chunk; n++) {
    const count = getIdx(cpu, ECX, a32);
    if (count === 0) return;
    if (bulk) {
      // Whole page-contiguous runs at once when every access of the run would take the RAM fast path.
      const k = bulkRun(cpu, i, kind, size, Math.min(count >>> 0, chunk - n));
      if (k > 0) {
        n += k - 1;
        continue;
      }
    }
    once(cpu, i, kind, size, a32, delta);
    setIdx(cpu, ECX, a32, count - 1);
    if (cond) {
      const zf = getZF(cpu) !== 0;
      if (repne ? zf : !zf) return;
    }
  }
  if (getIdx(cpu, ECX, a32) !== 0) {
    // Not finished: run this instruction again after the engine has looked at interrupts. It is
    // retired (and charged) once, by the execution that completes it.
    cpu.nextEip = cpu.eip;
    cpu.repPending = true;
    cpu.blockBreak = true;
  }
}

/** Handlers of this family, by `row.handler` name. */
export const STRING_HANDLERS: Record<string, Handler> = {
  movs_XbYb: (c, i) => stringOp(c, i, STR.MOVS, 1),
  movs_XvYv: (c, i) => stringOp(c, i, STR.MOVS, i.opsize),
  movs_YbXb: (c, i) => stringOp(c, i, STR.MOVS, 1),
  movs_YvXv: (c, i) => stringOp(c, i, STR.MOVS, i.opsize),
  cmps_XbYb: (c, i) => stringOp(c, i, STR.CMPS, 1),
  cmps_XvYv: (c, i) => stringOp(c, i, STR.CMPS, i.opsize),
  stos_YbAL: (c, i) => stringOp(c, i, STR.STOS, 1),
  stos_YveAX: (c, i) => stringOp(c, i, STR.STOS, i.opsize),
  lods_ALXb: (c, i) => stringOp(c, i, STR.LODS, 1),
  lods_eAXXv: (c, i) => stringOp(c, i, STR.LODS, i.opsize),
  scas_ALYb: (c, i) => stringOp(c, i, STR.SCAS, 1),
  scas_eAXYv: (c, i) => stringOp(c, i, STR.SCAS, i.opsize),
  ins_YbDX: (c, i) => stringOp(c, i, STR.INS, 1),
  ins_YvDX: (c, i) => stringOp(c, i, STR.INS, i.opsize),
  outs_DXXb: (c, i) => stringOp(c, i, STR.OUTS, 1),
  outs_DXXv: (c, i) => stringOp(c, i, STR.OUTS, i.opsize),
};
