/** @file Seeded differential test: random guest tables, accesses and table writes through the shadow pager versus direct guest walks. */
import { describe, expect, it } from 'vitest';
import { Access, Cr0, Cr4, PageWalk, Pte, ShadowPager, gpa, gva, probeLegacy, readU32, walkLegacy } from '../../src/index.ts';
import type { Hpa, ShadowPagerCounters } from '../../src/index.ts';
import { Rng, SILICON_CR0, directAccess, sameBytes, shadowAccess } from '../support/shadow-silicon.ts';

const RAM = 0x100000; // 256 guest pages
const PDS = [0x1000, 0x2000, 0x3000];
/** Pages 1..15 hold guest tables: 1..3 page directories, 4..15 page tables. */
const TABLE_PAGES = 15;
/** Page 15 is every PD's "kernel window" (PDE 1022): its PTE i maps table page i writable (i = 1..14). */
const WINDOW_PT = 15;
const WINDOW_PDI = 1022;
/** PD slots given random entries (1023 is reserved by the monitor: guest entries there are refused). */
const PD_SLOTS = [0, 1, 512, 1023];
const GVA_PDIS = [0, 1, 512, WINDOW_PDI];
/** PTEs 0..11 of each table are filled; accesses use pages 0..13 of each 4 MiB region. */
const PTES_USED = 12;
const RESERVED = 1023;

function flag(rng: Rng, bit: number, p: number): number {
  return rng.chance(p) ? bit : 0;
}

/** A frame: often a guest table page (tracing), sometimes beyond guest RAM (unmappable). */
function randomFrame(rng: Rng): number {
  const x = rng.below(100);
  if (x < 40) return (1 + rng.below(TABLE_PAGES)) << 12;
  if (x < 45) return (0x100 + rng.below(4)) << 12;
  return (16 + rng.below(240)) << 12;
}

function randomPte(rng: Rng): number {
  const flags =
    flag(rng, Pte.P, 0.85) | flag(rng, Pte.RW, 0.75) | flag(rng, Pte.US, 0.75) | flag(rng, Pte.A, 0.5) |
    flag(rng, Pte.D, 0.5) | flag(rng, Pte.G, 0.1) | flag(rng, Pte.PCD, 0.05);
  return (randomFrame(rng) | flags) >>> 0;
}

function randomPde(rng: Rng): number {
  const x = rng.below(100);
  const flags = flag(rng, Pte.P, 0.9) | flag(rng, Pte.RW, 0.85) | flag(rng, Pte.US, 0.85) | flag(rng, Pte.A, 0.5);
  if (x < 50) return ((4 + rng.below(TABLE_PAGES - 3)) << 12) | flags;
  if (x < 58) return ((1 + rng.below(3)) << 12) | flags; // a page directory used as a page table
  if (x < 78) return ((rng.chance(0.8) ? 0 : 0x400000) | flags | flag(rng, Pte.D, 0.5) | Pte.PS) >>> 0;
  if (x < 81) return (flags | Pte.P | Pte.PS | 0x2000) >>> 0; // reserved bit 13 in a 4 MiB PDE
  return 0;
}

/** What an OS writes to a table entry: a flag toggled, not-present → present (A set), a remap, or anything. */
function tableWrite(rng: Rng, current: number, pd: boolean): number {
  const mode = rng.below(4);
  if (mode === 0) {
    const bits = [Pte.P, Pte.RW, Pte.US, Pte.A, Pte.D, pd ? Pte.PS : Pte.G];
    return (current ^ bits[rng.below(bits.length)]) >>> 0;
  }
  if (mode === 1) {
    if ((current & Pte.P) !== 0) return (current & ~Pte.P) >>> 0;
    return pd ? (randomPde(rng) | Pte.P) >>> 0 : (randomPte(rng) | Pte.P | Pte.A) >>> 0;
  }
  if (mode === 2 && !pd) return ((current & 0xfff) | randomFrame(rng)) >>> 0;
  return pd ? randomPde(rng) : randomPte(rng);
}

function isPd(page: number): boolean {
  return page >= 1 && page <= 3;
}

function randomGva(rng: Rng, paging: boolean): number {
  if (!paging && rng.chance(0.7)) return rng.below(RAM) & ~3;
  return ((GVA_PDIS[rng.below(GVA_PDIS.length)] << 22) | (rng.below(PTES_USED + 2) << 12) | (rng.below(1024) << 2)) >>> 0;
}

const shadowWalk = new PageWalk();
const guestWalk = new PageWalk();

/**
 * Every translation the active shadow allows must be one the guest allows, to the same page,
 * with the guest's A (and for writes D) bits already set; no writable shadow mapping of a traced page.
 */
function checkShadowSubset(pager: ShadowPager, mem: Uint8Array, ref: Uint8Array, cr0: number, cr3: number, cr4: number): void {
  for (const pdi of GVA_PDIS) {
    for (let pti = 0; pti < PTES_USED + 2; pti++) {
      const la = ((pdi << 22) | (pti << 12) | 0x84) >>> 0;
      for (const access of [Access.READ, Access.WRITE, Access.USER, Access.USER | Access.WRITE]) {
        const s = walkLegacy(mem, SILICON_CR0, pager.shadowCr3, 0, la, access, shadowWalk);
        if (s < 0) continue;
        const g = probeLegacy(ref, cr0, cr3, cr4, la, access, guestWalk);
        expect(s, `shadow maps ${la.toString(16)} outside guest RAM`).toBeLessThan(RAM);
        expect(g, `shadow allows ${access} at ${la.toString(16)}`).toBe(s);
        expect(guestWalk.updates, `A/D not yet set for ${access} at ${la.toString(16)}`).toBe(0);
        if ((access & Access.WRITE) !== 0) expect(pager.isTraced(gpa(s))).toBe(false);
      }
    }
  }
}

function runSeed(seed: number, poolPages: number, ops: number): ShadowPagerCounters {
  const rng = new Rng(seed);
  const poolBase = RAM;
  const monPt = poolBase + poolPages * 0x1000;
  const mem = new Uint8Array(monPt + 0x2000);
  const ref = new Uint8Array(RAM);
  // Guest tables, identical in both worlds.
  for (let page = 1; page <= TABLE_PAGES; page++) {
    const at = page << 12;
    if (isPd(page)) {
      for (const i of PD_SLOTS) writeEntry(at + i * 4, randomPde(rng));
      writeEntry(at + WINDOW_PDI * 4, (WINDOW_PT << 12) | Pte.P | Pte.RW | Pte.A);
    } else if (page === WINDOW_PT) {
      for (let i = 1; i < WINDOW_PT; i++) writeEntry(at + i * 4, (i << 12) | Pte.P | Pte.RW | Pte.A | Pte.D);
    } else {
      for (let i = 0; i < PTES_USED; i++) writeEntry(at + i * 4, randomPte(rng));
    }
  }
  function writeEntry(addr: number, value: number): void {
    for (let i = 0; i < 4; i++) {
      mem[addr + i] = value >>> (8 * i);
      ref[addr + i] = value >>> (8 * i);
    }
  }
  mem[monPt] = Pte.P | Pte.RW;
  mem[monPt + 1] = (monPt + 0x1000) >>> 8;
  mem[monPt + 2] = (monPt + 0x1000) >>> 16;
  const pager = new ShadowPager({
    mem,
    guestRamSize: RAM,
    poolBase: poolBase as Hpa,
    poolPages,
    reservedPdes: [{ index: RESERVED, pde: monPt | Pte.P | Pte.RW }],
  });
  let cr0 = (Cr0.PG | Cr0.PE | flag(rng, Cr0.WP, 0.5)) >>> 0;
  let cr4 = flag(rng, Cr4.PSE, 0.6);
  let cr3 = PDS[0];
  pager.activate(cr3, cr0, cr4);

  for (let op = 0; op < ops; op++) {
    const r = rng.below(100);
    const paging = (cr0 & Cr0.PG) !== 0;
    const where = `seed ${seed} op ${op}`;
    if (r < 55) {
      const size = [1, 2, 4][rng.below(3)];
      // Half the accesses hit the first 64 bytes of a page, where the used table entries live.
      const offset = rng.chance(0.5) ? rng.below(64 / size) * size : rng.below(0x1000 / size) * size;
      const la = (randomGva(rng, paging) & ~0xfff) | offset;
      const access = flag(rng, Access.WRITE, 0.6) | flag(rng, Access.USER, 0.4);
      const value = rng.next();
      const got = shadowAccess(pager, mem, 0, la, access, value, size);
      const want = directAccess(ref, cr0, cr3, cr4, la, access, value, size);
      expect(got, `${where}: access ${access} at ${la.toString(16)}`).toBe(want);
    } else if (r < 75) {
      // A table entry changes: half the time the guest kernel writes it through its window
      // (a supervisor write: a trace fault once the page is traced), else the monitor emulates it.
      const page = 1 + rng.below(WINDOW_PT - 1);
      const index = isPd(page) ? PD_SLOTS[rng.below(PD_SLOTS.length)] : rng.below(PTES_USED);
      const entryAddr = (page << 12) + index * 4;
      const entry = tableWrite(rng, readU32(ref, entryAddr), isPd(page));
      if (paging && rng.chance(0.5)) {
        const la = ((WINDOW_PDI << 22) | entryAddr) >>> 0;
        const got = shadowAccess(pager, mem, 0, la, Access.WRITE, entry, 4);
        const want = directAccess(ref, cr0, cr3, cr4, la, Access.WRITE, entry, 4);
        expect(got, `${where}: window write at ${la.toString(16)}`).toBe(want);
      } else {
        let addr = entryAddr;
        let size = 4;
        let value = entry;
        if (rng.chance(0.2)) {
          // A partial write (1 or 2 bytes, possibly straddling two entries) of random bytes.
          size = rng.chance(0.6) ? 1 : 2;
          addr = entryAddr + rng.below(size === 1 ? 4 : 3);
          value = rng.next();
        }
        expect(pager.emulateTracedWrite(gpa(addr), value, size)).toBeGreaterThanOrEqual(0);
        for (let i = 0; i < size; i++) ref[addr + i] = value >>> (8 * i);
      }
    } else if (r < 88) {
      cr3 = PDS[rng.below(PDS.length)];
      pager.activate(cr3, cr0, cr4);
    } else if (r < 93) {
      pager.invlpg(gva(randomGva(rng, paging)));
    } else if (r < 98) {
      pager.consumeTlbFlush();
    } else if (rng.chance(0.4)) {
      if (rng.chance(0.5)) cr0 = (cr0 ^ Cr0.WP) >>> 0;
      else cr4 ^= Cr4.PSE;
      pager.activate(cr3, cr0, cr4);
    } else if (rng.chance(0.15)) {
      cr0 = (cr0 ^ Cr0.PG) >>> 0;
      pager.activate(cr3, cr0, cr4);
    }
    // Guest tables (with their A/D bits) must match after every step.
    expect(sameBytes(mem.subarray(0x1000, (TABLE_PAGES + 1) << 12), ref.subarray(0x1000, (TABLE_PAGES + 1) << 12)), where).toBe(true);
    if (op % 8 === 7) checkShadowSubset(pager, mem, ref, cr0, cr3, cr4);
  }
  expect(sameBytes(mem.subarray(0, RAM), ref)).toBe(true);
  if (process.env.SHADOW_STATS) console.log(seed, JSON.stringify(pager.counters));
  return pager.counters;
}

const totals = new Map<keyof ShadowPagerCounters, number>();

function run(seed: number, poolPages: number): void {
  const counters = runSeed(seed, poolPages, 1200);
  for (const key of Object.keys(counters) as (keyof ShadowPagerCounters)[]) {
    totals.set(key, (totals.get(key) ?? 0) + counters[key]);
  }
}

describe('ShadowPager: seeded differential test against direct guest walks', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}, pool of 64 pages: every access, A/D bit and shadow entry agrees with the guest tables`, () => run(seed, 64));
  }
  for (const seed of [101, 102, 103, 104]) {
    it(`seed ${seed}, pool of 3 pages (evicting all the time): the same`, () => run(seed, 3));
  }
  it('exercised every kind of event', () => {
    for (const key of ['hiddenFaults', 'trueFaults', 'traceFaults', 'eagerValidates', 'unmappable', 'writeProtects', 'flushes', 'evictions'] as const) {
      expect(totals.get(key), key).toBeGreaterThan(0);
    }
  });
});
