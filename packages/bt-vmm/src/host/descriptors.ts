/** @file Segment descriptors: decoding the guest's, encoding the host's, and the shadow rule (DPL 0 → 1, limits truncated below the monitor region). */
import { SEG_ATTR } from '@x86virt/x86-core';
import { MONITOR_LINEAR } from '../layout.ts';

/** A decoded segment descriptor. */
export interface Descriptor {
  base: number;
  /** Byte-granular limit. */
  limit: number;
  /** `SEG_ATTR` layout: descriptor bits 40–47 and 52–55 (type, S, DPL, P, AVL, D/B, G). */
  attr: number;
}

/** Decodes the two dwords of a descriptor. */
export function decodeDescriptor(lo: number, hi: number, out: Descriptor): Descriptor {
  out.base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  out.limit = (hi & 0x800000) !== 0 ? raw * 4096 + 0xfff : raw;
  out.attr = (hi >>> 8) & 0xf0ff;
  return out;
}

/** Writes a descriptor (base, byte limit, `SEG_ATTR` attributes) at `at` in `ram`; large limits use 4 KiB granularity. */
export function writeDescriptor(ram: Uint8Array, at: number, base: number, limit: number, attr: number): void {
  let a = attr & ~SEG_ATTR.G;
  let raw = limit;
  if (limit > 0xfffff) {
    a |= SEG_ATTR.G;
    raw = Math.floor((limit + 1) / 4096) - 1;
  }
  const lo = ((base & 0xffff) << 16) | (raw & 0xffff);
  const hi = ((base >>> 16) & 0xff) | (a << 8) | (raw & 0xf0000) | (base & 0xff000000);
  const v = new DataView(ram.buffer, ram.byteOffset + at, 8);
  v.setInt32(0, lo | 0, true);
  v.setInt32(4, hi | 0, true);
}

/** The highest offset of a segment based at `base` that stays below the monitor region (-1: none). */
export function truncationCap(base: number): number {
  const b = base >>> 0;
  return b >= MONITOR_LINEAR ? -1 : MONITOR_LINEAR - 1 - b;
}

/**
 * The shadow of a guest segment descriptor in the host GDT: code and data segments keep base
 * and type; DPL 0 becomes 1 (guest kernel code runs at CPL1); the limit is truncated so the
 * segment ends below the monitor region. System descriptors (TSS, LDT, gates) are not shadowed
 * (returned as not present): the monitor keeps the guest's TSS and LDT for itself.
 */
export function shadowDescriptor(d: Descriptor, out: Descriptor): Descriptor {
  out.base = d.base;
  if ((d.attr & SEG_ATTR.S) === 0 || (d.attr & SEG_ATTR.P) === 0) {
    out.limit = 0;
    out.attr = 0;
    return out;
  }
  const dpl = (d.attr >> 5) & 3;
  out.attr = (d.attr & ~SEG_ATTR.DPL) | ((dpl === 0 ? 1 : dpl) << 5);
  const expandDown = (d.attr & 0x1c) === 0x14;
  const cap = truncationCap(d.base);
  out.limit = expandDown ? d.limit : cap < 0 ? 0 : Math.min(d.limit, cap);
  if (cap < 0) out.attr &= ~SEG_ATTR.P;
  return out;
}
