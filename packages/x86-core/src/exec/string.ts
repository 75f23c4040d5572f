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
  for (let n = 0; n < chunk; n++) {
    const count = getIdx(cpu, ECX, a32);
    if (count === 0) return;
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
