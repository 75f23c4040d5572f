/** @file Tests of the software TLB: fill permissions, dirty re-walks, MMIO refusal, INVLPG, CR3/CR0/CR4 flush semantics, counters. */
import { describe, expect, it } from 'vitest';
import {
  Access, Cr0, Cr4, PageWalk, Pte, Tlb, TlbBit, buildNestedTables, hpa, nestedTablesBytes, tlbCheckBit,
} from '../src/index.ts';
import { poke32 } from './support/ram.ts';

const PD = 0x1000;
const CR0 = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;
const ALL_RIGHTS = TlbBit.READ_S | TlbBit.WRITE_S | TlbBit.READ_U | TlbBit.WRITE_U | TlbBit.FETCH_S | TlbBit.FETCH_U;

/** RAM (1 MiB by default), PD at 0x1000 with page tables at 0x2000 (PDE 0) and 0x3000 (PDE 1). */
function ram(bytes = 0x100000): Uint8Array {
  const mem = new Uint8Array(bytes);
  poke32(mem, PD, 0x2000 | Pte.P | Pte.RW | Pte.US);
  poke32(mem, PD + 4, 0x3000 | Pte.P | Pte.RW | Pte.US);
  return mem;
}

/** Maps linear page `lpn` (< 2048) to physical `frame` with `flags`. */
function map(mem: Uint8Array, lpn: number, frame: number, flags: number): void {
  poke32(mem, 0x2000 + lpn * 4, frame | flags);
}

/** The fast path as the silicon inlines it: host offset, or -1 for a miss. */
function fast(tlb: Tlb, linear: number, access: number): number {
  const e = tlb.entries[linear >>> 12]!;
  return (e & tlbCheckBit(access)) !== 0 ? (e & TlbBit.FRAME) | (linear & 0xfff) : -1;
}

describe('tlbCheckBit', () => {
  it('maps each access kind to its entry bit', () => {
    expect(tlbCheckBit(Access.READ)).toBe(TlbBit.READ_S);
    expect(tlbCheckBit(Access.WRITE)).toBe(TlbBit.WRITE_S);
    expect(tlbCheckBit(Access.USER)).toBe(TlbBit.READ_U);
    expect(tlbCheckBit(Access.USER | Access.WRITE)).toBe(TlbBit.WRITE_U);
    expect(tlbCheckBit(Access.FETCH)).toBe(TlbBit.FETCH_S);
    expect(tlbCheckBit(Access.FETCH | Access.USER)).toBe(TlbBit.FETCH_U);
  });
});

describe('Tlb fills', () => {
  it('a read of a clean user page grants reads and fetches at both privileges, no writes', () => {
    const mem = ram();
    map(mem, 5, 0x9000, Pte.P | Pte.RW | Pte.US);
    const tlb = new Tlb();
    const w = new PageWalk();
    expect(fast(tlb, 0x5010, Access.READ)).toBe(-1);
    expect(tlb.translate(mem, CR0, PD, 0, 0x5010, Access.READ, w)).toBe(0x9010);
    expect(tlb.entries[5]).toBe(0x9000 | TlbBit.READ_S | TlbBit.READ_U | TlbBit.FETCH_S | TlbBit.FETCH_U | TlbBit.LISTED);
    expect(fast(tlb, 0x5ffe, Access.USER)).toBe(0x9ffe);
    expect(fast(tlb, 0x5000, Access.WRITE)).toBe(-1);
    // The write misses, its walk sets D, and the refill grants writes.
    expect(tlb.translate(mem, CR0, PD, 0, 0x5000, Access.WRITE, w)).toBe(0x9000);
    expect(tlb.entries[5]! & ALL_RIGHTS).toBe(ALL_RIGHTS);
    expect(fast(tlb, 0x5004, Access.USER | Access.WRITE)).toBe(0x9004);
    expect(tlb.filledCount).toBe(1);
    expect(tlb.counters).toEqual({
      misses: 2, fills: 2, mmioRefusals: 0, faults: 0, walkReferences: 4, adUpdates: 3,
      flushes: 0, nonGlobalFlushes: 0, invlpgs: 0, overflowFlushes: 0,
    });
  });

  it('a read-only supervisor page: supervisor writes only with CR0.WP=0, never user access', () => {
    const mem = ram();
    map(mem, 6, 0xa000, Pte.P | Pte.D | Pte.A);
    const w = new PageWalk();
    const wp = new Tlb();
    wp.translate(mem, CR0, PD, 0, 0x6000, Access.READ, w);
    expect(wp.entries[6]! & ALL_RIGHTS).toBe(TlbBit.READ_S | TlbBit.FETCH_S);
    const noWp = new Tlb();
    noWp.translate(mem, CR0 & ~Cr0.WP, PD, 0, 0x6000, Access.READ, w);
    expect(noWp.entries[6]! & ALL_RIGHTS).toBe(TlbBit.READ_S | TlbBit.FETCH_S | TlbBit.WRITE_S);
  });

  it('a faulting walk fills nothing and counts a fault', () => {
    const mem = ram();
    const tlb = new Tlb();
    const w = new PageWalk();
    expect(tlb.translate(mem, CR0, PD, 0, 0x7000, Access.USER, w)).toBe(~4);
    expect(tlb.entries[7]).toBe(0);
    expect(tlb.counters.faults).toBe(1);
    expect(tlb.counters.fills).toBe(0);
    expect(tlb.counters.walkReferences).toBe(2);
  });

  it('never fills MMIO pages or pages beyond RAM, so every access to them walks', () => {
    const mem = ram();
    map(mem, 8, 0xb000, Pte.P | Pte.RW);
    map(mem, 9, 0xfee00000, Pte.P | Pte.RW);
    const tlb = new Tlb({ isRam: (base) => base !== 0xb000 });
    const w = new PageWalk();
    expect(tlb.translate(mem, CR0, PD, 0, 0x8004, Access.READ, w)).toBe(0xb004);
    expect(tlb.translate(mem, CR0, PD, 0, 0x9300, Access.WRITE, w)).toBe(0xfee00300);
    expect(tlb.entries[8]).toBe(0);
    expect(tlb.entries[9]).toBe(0);
    expect(tlb.filledCount).toBe(0);
    expect(tlb.counters.mmioRefusals).toBe(2);
    const direct = new Tlb();
    direct.fill(0x8000, w, CR0, false);
    expect(direct.entries[8]).toBe(0);
  });

  it('identity entries with paging off carry every right', () => {
    const tlb = new Tlb();
    const w = new PageWalk();
    tlb.translate(new Uint8Array(0x10000), Cr0.PE, 0, 0, 0xf123, Access.READ, w);
    expect(tlb.entries[0xf]).toBe(0xf000 | ALL_RIGHTS | TlbBit.LISTED);
  });

  it('a stale entry keeps translating until INVLPG, as on silicon (SDM Vol.3 §4.10.4)', () => {
    const mem = ram();
    map(mem, 5, 0x9000, Pte.P | Pte.RW | Pte.A | Pte.D);
    const tlb = new Tlb();
    const w = new PageWalk();
    tlb.translate(mem, CR0, PD, 0, 0x5000, Access.READ, w);
    map(mem, 5, 0xc000, Pte.P | Pte.RW | Pte.A | Pte.D);
    expect(fast(tlb, 0x5008, Access.WRITE)).toBe(0x9008);
    tlb.invlpg(0x5fff);
    expect(fast(tlb, 0x5008, Access.READ)).toBe(-1);
    expect(tlb.translate(mem, CR0, PD, 0, 0x5008, Access.READ, w)).toBe(0xc008);
    expect(fast(tlb, 0x5008, Access.WRITE)).toBe(0xc008);
    expect(tlb.filledCount).toBe(1);
  });
});

describe('Tlb flushes', () => {
  function filled(): { tlb: Tlb; mem: Uint8Array } {
    const mem = ram(0x1000000);
    map(mem, 1, 0x11000, Pte.P | Pte.RW | Pte.G);
    map(mem, 2, 0x12000, Pte.P | Pte.RW);
    map(mem, 3, 0x13000, Pte.P | Pte.RW | Pte.G);
    // 4 MiB global page at linear 0x00c00000 (PDE 3), and a non-global one at 0x01000000 (PDE 4).
    poke32(mem, PD + 12, 0x00400000 | Pte.P | Pte.PS | Pte.G);
    poke32(mem, PD + 16, 0x00800000 | Pte.P | Pte.PS);
    const tlb = new Tlb();
    const w = new PageWalk();
    const cr4 = Cr4.PGE | Cr4.PSE;
    for (const la of [0x1000, 0x2000, 0x3000, 0x00c00000, 0x00c05000, 0x01000000, 0x01003000]) {
      expect(tlb.translate(mem, CR0, PD, cr4, la, Access.READ, w)).toBeGreaterThanOrEqual(0);
    }
    return { tlb, mem };
  }
  const valid = (tlb: Tlb, la: number): boolean => (tlb.entries[la >>> 12]! & TlbBit.READ_S) !== 0;

  it('CR3 load drops non-global entries and keeps global ones (4 KiB and 4 MiB)', () => {
    const { tlb } = filled();
    expect(tlb.filledCount).toBe(7);
    tlb.onCr3Write();
    expect([0x1000, 0x2000, 0x3000, 0x00c00000, 0x00c05000, 0x01000000, 0x01003000].map((la) => valid(tlb, la))).toEqual([
      true, false, true, true, true, false, false,
    ]);
    expect(tlb.filledCount).toBe(4);
    expect(tlb.counters.nonGlobalFlushes).toBe(1);
    // A second CR3 load finds only global entries.
    tlb.flushNonGlobal();
    expect(tlb.filledCount).toBe(4);
  });

  it('INVLPG drops a global entry too, and every 4 KiB piece of a cached 4 MiB page', () => {
    const { tlb } = filled();
    tlb.invlpg(0x1000);
    expect(valid(tlb, 0x1000)).toBe(false);
    expect(valid(tlb, 0x3000)).toBe(true);
    tlb.invlpg(0x00fff000);
    expect(valid(tlb, 0x00c00000)).toBe(false);
    expect(valid(tlb, 0x00c05000)).toBe(false);
    expect(valid(tlb, 0x01000000)).toBe(true);
    expect(tlb.counters.invlpgs).toBe(2);
  });

  it('the large-page marks survive a CR3 load for global 4 MiB pages', () => {
    const { tlb } = filled();
    tlb.onCr3Write();
    tlb.invlpg(0x00c01000);
    expect(valid(tlb, 0x00c00000)).toBe(false);
    expect(valid(tlb, 0x00c05000)).toBe(false);
  });

  it('flushAll drops everything, global entries included', () => {
    const { tlb } = filled();
    tlb.flushAll();
    expect(tlb.filledCount).toBe(0);
    expect(tlb.entries.some((e) => e !== 0)).toBe(false);
  });

  it('CR0 writes flush everything when PG, WP or PE change, nothing otherwise', () => {
    const { tlb } = filled();
    tlb.onCr0Write(CR0, CR0 | 0x8 /* TS */);
    expect(tlb.filledCount).toBe(7);
    tlb.onCr0Write(CR0, CR0 & ~Cr0.WP);
    expect(tlb.filledCount).toBe(0);
    expect(tlb.counters.flushes).toBe(1);
  });

  it('CR4 writes flush everything (globals too) when PGE, PSE or PAE change', () => {
    const { tlb } = filled();
    tlb.onCr4Write(Cr4.PGE | Cr4.PSE, Cr4.PGE | Cr4.PSE | 0x200 /* OSFXSR */);
    expect(tlb.filledCount).toBe(7);
    tlb.onCr4Write(Cr4.PGE | Cr4.PSE, Cr4.PSE);
    expect(tlb.filledCount).toBe(0);
    expect(valid(tlb, 0x1000)).toBe(false);
  });

  it('a full filled list flushes everything before the next new page', () => {
    const mem = ram();
    for (let i = 0; i < 4; i++) map(mem, 16 + i, 0x20000 + i * 0x1000, Pte.P);
    const tlb = new Tlb({ capacity: 3 });
    const w = new PageWalk();
    for (let i = 0; i < 3; i++) tlb.translate(mem, CR0, PD, 0, (16 + i) << 12, Access.READ, w);
    expect(tlb.filledCount).toBe(3);
    tlb.translate(mem, CR0, PD, 0, 16 << 12, Access.READ, w); // already listed: no overflow
    expect(tlb.counters.overflowFlushes).toBe(0);
    tlb.translate(mem, CR0, PD, 0, 19 << 12, Access.READ, w);
    expect(tlb.counters.overflowFlushes).toBe(1);
    expect(tlb.filledCount).toBe(1);
    expect(valid(tlb, 16 << 12)).toBe(false);
    expect(valid(tlb, 19 << 12)).toBe(true);
  });
});

describe('Tlb with nested paging', () => {
  it('caches guest-virtual → host-physical and withholds writes while the nested page is read-only', () => {
    const mem = new Uint8Array(0x1000000);
    const nCr3 = buildNestedTables(mem, hpa(0x100000), nestedTablesBytes(0x800000), 0x800000, hpa(0x800000));
    poke32(mem, 0x800000 + 0x1000 + 4, 0x2000 | Pte.P | Pte.RW | Pte.US);
    poke32(mem, 0x800000 + 0x2000 + 12, 0x5000 | Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D);
    // Make gPA 0x5000 read-only in the nested PTE (PT 0 at 0x101000, index 5).
    poke32(mem, 0x101000 + 5 * 4, (0x805000 | Pte.P | Pte.US | Pte.A | Pte.D) >>> 0);
    const tlb = new Tlb({ asid: 1 });
    const w = new PageWalk();
    expect(tlb.translateNested(mem, CR0, 0x1000, 0, nCr3, 0, 0x00403010, Access.READ, w)).toBe(0x805010);
    expect(tlb.entries[0x403]).toBe(0x805000 | TlbBit.READ_S | TlbBit.READ_U | TlbBit.FETCH_S | TlbBit.FETCH_U | TlbBit.LISTED);
    expect(tlb.counters.walkReferences).toBe(8);
    expect(fast(tlb, 0x00403010, Access.WRITE)).toBe(-1);
    expect(tlb.translateNested(mem, CR0, 0x1000, 0, nCr3, 0, 0x00403010, Access.WRITE, w)).toBe(~0x10007);
    expect(tlb.counters.faults).toBe(1);
    expect(tlb.asid).toBe(1);
  });
});
