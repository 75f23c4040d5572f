/** @file Tests of the 2-D walk: reference counts derived level by level, nested faults (EXITINFO1/2 per AMD APM Vol.2 §15.25.6), A/D bits. */
import { describe, expect, it } from 'vitest';
import {
  Access, Cr0, Cr4, FaultFlag, PageWalk, PfError, Pte, buildNestedTables, faultErrorCode, hpa, isFault,
  isNestedFault, nestedTablesBytes, npfExitInfo1, walkLegacy, walkNested,
} from '../src/index.ts';
import { peek32, poke32 } from './support/ram.ts';

const RAM = 0x1000000; // 16 MiB of host RAM
const NCR3 = 0x100000; // nested tables
const HOST_OFFSET = 0x800000; // guest-physical 0 lives at host-physical 8 MiB
const GUEST_BYTES = 0x800000; // 8 MiB of guest-physical memory
const GPD = 0x1000; // guest page directory (guest-physical)
const GPT = 0x2000; // guest page table (guest-physical)
const G_CR0 = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;

interface World {
  mem: Uint8Array;
  nCr3: number;
  hostCr4: number;
}

/** Host RAM with identity-offset nested tables; the guest maps gva 0x00403000 → gpa 0x5000 (4 KiB) and 0x00c00000 → gpa 0x400000 (4 MiB). */
function world(largeNested = false, guestFlags = Pte.P | Pte.RW | Pte.US): World {
  const mem = new Uint8Array(RAM);
  const nCr3 = buildNestedTables(mem, hpa(NCR3), nestedTablesBytes(GUEST_BYTES, largeNested), GUEST_BYTES, hpa(HOST_OFFSET), {
    largePages: largeNested,
  });
  poke32(mem, HOST_OFFSET + GPD + 1 * 4, GPT | guestFlags);
  poke32(mem, HOST_OFFSET + GPT + 3 * 4, 0x5000 | guestFlags);
  poke32(mem, HOST_OFFSET + GPD + 3 * 4, 0x400000 | Pte.PS | guestFlags);
  return { mem, nCr3, hostCr4: largeNested ? Cr4.PSE : 0 };
}

/** Host-physical address of the nested PTE that maps guest-physical `gpa` (4 KiB nested pages). */
function nestedPteAddr(gpa: number): number {
  return NCR3 + 0x1000 * (1 + Math.floor(gpa / 0x400000)) + ((gpa >>> 12) & 0x3ff) * 4;
}

function walk(w: World, gva: number, access: number, out: PageWalk, guestCr4 = Cr4.PSE, guestCr3 = GPD): number {
  return walkNested(w.mem, G_CR0, guestCr3, guestCr4, w.nCr3, w.hostCr4, gva, access, out);
}

describe('walkNested: memory references', () => {
  // n guest levels and m nested levels: each of the n guest entries and the final gPA needs an
  // m-reference nested walk, plus the n guest entry reads: (n+1)·m + n = (n+1)(m+1) − 1.
  const refs = (n: number, m: number): number => (n + 1) * (m + 1) - 1;

  it('4 KiB guest page, 4 KiB nested pages: (2+1)(2+1)-1 = 8 references', () => {
    const w = world();
    const out = new PageWalk();
    expect(walk(w, 0x00403123, Access.READ, out)).toBe(HOST_OFFSET + 0x5123);
    expect(out.gpa).toBe(0x5123);
    expect(out.references).toBe(refs(2, 2));
    expect(out.references).toBe(8);
    expect(out.pdeAddress).toBe(HOST_OFFSET + GPD + 4);
    expect(out.pteAddress).toBe(HOST_OFFSET + GPT + 12);
  });

  it('4 MiB guest page, 4 KiB nested pages: (1+1)(2+1)-1 = 5 references', () => {
    const w = world();
    const out = new PageWalk();
    expect(walk(w, 0x00c01234, Access.READ, out)).toBe(HOST_OFFSET + 0x401234);
    expect(out.references).toBe(refs(1, 2));
    expect(out.references).toBe(5);
    expect(out.pageSize).toBe(0x400000);
  });

  it('4 KiB guest page, 4 MiB nested pages: (2+1)(1+1)-1 = 5 references', () => {
    const w = world(true);
    const out = new PageWalk();
    expect(walk(w, 0x00403123, Access.READ, out)).toBe(HOST_OFFSET + 0x5123);
    expect(out.references).toBe(refs(2, 1));
    expect(out.references).toBe(5);
  });

  it('4 MiB pages at both levels: (1+1)(1+1)-1 = 3 references', () => {
    const w = world(true);
    const out = new PageWalk();
    expect(walk(w, 0x00c01234, Access.READ, out)).toBe(HOST_OFFSET + 0x401234);
    expect(out.references).toBe(3);
  });

  it('guest paging off: only the nested walk of the final gPA (2 references, 1 with 4 MiB nested pages)', () => {
    const out = new PageWalk();
    const small = world();
    expect(walkNested(small.mem, Cr0.PE, 0, 0, small.nCr3, 0, 0x7654, Access.WRITE, out)).toBe(HOST_OFFSET + 0x7654);
    expect(out.references).toBe(2);
    expect(out.gpa).toBe(0x7654);
    const large = world(true);
    expect(walkNested(large.mem, Cr0.PE, 0, 0, large.nCr3, Cr4.PSE, 0x7654, Access.WRITE, out)).toBe(HOST_OFFSET + 0x7654);
    expect(out.references).toBe(1);
  });

  it('without host CR4.PSE a 4 MiB nested PDE is a table pointer (PS ignored)', () => {
    const w = world(true);
    const out = new PageWalk();
    // The nested PDE for gPA 0 (frame 0x800000) is read as a page-table pointer; that "table" is
    // guest page 0, all zeros, so the nested PTE is not present.
    const r = walkNested(w.mem, G_CR0, GPD, Cr4.PSE, w.nCr3, 0, 0x00403123, Access.READ, out);
    expect(npfExitInfo1(r)).toBe(0x2_0000_0006);
    expect(out.faultAddress).toBe(GPD + 4);
    expect(out.references).toBe(2);
  });
});

describe('walkNested: accessed and dirty bits', () => {
  it('sets guest A/D through host-physical addresses and nested A (D on writes; guest-table accesses count as writes)', () => {
    const w = world();
    const out = new PageWalk();
    expect(walk(w, 0x00403010, Access.WRITE, out)).toBe(HOST_OFFSET + 0x5010);
    expect(peek32(w.mem, HOST_OFFSET + GPD + 4)).toBe(GPT | 0x27);
    expect(peek32(w.mem, HOST_OFFSET + GPT + 12)).toBe(0x5000 | 0x67);
    const nPte = (gpa: number): number => peek32(w.mem, nestedPteAddr(gpa));
    expect(nPte(GPD)).toBe(HOST_OFFSET + GPD + 0x67);
    expect(nPte(GPT)).toBe(HOST_OFFSET + GPT + 0x67);
    expect(nPte(0x5000)).toBe(HOST_OFFSET + 0x5000 + 0x67);
    expect(peek32(w.mem, NCR3)).toBe(NCR3 + 0x1000 + 0x27);
    expect(out.dirty).toBe(1);
    expect(out.hostDirty).toBe(1);
    expect(out.hostWritable).toBe(1);
    // 3 nested PTEs + 1 nested PDE + guest PDE + guest PTE.
    expect(out.updates).toBe(6);
  });

  it('a read leaves the data page clean at both levels', () => {
    const w = world();
    const out = new PageWalk();
    walk(w, 0x00403010, Access.READ, out);
    expect(peek32(w.mem, HOST_OFFSET + GPT + 12)).toBe(0x5000 | 0x27);
    expect(peek32(w.mem, nestedPteAddr(0x5000))).toBe(HOST_OFFSET + 0x5000 + 0x27);
    expect(out.dirty).toBe(0);
    expect(out.hostDirty).toBe(0);
  });
});

describe('walkNested: guest page faults', () => {
  it('a not-present guest PTE is a guest #PF (CR2 = linear), not a nested fault', () => {
    const w = world();
    poke32(w.mem, HOST_OFFSET + GPT + 12, 0x5000);
    const out = new PageWalk();
    const r = walk(w, 0x00403010, Access.WRITE | Access.USER, out);
    expect(isFault(r)).toBe(true);
    expect(isNestedFault(r)).toBe(false);
    expect(faultErrorCode(r)).toBe(PfError.W | PfError.U);
    expect(npfExitInfo1(r)).toBe(0);
    expect(out.faultAddress).toBe(0x00403010);
    expect(out.references).toBe(6);
    expect(peek32(w.mem, HOST_OFFSET + GPD + 4)).toBe(GPT | 0x07);
  });

  it('a guest permission violation is a guest #PF with P=1 and takes priority over the final nested translation', () => {
    const w = world(false, Pte.P | Pte.RW);
    // Even with the data page unmapped in the nested tables, the guest fault comes first.
    poke32(w.mem, nestedPteAddr(0x5000), 0);
    const out = new PageWalk();
    const r = walk(w, 0x00403010, Access.USER, out);
    expect(r).toBe(~(PfError.P | PfError.U));
    expect(isNestedFault(r)).toBe(false);
  });

  it('a reserved bit in a guest 4 MiB PDE is a guest #PF with P|RSVD', () => {
    const w = world();
    poke32(w.mem, HOST_OFFSET + GPD + 3 * 4, 0x400000 | 0x4000 | Pte.PS | Pte.P);
    const out = new PageWalk();
    expect(faultErrorCode(walk(w, 0x00c00000, Access.READ, out))).toBe(PfError.P | PfError.RSVD);
  });
});

describe('walkNested: nested page faults (#VMEXIT(NPF) 0x400)', () => {
  it('guest page directory outside the nested mapping: NPF during the guest walk, EXITINFO1 bit 33', () => {
    const w = world();
    const out = new PageWalk();
    const r = walk(w, 0x00403010, Access.READ, out, Cr4.PSE, 0x900000);
    expect(isNestedFault(r)).toBe(true);
    expect(r).toBe(~(PfError.U | PfError.W | FaultFlag.NPF_TABLE));
    expect(npfExitInfo1(r)).toBe(0x2_0000_0006);
    expect(out.faultAddress).toBe(0x900004);
    expect(out.references).toBe(1);
  });

  it('guest page table mapped read-only in the nested tables: NPF P|W|U during the guest walk', () => {
    const w = world();
    poke32(w.mem, nestedPteAddr(GPT), HOST_OFFSET + GPT + (Pte.P | Pte.US));
    const out = new PageWalk();
    const r = walk(w, 0x00403010, Access.READ, out);
    expect(npfExitInfo1(r)).toBe(0x2_0000_0007);
    expect(out.faultAddress).toBe(GPT + 12);
    expect(out.references).toBe(5);
    // The guest PDE was read but the walk failed: its A bit stays clear.
    expect(peek32(w.mem, HOST_OFFSET + GPD + 4)).toBe(GPT | 0x07);
  });

  it('final gPA not mapped: NPF with EXITINFO1 bit 32 and EXITINFO2 = the full gPA', () => {
    const w = world();
    poke32(w.mem, HOST_OFFSET + GPT + 12, 0xa00000 | Pte.P | Pte.RW | Pte.US);
    const out = new PageWalk();
    const read = walk(w, 0x00403123, Access.READ, out);
    expect(npfExitInfo1(read)).toBe(0x1_0000_0004);
    expect(out.faultAddress).toBe(0xa00123);
    expect(out.gpa).toBe(0xa00123);
    expect(out.references).toBe(7);
    expect(npfExitInfo1(walk(w, 0x00403123, Access.WRITE, out))).toBe(0x1_0000_0006);
    expect(npfExitInfo1(walk(w, 0x00403123, Access.FETCH | Access.USER, out))).toBe(0x1_0000_0004);
    // Guest A/D bits are not set by a walk that failed.
    expect(peek32(w.mem, HOST_OFFSET + GPT + 12)).toBe((0xa00000 | 0x07) >>> 0);
  });

  it('final gPA read-only in the nested tables: a guest write is NPF P|W|U, a read succeeds with hostWritable=0', () => {
    const w = world();
    poke32(w.mem, nestedPteAddr(0x5000), HOST_OFFSET + 0x5000 + (Pte.P | Pte.US));
    const out = new PageWalk();
    expect(npfExitInfo1(walk(w, 0x00403010, Access.WRITE, out))).toBe(0x1_0000_0007);
    expect(peek32(w.mem, HOST_OFFSET + GPT + 12)).toBe(0x5000 | 0x07);
    expect(walk(w, 0x00403010, Access.READ, out)).toBe(HOST_OFFSET + 0x5010);
    expect(out.hostWritable).toBe(0);
    expect(out.writable).toBe(1);
  });

  it('nested entries need U/S=1: a supervisor-only nested mapping faults even for guest CPL0', () => {
    const w = world();
    poke32(w.mem, nestedPteAddr(0x5000), HOST_OFFSET + 0x5000 + (Pte.P | Pte.RW));
    const out = new PageWalk();
    expect(npfExitInfo1(walk(w, 0x00403010, Access.READ, out))).toBe(0x1_0000_0005);
  });

  it('a reserved bit in a 4 MiB nested PDE: NPF P|RSVD|W|U while translating the guest page directory', () => {
    const w = world(true);
    poke32(w.mem, NCR3, HOST_OFFSET + 0x2000 + (Pte.P | Pte.RW | Pte.US | Pte.PS));
    const out = new PageWalk();
    const r = walk(w, 0x00403010, Access.READ, out);
    expect(npfExitInfo1(r)).toBe(0x2_0000_000f);
    expect(out.faultAddress).toBe(GPD + 4);
  });
});

describe('walkNested against walkLegacy (seeded random tables)', () => {
  // With nested tables that map all guest memory read/write/user, the 2-D walk must give exactly
  // what the 1-D walk gives on the guest's own view of memory (offset by HOST_OFFSET): same
  // result or fault code, same A/D updates in the guest tables.
  it('agrees on 600 random walks: results, error codes and guest A/D bits', () => {
    let seed = 0x2006;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const guest = new Uint8Array(GUEST_BYTES);
    const w = world();
    const hostView = w.mem.subarray(HOST_OFFSET, HOST_OFFSET + GUEST_BYTES);
    const flagBits = [Pte.P, Pte.RW, Pte.US, Pte.A, Pte.D, Pte.PS, Pte.G];
    const randomFlags = (presentBias: boolean): number => {
      let f = 0;
      for (const b of flagBits) if (rand(2) === 1) f |= b;
      if (presentBias && rand(4) !== 0) f |= Pte.P;
      if (rand(8) === 0) f |= 1 << (13 + rand(9)); // sometimes a reserved bit of a 4 MiB PDE
      return f;
    };
    // A page directory at gPA 0x1000 over 4 page tables at 0x10000..0x13000; 8 PDEs used.
    for (let i = 0; i < 8; i++) {
      const pde = rand(3) === 0
        ? ((rand(2) * 0x400000) | randomFlags(true)) >>> 0
        : ((0x10000 + rand(4) * 0x1000) | (randomFlags(true) & ~Pte.PS & ~0x3fe000)) >>> 0;
      poke32(guest, GPD + i * 4, pde);
    }
    for (let t = 0; t < 4; t++) {
      for (let j = 0; j < 16; j++) poke32(guest, 0x10000 + t * 0x1000 + j * 4, ((rand(0x800) << 12) | (randomFlags(true) & 0xfff)) >>> 0);
    }
    hostView.set(guest);
    const legacyWalk = new PageWalk();
    const nestedWalk = new PageWalk();
    let successes = 0;
    for (let n = 0; n < 600; n++) {
      const linear = ((rand(8) << 22) | (rand(16) << 12) | rand(0x1000)) >>> 0;
      const access = [Access.READ, Access.WRITE, Access.FETCH][rand(3)]! | (rand(2) === 1 ? Access.USER : 0);
      const cr0 = (Cr0.PG | Cr0.PE | (rand(2) === 1 ? Cr0.WP : 0)) >>> 0;
      const cr4 = (rand(2) === 1 ? Cr4.PSE : 0) | (rand(2) === 1 ? Cr4.PGE : 0);
      const expected = walkLegacy(guest, cr0, GPD, cr4, linear, access, legacyWalk);
      const got = walkNested(w.mem, cr0, GPD, cr4, w.nCr3, 0, linear, access, nestedWalk);
      const label = `#${n} linear=0x${linear.toString(16)} access=${access} cr0=0x${cr0.toString(16)} cr4=${cr4}`;
      expect(got, label).toBe(expected < 0 ? expected : expected + HOST_OFFSET);
      if (expected >= 0) {
        successes++;
        expect(nestedWalk.gpa, label).toBe(expected);
        expect([nestedWalk.user, nestedWalk.writable, nestedWalk.global, nestedWalk.dirty, nestedWalk.pageSize], label).toEqual([
          legacyWalk.user, legacyWalk.writable, legacyWalk.global, legacyWalk.dirty, legacyWalk.pageSize,
        ]);
      } else {
        expect(nestedWalk.faultAddress, label).toBe(linear);
      }
    }
    expect(hostView.every((b, i) => b === guest[i])).toBe(true);
    // Fixed by the seed: 135 translations and 465 faults, so both outcomes are well exercised.
    expect(successes).toBe(135);
  });
});
