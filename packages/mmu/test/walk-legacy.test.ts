/** @file Tests of the 1-D walk against hand-built tables; expected values follow Intel SDM Vol.3 §4.3, §4.6, §4.7, §4.8. */
import { describe, expect, it } from 'vitest';
import { Access, Cr0, Cr4, PageWalk, PfError, Pte, faultErrorCode, isFault, isNestedFault, walkLegacy } from '../src/index.ts';
import { peek32, poke32 } from './support/ram.ts';

const PD = 0x1000;
const PT = 0x2000;
const PG_WP = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;
const PG_NOWP = (Cr0.PG | Cr0.PE) >>> 0;

/** 64 KiB of RAM; linear 0x00403000 (PDE 1, PTE 3) → physical 0x5000 through PD 0x1000, PT 0x2000. */
function setup4k(pdeFlags: number, pteFlags: number): Uint8Array {
  const mem = new Uint8Array(0x10000);
  poke32(mem, PD + 1 * 4, PT | pdeFlags);
  poke32(mem, PT + 3 * 4, 0x5000 | pteFlags);
  return mem;
}

describe('walkLegacy: 4 KiB pages', () => {
  it('translates through both levels with two memory references and sets A in both entries', () => {
    const mem = setup4k(Pte.P | Pte.RW, Pte.P | Pte.RW);
    const w = new PageWalk();
    const r = walkLegacy(mem, PG_WP, PD, 0, 0x00403123, Access.READ, w);
    expect(r).toBe(0x5123);
    expect(w.physical).toBe(0x5123);
    expect(w.references).toBe(2);
    expect(w.updates).toBe(2);
    expect(w.pageSize).toBe(0x1000);
    expect(w.pdeAddress).toBe(0x1004);
    expect(w.pteAddress).toBe(0x200c);
    expect(peek32(mem, 0x1004)).toBe(0x2000 | 0x23);
    expect(peek32(mem, 0x200c)).toBe(0x5000 | 0x23);
    expect(w.dirty).toBe(0);
    expect(w.writable).toBe(1);
    expect(w.user).toBe(0);
  });

  it('sets D only in the PTE on a write, and reports the page dirty (SDM §4.8)', () => {
    const mem = setup4k(Pte.P | Pte.RW, Pte.P | Pte.RW);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, PD, 0, 0x00403ffc, Access.WRITE, w)).toBe(0x5ffc);
    expect(peek32(mem, 0x1004)).toBe(0x2000 | 0x23);
    expect(peek32(mem, 0x200c)).toBe(0x5000 | 0x63);
    expect(w.dirty).toBe(1);
    expect(w.updates).toBe(2);
    // A second write finds A and D already set: no write-back.
    expect(walkLegacy(mem, PG_WP, PD, 0, 0x00403000, Access.WRITE, w)).toBe(0x5000);
    expect(w.updates).toBe(0);
    expect(w.dirty).toBe(1);
  });

  it('reports an already dirty page as dirty on a read', () => {
    const mem = setup4k(Pte.P, Pte.P | Pte.D | Pte.A);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, PD, 0, 0x00403000, Access.READ, w)).toBe(0x5000);
    expect(w.dirty).toBe(1);
    expect(w.updates).toBe(1);
  });

  it('ignores CR3 bits 11:0 and PDE/PTE flag bits in the frame', () => {
    const mem = setup4k(Pte.P | Pte.PCD | Pte.PWT, Pte.P | Pte.PCD);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, PD | 0x18, 0, 0x00403abc, Access.READ, w)).toBe(0x5abc);
  });

  it('passes addresses through unchanged with CR0.PG=0, without reading memory', () => {
    const mem = new Uint8Array(16);
    const w = new PageWalk();
    expect(walkLegacy(mem, Cr0.PE, 0, 0, 0xfffff123, Access.WRITE | Access.USER, w)).toBe(0xfffff123);
    expect(w.references).toBe(0);
    expect([w.user, w.writable, w.dirty, w.global]).toEqual([1, 1, 1, 0]);
  });
});

describe('walkLegacy: not-present faults (SDM §4.7: P=0, W/R and U/S from the access)', () => {
  const cases: [string, number, number][] = [
    ['supervisor read', Access.READ, 0],
    ['supervisor write', Access.WRITE, PfError.W],
    ['user read', Access.USER, PfError.U],
    ['user write', Access.USER | Access.WRITE, PfError.W | PfError.U],
    ['supervisor fetch (no I/D without NX)', Access.FETCH, 0],
    ['user fetch', Access.FETCH | Access.USER, PfError.U],
  ];
  for (const [name, access, code] of cases) {
    it(`PDE not present, ${name}: error code ${code}`, () => {
      const mem = setup4k(Pte.RW | Pte.US, Pte.P | Pte.RW | Pte.US);
      const w = new PageWalk();
      const r = walkLegacy(mem, PG_WP, PD, 0, 0x00403010, access, w);
      expect(isFault(r)).toBe(true);
      expect(isNestedFault(r)).toBe(false);
      expect(r).toBe(~code);
      expect(faultErrorCode(r)).toBe(code);
      expect(w.faultAddress).toBe(0x00403010);
      expect(w.physical).toBe(-1);
      expect(w.references).toBe(1);
      expect(peek32(mem, 0x1004)).toBe(0x2000 | 0x06);
    });
    it(`PTE not present, ${name}: error code ${code}, no A bit set`, () => {
      const mem = setup4k(Pte.P | Pte.RW | Pte.US, Pte.RW | Pte.US);
      const w = new PageWalk();
      const r = walkLegacy(mem, PG_WP, PD, 0, 0x00403010, access, w);
      expect(faultErrorCode(r)).toBe(code);
      expect(w.references).toBe(2);
      expect(peek32(mem, 0x1004)).toBe(0x2000 | 0x07);
      expect(peek32(mem, 0x200c)).toBe(0x5000 | 0x06);
    });
  }

  it('reads a page directory outside RAM as not present', () => {
    const mem = new Uint8Array(0x2000);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, 0x100000, 0, 0x1000, Access.WRITE, w)).toBe(~PfError.W);
  });
});

/** SDM Vol.3 §4.6.1, written out independently of the implementation (no SMEP/SMAP/NX). */
function sdmAllows(us: boolean, rw: boolean, wp: boolean, user: boolean, kind: 'read' | 'write' | 'fetch'): boolean {
  if (user) return us && (kind !== 'write' || rw);
  if (kind !== 'write') return true;
  return rw || !wp;
}

const KINDS = [['read', Access.READ], ['write', Access.WRITE], ['fetch', Access.FETCH]] as const;

describe('walkLegacy: every U/S × R/W × CR0.WP × CPL × access-kind combination', () => {
  it('4 KiB pages: 192 cases, 102 allowed; A/D set only on success; error code P|W|U on denial', () => {
    let allowed = 0;
    let cases = 0;
    for (let bits = 0; bits < 16; bits++) {
      const pdeUs = (bits & 1) !== 0, pdeRw = (bits & 2) !== 0, pteUs = (bits & 4) !== 0, pteRw = (bits & 8) !== 0;
      for (const wp of [false, true]) {
        for (const user of [false, true]) {
          for (const [kind, kindBits] of KINDS) {
            cases++;
            const pdeFlags = Pte.P | (pdeUs ? Pte.US : 0) | (pdeRw ? Pte.RW : 0);
            const pteFlags = Pte.P | (pteUs ? Pte.US : 0) | (pteRw ? Pte.RW : 0);
            const mem = setup4k(pdeFlags, pteFlags);
            const access = kindBits | (user ? Access.USER : 0);
            const w = new PageWalk();
            const r = walkLegacy(mem, wp ? PG_WP : PG_NOWP, PD, 0, 0x00403456, access, w);
            const ok = sdmAllows(pdeUs && pteUs, pdeRw && pteRw, wp, user, kind);
            const label = `pde us=${+pdeUs} rw=${+pdeRw} pte us=${+pteUs} rw=${+pteRw} wp=${+wp} user=${+user} ${kind}`;
            if (ok) {
              allowed++;
              expect(r, label).toBe(0x5456);
              expect(peek32(mem, 0x1004), label).toBe((0x2000 | pdeFlags | Pte.A) >>> 0);
              expect(peek32(mem, 0x200c), label).toBe((0x5000 | pteFlags | Pte.A | (kind === 'write' ? Pte.D : 0)) >>> 0);
              expect(w.user, label).toBe(pdeUs && pteUs ? 1 : 0);
              expect(w.writable, label).toBe(pdeRw && pteRw ? 1 : 0);
            } else {
              const code = PfError.P | (kind === 'write' ? PfError.W : 0) | (user ? PfError.U : 0);
              expect(r, label).toBe(~code);
              expect(peek32(mem, 0x1004), label).toBe(0x2000 | pdeFlags);
              expect(peek32(mem, 0x200c), label).toBe(0x5000 | pteFlags);
            }
          }
        }
      }
    }
    expect(cases).toBe(192);
    // Counted by hand: user 8+8+2 (read, fetch, write), supervisor 32+32+20.
    expect(allowed).toBe(102);
  });

  it('4 MiB pages: 48 cases, 32 allowed; A (and D on writes) set in the PDE only on success', () => {
    let allowed = 0;
    for (let bits = 0; bits < 4; bits++) {
      const us = (bits & 1) !== 0, rw = (bits & 2) !== 0;
      for (const wp of [false, true]) {
        for (const user of [false, true]) {
          for (const [kind, kindBits] of KINDS) {
            const mem = new Uint8Array(0x2000);
            const flags = Pte.P | Pte.PS | (us ? Pte.US : 0) | (rw ? Pte.RW : 0);
            poke32(mem, PD + 3 * 4, 0x01000000 | flags);
            const w = new PageWalk();
            const r = walkLegacy(mem, wp ? PG_WP : PG_NOWP, PD, Cr4.PSE, 0x00c12345, kindBits | (user ? Access.USER : 0), w);
            const label = `us=${+us} rw=${+rw} wp=${+wp} user=${+user} ${kind}`;
            if (sdmAllows(us, rw, wp, user, kind)) {
              allowed++;
              expect(r, label).toBe(0x01012345);
              expect(w.references, label).toBe(1);
              expect(peek32(mem, 0x100c), label).toBe((0x01000000 | flags | Pte.A | (kind === 'write' ? Pte.D : 0)) >>> 0);
            } else {
              expect(r, label).toBe(~(PfError.P | (kind === 'write' ? PfError.W : 0) | (user ? PfError.U : 0)));
              expect(peek32(mem, 0x100c), label).toBe(0x01000000 | flags);
            }
          }
        }
      }
    }
    // Counted by hand: user 4+4+2 (read, fetch, write), supervisor 8+8+6.
    expect(allowed).toBe(32);
  });
});

describe('walkLegacy: PSE, reserved bits, global pages', () => {
  it('maps a 4 MiB page with CR4.PSE=1 and reports its size and frame', () => {
    const mem = new Uint8Array(0x4000);
    poke32(mem, PD + 0x3ff * 4, 0xffc00000 | Pte.P | Pte.PS | Pte.RW);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, PD, Cr4.PSE, 0xffffffff, Access.WRITE, w)).toBe(0xffffffff);
    expect(w.pageSize).toBe(0x400000);
    expect(w.pdeAddress).toBe(0x1ffc);
    expect(w.pteAddress).toBe(-1);
    expect(w.dirty).toBe(1);
    expect(peek32(mem, 0x1ffc)).toBe((0xffc00000 | 0xe3) >>> 0);
  });

  it('treats PS as a page-table pointer when CR4.PSE=0 (PS ignored)', () => {
    // Page table at 0x1000: as a 4 MiB PDE only bit 12 (PAT) is set, which is not reserved.
    const mem = new Uint8Array(0x10000);
    poke32(mem, 0x3000 + 1 * 4, 0x1000 | Pte.P | Pte.PS);
    poke32(mem, 0x1000 + 3 * 4, 0x7000 | Pte.P);
    const w = new PageWalk();
    expect(walkLegacy(mem, PG_WP, 0x3000, 0, 0x00403010, Access.READ, w)).toBe(0x7010);
    expect(w.pageSize).toBe(0x1000);
    expect(w.references).toBe(2);
    expect(walkLegacy(mem, PG_WP, 0x3000, Cr4.PSE, 0x00403010, Access.READ, w)).toBe(0x00003010);
    expect(w.pageSize).toBe(0x400000);
  });

  it('faults with P|RSVD on each of PDE bits 21:13 of a 4 MiB page (no PSE-36), and sets no A bit', () => {
    for (let bit = 13; bit <= 21; bit++) {
      const mem = new Uint8Array(0x2000);
      const pde = (0x00400000 | (1 << bit) | Pte.P | Pte.PS | Pte.RW | Pte.US) >>> 0;
      poke32(mem, PD + 4, pde);
      const w = new PageWalk();
      const r = walkLegacy(mem, PG_WP, PD, Cr4.PSE, 0x00400000, Access.WRITE | Access.USER, w);
      expect(r, `bit ${bit}`).toBe(~(PfError.P | PfError.RSVD | PfError.W | PfError.U));
      expect(faultErrorCode(r)).toBe(0xf);
      expect(peek32(mem, PD + 4)).toBe(pde);
      // Without PSE the same entry is a page-table pointer: no reserved bits at all.
      expect(isFault(walkLegacy(mem, PG_WP, PD, 0, 0x00400000, Access.READ, w))).toBe(true);
      expect(faultErrorCode(walkLegacy(mem, PG_WP, PD, 0, 0x00400000, Access.READ, w))).toBe(0);
    }
  });

  it('reports the reserved-bit fault before a permission violation, and bit 12 (PAT) is not reserved', () => {
    const mem = new Uint8Array(0x2000);
    poke32(mem, PD + 4, 0x00402000 | Pte.P | Pte.PS);
    const w = new PageWalk();
    expect(faultErrorCode(walkLegacy(mem, PG_WP, PD, Cr4.PSE, 0x00400000, Access.USER, w))).toBe(PfError.P | PfError.RSVD | PfError.U);
    poke32(mem, PD + 4, 0x00401000 | Pte.P | Pte.PS);
    expect(walkLegacy(mem, PG_WP, PD, Cr4.PSE, 0x00400010, Access.READ, w)).toBe(0x00400010);
  });

  it('marks a translation global only with G in the leaf and CR4.PGE=1', () => {
    const w = new PageWalk();
    const leafG = setup4k(Pte.P, Pte.P | Pte.G);
    walkLegacy(leafG, PG_WP, PD, Cr4.PGE, 0x00403000, Access.READ, w);
    expect(w.global).toBe(1);
    walkLegacy(leafG, PG_WP, PD, 0, 0x00403000, Access.READ, w);
    expect(w.global).toBe(0);
    const pdeG = setup4k(Pte.P | Pte.G, Pte.P);
    walkLegacy(pdeG, PG_WP, PD, Cr4.PGE, 0x00403000, Access.READ, w);
    expect(w.global).toBe(0);
    const bigG = new Uint8Array(0x2000);
    poke32(bigG, PD, Pte.P | Pte.PS | Pte.G);
    walkLegacy(bigG, PG_WP, PD, Cr4.PSE | Cr4.PGE, 0x1000, Access.READ, w);
    expect(w.global).toBe(1);
  });
});
