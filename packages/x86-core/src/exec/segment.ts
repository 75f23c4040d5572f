/** @file Segment instructions: MOV to/from Sreg, LDS/LES/LSS/LFS/LGS, LAR LSL VERR VERW ARPL. */
import type { Cpu } from '../cpu/cpu.ts';
import { CR0 } from '../cpu/cpu.ts';
import { EFLAGS, setFlag } from '../cpu/eflags.ts';
import { raise, VECTOR } from '../cpu/fault.ts';
import { read16, read32 } from '../cpu/memory.ts';
import { desc, descAttr, descLimit, fetchDescriptor, loadSegment } from '../cpu/segmentation.ts';
import type { Insn } from './insn.ts';
import { ea, getReg, readE, setReg, writeE, type Handler } from './operands.ts';

const SS = 2;

function movFromSreg(c: Cpu, i: Insn): void {
  if (i.reg > 5) raise(c, VECTOR.UD, -1);
  const sel = c.segSel[i.reg]!;
  // To a register with 32-bit operand size the selector is zero-extended; to memory 16 bits are written.
  if (i.mod === 3) setReg(c, i.rm, i.opsize, sel);
  else writeE(c, i, 2, sel);
}

function movToSreg(c: Cpu, i: Insn): void {
  if (i.reg > 5 || i.reg === 1) raise(c, VECTOR.UD, -1);
  loadSegment(c, i.reg, readE(c, i, 2));
  if (i.reg === SS) {
    c.intShadow = true;
    // The shadow also holds a single-step trap back until after the next instruction (SDM Vol.3 §6.8.3).
    c.stepTrap = false;
    c.blockBreak = true;
  }
}

/** LDS/LES/LSS/LFS/LGS: offset and selector read first, the segment load checked, then the register written. */
function loadFar(c: Cpu, i: Insn, seg: number): void {
  if (i.mod === 3) raise(c, VECTOR.UD, -1);
  const off = ea(c, i);
  const size = i.opsize;
  const offset = size === 4 ? read32(c, i.seg, off) : read16(c, i.seg, off);
  const sel = read16(c, i.seg, (off + size) | 0);
  loadSegment(c, seg, sel);
  setReg(c, i.reg, size, offset);
  if (seg === SS) {
    c.intShadow = true;
    // The shadow also holds a single-step trap back until after the next instruction (SDM Vol.3 §6.8.3).
    c.stepTrap = false;
    c.blockBreak = true;
  }
}

function requireProtected(c: Cpu): void {
  if ((c.cr0 & CR0.PE) === 0 || (c.flags & EFLAGS.VM) !== 0) raise(c, VECTOR.UD, -1);
}

/** True if the descriptor in `desc` passes the DPL >= max(CPL, RPL) test (conforming code is exempt). */
function visible(c: Cpu, sel: number, attr: number): boolean {
  const conformingCode = (attr & 0x1c) === 0x1c;
  const dpl = (attr >> 5) & 3;
  return conformingCode || (dpl >= c.cpl && dpl >= (sel & 3));
}

const LAR_SYSTEM_OK = new Uint8Array([0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0]);
const LSL_SYSTEM_OK = new Uint8Array([0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0]);

/** Fetches and validates the selector for LAR/LSL/VERR/VERW; false means ZF=0. */
function probe(c: Cpu, sel: number, systemOk: Uint8Array | null): boolean {
  if ((sel & 0xfffc) === 0 || !fetchDescriptor(c, sel)) return false;
  const attr = descAttr(desc.hi);
  if ((attr & 0x10) === 0 && (systemOk === null || systemOk[attr & 0xf] === 0)) return false;
  return visible(c, sel, attr);
}

function lar(c: Cpu, i: Insn): void {
  requireProtected(c);
  const sel = readE(c, i, 2);
  if (!probe(c, sel, LAR_SYSTEM_OK)) {
    setFlag(c, EFLAGS.ZF, false);
    return;
  }
  setReg(c, i.reg, i.opsize, i.opsize === 4 ? desc.hi & 0x00f0ff00 : desc.hi & 0xff00);
  setFlag(c, EFLAGS.ZF, true);
}

function lsl(c: Cpu, i: Insn): void {
  requireProtected(c);
  const sel = readE(c, i, 2);
  if (!probe(c, sel, LSL_SYSTEM_OK)) {
    setFlag(c, EFLAGS.ZF, false);
    return;
  }
  const limit = descLimit(desc.hi, desc.lo);
  setReg(c, i.reg, i.opsize, i.opsize === 4 ? limit | 0 : limit & 0xffff);
  setFlag(c, EFLAGS.ZF, true);
}

function verify(c: Cpu, i: Insn, write: boolean): void {
  requireProtected(c);
  const sel = readE(c, i, 2);
  let ok = probe(c, sel, null);
  if (ok) {
    const type = descAttr(desc.hi) & 0xf;
    ok = write ? (type & 0xa) === 2 : (type & 0xa) !== 8;
  }
  setFlag(c, EFLAGS.ZF, ok);
}

function arpl(c: Cpu, i: Insn): void {
  requireProtected(c);
  const d = readE(c, i, 2);
  const s = getReg(c, i.reg, 2);
  if ((d & 3) < (s & 3)) {
    writeE(c, i, 2, (d & ~3) | (s & 3));
    setFlag(c, EFLAGS.ZF, true);
  } else setFlag(c, EFLAGS.ZF, false);
}

/** Handlers of this family, by `row.handler` name. */
export const SEGMENT_HANDLERS: Record<string, Handler> = {
  mov_EvSw: movFromSreg,
  mov_SwEw: movToSreg,
  les_GvMp: (c, i) => loadFar(c, i, 0),
  lds_GvMp: (c, i) => loadFar(c, i, 3),
  lss_GvMp: (c, i) => loadFar(c, i, 2),
  lfs_GvMp: (c, i) => loadFar(c, i, 4),
  lgs_GvMp: (c, i) => loadFar(c, i, 5),
  lar_GvEw: lar,
  lsl_GvEw: lsl,
  verr_Ew: (c, i) => verify(c, i, false),
  verw_Ew: (c, i) => verify(c, i, true),
  arpl_EwGw: arpl,
};
