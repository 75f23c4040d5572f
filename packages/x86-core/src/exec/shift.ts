/** @file Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR SHLD SHRD, with the documented flags for counts 0, 1 and >1. */
import type { Cpu } from '../cpu/cpu.ts';
import { EFLAGS, getCF, materializeFlags, saveStatusFlags, setResultFlags } from '../cpu/eflags.ts';
import type { Insn } from './insn.ts';
import { ea, getReg, getReg8, readMem, setReg, writeMemRmw, type Handler } from './operands.ts';

/** Shift/rotate kinds in group-2 encoding order (ModRM.reg). */
export const SHIFT = { ROL: 0, ROR: 1, RCL: 2, RCR: 3, SHL: 4, SHR: 5, SAL: 6, SAR: 7 } as const;

const MASK = [0, 0xff, 0xffff, 0, -1];

/** Sets CF and OF only (rotates leave SF/ZF/AF/PF alone). */
function setCfOf(cpu: Cpu, cf: number, of: number): void {
  materializeFlags(cpu);
  cpu.flags = (cpu.flags & ~(EFLAGS.CF | EFLAGS.OF)) | (cf !== 0 ? EFLAGS.CF : 0) | (of !== 0 ? EFLAGS.OF : 0);
}

/**
 * Shifts or rotates `v` (zero-extended, `size` bytes) by `rawCount`; returns the result.
 * The count is masked to 5 bits; a masked count of 0 changes nothing (flags included).
 * OF follows the count-1 definition for every count (undefined by the SDM for >1; QEMU's
 * choice), AF is 0 after SHL/SHR/SAR (undefined by the SDM; QEMU's choice).
 */
export function shift(cpu: Cpu, kind: number, v: number, rawCount: number, size: number): number {
  const count = rawCount & 0x1f;
  if (count === 0) return v;
  const bits = size * 8;
  const m = MASK[size]!;
  const msb = bits - 1;
  switch (kind) {
    case SHIFT.ROL: {
      const c = count % bits;
      const r = c === 0 ? v : ((v << c) | ((v & m) >>> (bits - c))) & m;
      const cf = r & 1;
      setCfOf(cpu, cf, ((r >>> msb) & 1) ^ cf);
      return r;
    }
    case SHIFT.ROR: {
      const c = count % bits;
      const r = c === 0 ? v : (((v & m) >>> c) | (v << (bits - c))) & m;
      setCfOf(cpu, (r >>> msb) & 1, ((r >>> msb) ^ (r >>> (msb - 1))) & 1);
      return r;
    }
    case SHIFT.RCL: {
      const c = size === 4 ? count : count % (bits + 1);
      if (c === 0) return v;
      let cf = getCF(cpu);
      let r = v & m;
      for (let k = 0; k < c; k++) {
        const out = (r >>> msb) & 1;
        r = ((r << 1) | cf) & m;
        cf = out;
      }
      setCfOf(cpu, cf, ((r >>> msb) & 1) ^ cf);
      return r;
    }
    case SHIFT.RCR: {
      const c = size === 4 ? count : count % (bits + 1);
      if (c === 0) return v;
      let cf = getCF(cpu);
      let r = v & m;
      for (let k = 0; k < c; k++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf << msb)) & m;
        cf = out;
      }
      setCfOf(cpu, cf, ((r >>> msb) ^ (r >>> (msb - 1))) & 1);
      return r;
    }
    case SHIFT.SHL:
    case SHIFT.SAL: {
      const r = count >= 32 ? 0 : (v << count) & m;
      const cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      const of = ((r >>> msb) & 1) ^ cf;
      setResultFlags(cpu, r, size, (cf !== 0 ? EFLAGS.CF : 0) | (of !== 0 ? EFLAGS.OF : 0));
      return r;
    }
    case SHIFT.SHR: {
      const u = v & m;
      const prev = u >>> (count - 1);
      const r = (prev >>> 1) & m;
      const of = ((prev ^ r) >>> msb) & 1;
      setResultFlags(cpu, r, size, ((prev & 1) !== 0 ? EFLAGS.CF : 0) | (of !== 0 ? EFLAGS.OF : 0));
      return r;
    }
    default: {
      // SAR
      const sv = size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24;
      const prev = sv >> (count - 1);
      const r = (prev >> 1) & m;
      setResultFlags(cpu, r, size, (prev & 1) !== 0 ? EFLAGS.CF : 0);
      return r;
    }
  }
}

/**
 * SHLD (left) / SHRD (right) of `d` with bits from `s`, by `rawCount` & 0x1F. For 16-bit
 * operands with a count above 16 (undefined in the SDM) the bits keep coming from the
 * concatenation d:s:d, as QEMU does.
 */
export function shiftDouble(cpu: Cpu, left: boolean, d: number, s: number, rawCount: number, size: number): number {
  const count = rawCount & 0x1f;
  if (count === 0) return d;
  const bits = size * 8;
  const m = MASK[size]!;
  const msb = bits - 1;
  if (size === 4) {
    const c = count;
    const r4 = left ? (d << c) | (s >>> (32 - c)) : (d >>> c) | (s << (32 - c));
    const p4 = c === 1 ? d : left ? (d << (c - 1)) | (s >>> (33 - c)) : (d >>> (c - 1)) | (s << (33 - c));
    const cf4 = left ? (p4 >>> 31) & 1 : p4 & 1;
    setResultFlags(cpu, r4, 4, (cf4 !== 0 ? EFLAGS.CF : 0) | (((p4 ^ r4) >>> 31) !== 0 ? EFLAGS.OF : 0));
    return r4 | 0;
  }
  let r = d & m;
  let prev = r;
  // Bit stream feeding in: s, then d again.
  const feed = left ? ((s & m) * 2 ** bits + (d & m)) : ((d & m) * 2 ** bits + (s & m));
  for (let k = 0; k < count; k++) {
    prev = r;
    if (left) {
      const inBit = Math.floor(feed / 2 ** (2 * bits - 1 - (k % (2 * bits)))) & 1;
      r = ((r << 1) | inBit) & m;
    } else {
      const inBit = Math.floor(feed / 2 ** (k % (2 * bits))) & 1;
      r = ((r >>> 1) | (inBit << msb)) & m;
    }
  }
  const cf = left ? (prev >>> msb) & 1 : prev & 1;
  const of = ((prev ^ r) >>> msb) & 1;
  setResultFlags(cpu, r, size, (cf !== 0 ? EFLAGS.CF : 0) | (of !== 0 ? EFLAGS.OF : 0));
  return r;
}

function shiftE(cpu: Cpu, i: Insn, size: number, count: number): void {
  const kind = i.reg;
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, shift(cpu, kind, getReg(cpu, i.rm, size) & MASK[size]!, count, size));
    return;
  }
  const off = ea(cpu, i);
  const v = readMem(cpu, i.seg, off, size) & MASK[size]!;
  saveStatusFlags(cpu);
  const r = shift(cpu, kind, v, count, size);
  if ((count & 0x1f) !== 0) writeMemRmw(cpu, i.seg, off, size, r);
}

function shiftDoubleE(cpu: Cpu, i: Insn, left: boolean, count: number): void {
  const size = i.opsize;
  const s = getReg(cpu, i.reg, size);
  if (i.mod === 3) {
    setReg(cpu, i.rm, size, shiftDouble(cpu, left, getReg(cpu, i.rm, size), s, count, size));
    return;
  }
  const off = ea(cpu, i);
  const d = readMem(cpu, i.seg, off, size);
  saveStatusFlags(cpu);
  const r = shiftDouble(cpu, left, d, s, count, size);
  if ((count & 0x1f) !== 0) writeMemRmw(cpu, i.seg, off, size, r);
}

function forms(name: string): Record<string, Handler> {
  return {
    [`${name}_EbIb`]: (c, i) => shiftE(c, i, 1, i.imm),
    [`${name}_EvIb`]: (c, i) => shiftE(c, i, i.opsize, i.imm),
    [`${name}_Eb1`]: (c, i) => shiftE(c, i, 1, 1),
    [`${name}_Ev1`]: (c, i) => shiftE(c, i, i.opsize, 1),
    [`${name}_EbCL`]: (c, i) => shiftE(c, i, 1, getReg8(c, 1)),
    [`${name}_EvCL`]: (c, i) => shiftE(c, i, i.opsize, getReg8(c, 1)),
  };
}

/** Handlers of this family, by `row.handler` name (the kind comes from ModRM.reg, so SAL shares SHL's). */
export const SHIFT_HANDLERS: Record<string, Handler> = {
  ...forms('rol'),
  ...forms('ror'),
  ...forms('rcl'),
  ...forms('rcr'),
  ...forms('shl'),
  ...forms('shr'),
  ...forms('sal'),
  ...forms('sar'),
  shld_EvGvIb: (c, i) => shiftDoubleE(c, i, true, i.imm),
  shld_EvGvCL: (c, i) => shiftDoubleE(c, i, true, getReg8(c, 1)),
  shrd_EvGvIb: (c, i) => shiftDoubleE(c, i, false, i.imm),
  shrd_EvGvCL: (c, i) => shiftDoubleE(c, i, false, getReg8(c, 1)),
};
