/** @file Test helper: the silicon side of shadow paging (walk the shadow tables, call the pager on #PF, retry) and a seeded PRNG. */
import { Access, Cr0, PageWalk, ShadowFault, faultErrorCode, gva, walkLegacy } from '../../src/index.ts';
import type { ShadowPager } from '../../src/index.ts';

/** The silicon's CR0 while it runs a guest on shadow tables: paging with write protection. */
export const SILICON_CR0 = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;

const siliconWalk = new PageWalk();

/**
 * One guest access run as a monitor would: the silicon walks the shadow tables (no TLB); on a
 * #PF the pager decides; hidden → retry, trace → emulate the write. A write stores `size` bytes
 * of `value`. Returns `ok:<gpa>`, `pf:<error code>`, or `<unmappable reason>:<gpa>`.
 */
export function shadowAccess(
  pager: ShadowPager,
  mem: Uint8Array,
  ramBase: number,
  linear: number,
  access: number,
  value = 0,
  size = 4,
): string {
  for (let tries = 0; tries < 4; tries++) {
    const h = walkLegacy(mem, SILICON_CR0, pager.shadowCr3, 0, linear, access, siliconWalk);
    if (h >= 0) {
      if ((access & Access.WRITE) !== 0) for (let i = 0; i < size; i++) mem[h + i] = value >>> (8 * i);
      return `ok:${h - ramBase}`;
    }
    const f = pager.handlePageFault(gva(linear), faultErrorCode(h));
    if (f.kind === ShadowFault.HIDDEN) continue;
    if (f.kind === ShadowFault.TRUE) return `pf:${f.errorCode}`;
    if (f.kind === ShadowFault.TRACE) {
      pager.emulateTracedWrite(f.gpa, value, size);
      return `ok:${f.gpa}`;
    }
    return `${f.reason}:${f.gpa}`;
  }
  throw new Error(`no progress after 4 faults at ${linear.toString(16)}`);
}

/** The same access on a machine without shadows: walk the guest tables directly (no TLB). */
export function directAccess(
  ram: Uint8Array,
  cr0: number,
  cr3: number,
  cr4: number,
  linear: number,
  access: number,
  value = 0,
  size = 4,
): string {
  const g = walkLegacy(ram, cr0, cr3, cr4, linear, access, new PageWalk());
  if (g < 0) return `pf:${faultErrorCode(g)}`;
  if (g >= ram.length) return `outside-ram:${g}`;
  if ((access & Access.WRITE) !== 0) for (let i = 0; i < size; i++) ram[g + i] = value >>> (8 * i);
  return `ok:${g}`;
}

/** A seeded PRNG (mulberry32): `next()` in [0, 2^32), `below(n)`, `chance(p)`. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(n: number): number {
    return this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }
}

/** True if two byte arrays hold the same bytes (fast, unlike a deep equality on a large typed array). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
