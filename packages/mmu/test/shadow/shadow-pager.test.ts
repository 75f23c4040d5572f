/** @file Scenario tests of the shadow pager on hand-built guest tables, checked by walking the shadow tables as the silicon does. */
import { describe, expect, it } from 'vitest';
import {
  Access,
  Cr0,
  Cr4,
  PageWalk,
  PfError,
  Pte,
  ShadowFault,
  ShadowPager,
  ShadowPagerError,
  Unmappable,
  faultErrorCode,
  gpa,
  gva,
  walkLegacy,
} from '../../src/index.ts';
import type { ShadowPagerConfig } from '../../src/index.ts';
import { peek32, poke32 } from '../support/ram.ts';
import { SILICON_CR0, sameBytes, shadowAccess } from '../support/shadow-silicon.ts';

const RAM = 0x100000;
const POOL = 0x100000;
const MON_PT = 0x110000;
const MON_PAGE = 0x111000;
const MEM = 0x112000;
const RESERVED_PDE = MON_PT | Pte.P | Pte.RW;

const PD_A = 0x1000;
const PD_B = 0x8000;
const PT = 0x2000;
const PT2 = 0x3000;
const DATA = 0x5000;
/** PDE 1, PTE 3. */
const X = 0x00403000;

const CR0_WP = (Cr0.PG | Cr0.WP | Cr0.PE) >>> 0;
const CR0_NOWP = (Cr0.PG | Cr0.PE) >>> 0;
const PRW = Pte.P | Pte.RW;
const PRWU = Pte.P | Pte.RW | Pte.US;

interface Machine {
  mem: Uint8Array;
  pager: ShadowPager;
}

function machine(options: Partial<ShadowPagerConfig> = {}): Machine {
  const mem = new Uint8Array(MEM);
  poke32(mem, MON_PT, MON_PAGE | Pte.P | Pte.RW);
  const pager = new ShadowPager({
    mem,
    guestRamSize: RAM,
    poolBase: POOL as ShadowPagerConfig['poolBase'],
    poolPages: 16,
    reservedPdes: [{ index: 1023, pde: RESERVED_PDE }],
    ...options,
  });
  return { mem, pager };
}

/** PD_A: PDE 1 → PT (flags `pdeFlags`); PT[3] → DATA (flags `pteFlags`). */
function guest4k(mem: Uint8Array, pdeFlags: number, pteFlags: number): void {
  poke32(mem, PD_A + 1 * 4, PT | pdeFlags);
  poke32(mem, PT + 3 * 4, DATA | pteFlags);
}

const w = new PageWalk();
/** The silicon's walk of the active shadow (no fault handling). */
function shadowWalk(m: Machine, linear: number, access: number): number {
  return walkLegacy(m.mem, SILICON_CR0, m.pager.shadowCr3, 0, linear, access, w);
}

describe('ShadowPager: activate and the per-CR3 cache', () => {
  it('builds an empty root holding only the reserved PDEs', () => {
    const m = machine();
    const cr3 = m.pager.activate(PD_A, CR0_WP, 0);
    expect(cr3).toBe(POOL);
    expect(m.pager.shadowCr3).toBe(POOL);
    for (let i = 0; i < 1023; i++) expect(peek32(m.mem, cr3 + i * 4)).toBe(0);
    expect(peek32(m.mem, cr3 + 1023 * 4)).toBe(RESERVED_PDE);
    expect(m.pager.counters.shadowTablesBuilt).toBe(1);
    expect(m.pager.counters.shadowPagesAllocated).toBe(1);
    expect(m.pager.isTraced(gpa(PD_A))).toBe(true);
    expect(m.pager.isTraced(gpa(PT))).toBe(false);
  });

  it('reuses the shadow of a guest CR3 across switches without new hidden faults', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    poke32(m.mem, PD_B + 1 * 4, PT2 | PRW);
    poke32(m.mem, PT2 + 3 * 4, 0x6000 | PRW);
    const a = m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    const b = m.pager.activate(PD_B | 0x18, CR0_WP, 0); // PWT/PCD bits do not matter
    expect(b).not.toBe(a);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe('ok:24576');
    expect(m.pager.activate(PD_A, CR0_WP, 0)).toBe(a);
    expect(shadowWalk(m, X, Access.READ)).toBe(DATA);
    expect(m.pager.counters).toMatchObject({ shadowTablesBuilt: 2, shadowRootsReused: 1, hiddenFaults: 2 });
    expect(m.pager.cachedRoots).toBe(2);
    // The reserved PDE is in every root.
    expect(peek32(m.mem, b + 1023 * 4)).toBe(RESERVED_PDE);
  });
});

describe('ShadowPager: hidden and true faults, exact A/D bits', () => {
  it('fills a hidden fault: the shadow translates like the guest, A set in guest PDE and PTE, D not', () => {
    const m = machine();
    guest4k(m.mem, PRWU, PRWU);
    m.pager.activate(PD_A, CR0_WP, 0);
    const first = shadowWalk(m, X + 0x123, Access.READ | Access.USER);
    expect(faultErrorCode(first)).toBe(PfError.U);
    const f = m.pager.handlePageFault(gva(X + 0x123), faultErrorCode(first));
    expect(f.kind).toBe(ShadowFault.HIDDEN);
    expect(f.gpa).toBe(DATA + 0x123);
    expect(f.hpa).toBe(DATA + 0x123);
    expect(f.errorCode).toBe(-1);
    expect(f.pageSize).toBe(0x1000);
    expect(shadowWalk(m, X + 0x123, Access.READ | Access.USER)).toBe(DATA + 0x123);
    expect(peek32(m.mem, PD_A + 4)).toBe(PT | PRWU | Pte.A);
    expect(peek32(m.mem, PT + 12)).toBe(DATA | PRWU | Pte.A);
    expect(m.pager.counters.hiddenFaults).toBe(1);
    expect(m.pager.counters.shadowPagesAllocated).toBe(2);
  });

  it('maps a clean page read-only; the first write takes a hidden fault that sets guest D', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(peek32(m.mem, PT + 12)).toBe(DATA | PRW | Pte.A);
    const r = shadowWalk(m, X, Access.WRITE);
    expect(faultErrorCode(r)).toBe(PfError.P | PfError.W);
    expect(m.pager.handlePageFault(gva(X), faultErrorCode(r)).kind).toBe(ShadowFault.HIDDEN);
    expect(peek32(m.mem, PT + 12)).toBe(DATA | PRW | Pte.A | Pte.D);
    expect(shadowWalk(m, X, Access.WRITE)).toBe(DATA);
    expect(m.pager.counters.hiddenFaults).toBe(2);
  });

  it('maps an already dirty page writable at once', () => {
    const m = machine();
    guest4k(m.mem, PRW | Pte.A, PRW | Pte.A | Pte.D);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(shadowWalk(m, X, Access.WRITE)).toBe(DATA);
  });

  it('reports true faults with the guest error code and leaves guest A/D alone', () => {
    const m = machine();
    guest4k(m.mem, PRW, Pte.P); // read-only supervisor page
    poke32(m.mem, PT + 4 * 4, 0x6000 | PRWU); // PTE 4 present but PDE has no U/S
    m.pager.activate(PD_A, CR0_WP, 0);
    const before = m.mem.slice(0, RAM);
    const cases: [number, number, number][] = [
      [X, Access.WRITE, PfError.P | PfError.W],
      [X, Access.USER, PfError.P | PfError.U],
      [X + 0x1000, Access.USER | Access.WRITE, PfError.P | PfError.U | PfError.W],
      [X + 0x2000, Access.READ, 0], // PTE 5 not present
      [0x00800000, Access.WRITE | Access.USER, PfError.W | PfError.U], // PDE 2 not present
    ];
    for (const [la, access, code] of cases) {
      const f = m.pager.handlePageFault(gva(la), access);
      expect(f.kind).toBe(ShadowFault.TRUE);
      expect(f.errorCode).toBe(code);
      expect(f.gva).toBe(la);
    }
    expect(sameBytes(m.mem.subarray(0, RAM), before)).toBe(true);
    expect(m.pager.counters.trueFaults).toBe(5);
    expect(m.pager.counters.hiddenFaults).toBe(0);
  });

  it('follows CR0.WP=0: a supervisor write to a read-only page succeeds, user access stays exact', () => {
    const m = machine();
    guest4k(m.mem, PRWU, Pte.P | Pte.US); // user read-only
    m.pager.activate(PD_A, CR0_NOWP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.WRITE, 0xaabbccdd)).toBe(`ok:${DATA}`);
    expect(peek32(m.mem, DATA)).toBe(0xaabbccdd);
    expect(peek32(m.mem, PT + 12)).toBe(DATA | Pte.P | Pte.US | Pte.A | Pte.D);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.USER)).toBe(`ok:${DATA}`);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.USER | Access.WRITE)).toBe(`pf:${PfError.P | PfError.W | PfError.U}`);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.WRITE, 1)).toBe(`ok:${DATA}`);
    expect(peek32(m.mem, DATA)).toBe(1);
  });

  it('shadows a guest 4 MiB page (CR4.PSE) with 4 KiB entries; D lives in the guest PDE', () => {
    const m = machine();
    poke32(m.mem, PD_A + 0, 0x00000000 | PRW | Pte.PS);
    m.pager.activate(PD_A, CR0_WP, Cr4.PSE);
    expect(shadowAccess(m.pager, m.mem, 0, 0x00045678, Access.READ)).toBe('ok:284280');
    expect(peek32(m.mem, PD_A)).toBe(PRW | Pte.PS | Pte.A);
    expect(shadowAccess(m.pager, m.mem, 0, 0x00046000, Access.WRITE, 7)).toBe('ok:286720');
    expect(peek32(m.mem, PD_A)).toBe(PRW | Pte.PS | Pte.A | Pte.D);
    expect(m.pager.handlePageFault(gva(0x00046000), Access.READ).pageSize).toBe(0x400000);
    // Beyond guest RAM within the same 4 MiB page: unmappable, reported with its gpa.
    const f = m.pager.handlePageFault(gva(0x00180000), Access.READ);
    expect(f.kind).toBe(ShadowFault.UNMAPPABLE);
    expect(f.reason).toBe(Unmappable.OUTSIDE_RAM);
    expect(f.gpa).toBe(0x00180000);
    // invlpg anywhere in the 4 MiB page drops the whole shadow table.
    m.pager.invlpg(gva(0x00300000));
    expect(isFaultResult(shadowWalk(m, 0x00045000, Access.READ))).toBe(true);
    expect(m.pager.freePages).toBe(15);
  });

  it('treats PS as a table pointer when CR4.PSE=0', () => {
    const m = machine();
    poke32(m.mem, PD_A + 4, PT | PRW | Pte.PS);
    poke32(m.mem, PT + 12, DATA | PRW);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.isTraced(gpa(PT))).toBe(true);
  });
});

function isFaultResult(r: number): boolean {
  return r < 0;
}

describe('ShadowPager: unmappable pages', () => {
  it('refuses guest mappings under a reserved PDE without touching guest A/D', () => {
    const m = machine();
    poke32(m.mem, PD_A + 1023 * 4, PT | PRWU);
    poke32(m.mem, PT + 0, DATA | PRWU);
    m.pager.activate(PD_A, CR0_WP, 0);
    const before = m.mem.slice(0, RAM);
    // The silicon sees the monitor's supervisor-only PDE: a user access faults with P|U.
    const r = shadowWalk(m, 0xffc00000, Access.USER);
    expect(faultErrorCode(r)).toBe(PfError.P | PfError.U);
    const f = m.pager.handlePageFault(gva(0xffc00000), faultErrorCode(r));
    expect(f.kind).toBe(ShadowFault.UNMAPPABLE);
    expect(f.reason).toBe(Unmappable.RESERVED);
    expect(f.errorCode).toBe(-1); // the guest itself maps it
    const g = m.pager.handlePageFault(gva(0xffc01000), Access.WRITE | Access.USER);
    expect(g.reason).toBe(Unmappable.RESERVED);
    expect(g.errorCode).toBe(PfError.W | PfError.U); // guest PTE 1 not present
    expect(sameBytes(m.mem.subarray(0, RAM), before)).toBe(true);
    expect(m.pager.counters.unmappable).toBe(2);
    // Supervisor accesses reach the monitor's page through the reserved PDE.
    expect(shadowWalk(m, 0xffc00010, Access.READ)).toBe(MON_PAGE + 0x10);
  });

  it('refuses a guest frame outside guest RAM and reports its gpa (MMIO for the monitor)', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    poke32(m.mem, PT + 12, 0xfee00000 | PRW);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X + 0x30, Access.WRITE)).toBe(`outside-ram:${0xfee00030}`);
    expect(peek32(m.mem, PT + 12)).toBe((0xfee00000 | PRW | Pte.A | Pte.D) >>> 0); // the access happened for the guest
    expect(m.pager.counters.unmappable).toBe(1);
  });

  it('reports no-root before the first activate', () => {
    const m = machine();
    expect(m.pager.handlePageFault(gva(0), 0).reason).toBe(Unmappable.NO_ROOT);
  });
});

describe('ShadowPager: tracing', () => {
  /** PD_A: PDE 1 → PT; PT[3] → DATA, PT[4] → PT itself (writable, dirty), PT[5] → PD_A. */
  function tracedGuest(m: Machine): void {
    guest4k(m.mem, PRW, PRW);
    poke32(m.mem, PT + 4 * 4, PT | PRW | Pte.A | Pte.D);
    poke32(m.mem, PT + 5 * 4, PD_A | PRW | Pte.A | Pte.D);
    m.pager.activate(PD_A, CR0_WP, 0);
  }
  const PT_VIEW = X + 0x1000;
  const PD_VIEW = X + 0x2000;

  it('maps guest page tables read-only: a write is a trace fault with the gpa, a read works', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, PT_VIEW + 12, Access.READ)).toBe(`ok:${PT + 12}`);
    const r = shadowWalk(m, PT_VIEW + 12, Access.WRITE);
    expect(faultErrorCode(r)).toBe(PfError.P | PfError.W);
    const f = m.pager.handlePageFault(gva(PT_VIEW + 12), faultErrorCode(r));
    expect(f.kind).toBe(ShadowFault.TRACE);
    expect(f.gpa).toBe(PT + 12);
    expect(m.pager.counters.traceFaults).toBe(1);
    expect(m.pager.isTraced(gpa(PT + 0xfff))).toBe(true);
    expect(m.pager.isTraced(gpa(DATA))).toBe(false);
  });

  it('P → not present: the traced write drops the shadow entry and the access becomes a true fault', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(shadowAccess(m.pager, m.mem, 0, PT_VIEW + 12, Access.WRITE, 0)).toBe(`ok:${PT + 12}`);
    expect(peek32(m.mem, PT + 12)).toBe(0);
    expect(faultErrorCode(shadowWalk(m, X, Access.READ))).toBe(0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe('pf:0');
  });

  it('not present → P with A set: eager validate installs the shadow entry (no hidden fault)', () => {
    const m = machine();
    tracedGuest(m);
    poke32(m.mem, PT + 6 * 4, 0); // PTE 6 not present
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    const hidden = m.pager.counters.hiddenFaults;
    expect(m.pager.emulateTracedWrite(gpa(PT + 24), 0x7000 | PRW | Pte.A, 4)).toBe(1);
    expect(m.pager.counters.eagerValidates).toBe(1);
    expect(shadowWalk(m, X + 0x3000, Access.READ)).toBe(0x7000);
    expect(isFaultResult(shadowWalk(m, X + 0x3000, Access.WRITE))).toBe(true); // clean: read-only
    expect(m.pager.counters.hiddenFaults).toBe(hidden);
  });

  it('not present → P with A clear: no eager entry, the hidden fault sets A', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.emulateTracedWrite(gpa(PT + 24), 0x7000 | PRW, 4)).toBe(0);
    expect(m.pager.counters.eagerValidates).toBe(0);
    expect(shadowAccess(m.pager, m.mem, 0, X + 0x3000, Access.READ)).toBe('ok:28672');
    expect(peek32(m.mem, PT + 24)).toBe(0x7000 | PRW | Pte.A);
  });

  it('eager validate can be turned off', () => {
    const m = machine({ eagerValidate: false });
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.emulateTracedWrite(gpa(PT + 24), 0x7000 | PRW | Pte.A, 4)).toBe(0);
    expect(isFaultResult(shadowWalk(m, X + 0x3000, Access.READ))).toBe(true);
  });

  it('remap: a traced write that changes the frame moves the shadow entry at once', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.emulateTracedWrite(gpa(PT + 12), 0x9000 | PRW | Pte.A | Pte.D, 4)).toBe(1);
    expect(shadowWalk(m, X, Access.WRITE)).toBe(0x9000);
    // Clearing A drops it again (the next access must set A).
    expect(m.pager.emulateTracedWrite(gpa(PT + 12), 0x9000 | PRW, 4)).toBe(1);
    expect(isFaultResult(shadowWalk(m, X, Access.READ))).toBe(true);
    // A one-byte write (clear RW in the low byte) is handled per entry too.
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.WRITE)).toBe('ok:36864');
    expect(m.pager.emulateTracedWrite(gpa(PT + 12), Pte.P | Pte.A | Pte.D, 1)).toBe(1);
    expect(peek32(m.mem, PT + 12)).toBe(0x9000 | Pte.P | Pte.A | Pte.D);
    expect(isFaultResult(shadowWalk(m, X, Access.WRITE))).toBe(true);
    expect(shadowWalk(m, X, Access.READ)).toBe(0x9000);
  });

  it('a write to a traced page directory drops the shadow table under that PDE', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    const free = m.pager.freePages;
    expect(shadowAccess(m.pager, m.mem, 0, PD_VIEW + 4, Access.WRITE, PT2 | PRW)).toBe(`ok:${PD_A + 4}`);
    expect(m.pager.freePages).toBe(free + 1);
    expect(m.pager.isTraced(gpa(PT))).toBe(false);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe('pf:0'); // PT2 is empty
    expect(m.pager.isTraced(gpa(PT2))).toBe(false); // a true fault builds no shadow table
    poke32(m.mem, PT2 + 12, DATA | PRW);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.isTraced(gpa(PT2))).toBe(true);
  });

  it('keeps every shadow of a page coherent when it is both a page directory and another space\'s page table', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    poke32(m.mem, PD_A + 3 * 4, DATA | PRW | Pte.A | Pte.D); // PD_A[3] is also a PTE for PD_B's PDE 2
    poke32(m.mem, PD_B + 2 * 4, PD_A | PRW);
    m.pager.activate(PD_B, CR0_WP, 0);
    const viaB = 0x00803000;
    expect(shadowAccess(m.pager, m.mem, 0, viaB, Access.WRITE, 1)).toBe(`ok:${DATA}`);
    // Root A is built after B's table that shadows PD_A: both are on PD_A's trace list.
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.emulateTracedWrite(gpa(PD_A + 12), 0x6000 | PRW | Pte.A | Pte.D, 4)).toBe(1);
    m.pager.activate(PD_B, CR0_WP, 0);
    expect(shadowWalk(m, viaB, Access.WRITE)).toBe(0x6000);
    // And a write to PD_A's PDE 1 drops root A's table while B's table updates its entry 1.
    expect(m.pager.emulateTracedWrite(gpa(PD_A + 4), 0, 4)).toBe(1);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe('pf:0');
  });

  it('write-protects existing writable mappings of a page when it becomes a page table', () => {
    const m = machine();
    tracedGuest(m);
    poke32(m.mem, PT + 7 * 4, PT2 | PRW | Pte.A | Pte.D);
    const PT2_VIEW = X + 0x4000;
    expect(shadowAccess(m.pager, m.mem, 0, PT2_VIEW, Access.WRITE, 0x6000 | PRW)).toBe(`ok:${PT2}`);
    expect(shadowWalk(m, PT2_VIEW, Access.WRITE)).toBe(PT2);
    m.pager.consumeTlbFlush();
    // The guest installs PT2 as the table of PDE 2 (through the traced PD) and uses it.
    expect(shadowAccess(m.pager, m.mem, 0, PD_VIEW + 8, Access.WRITE, PT2 | PRW)).toBe(`ok:${PD_A + 8}`);
    expect(shadowAccess(m.pager, m.mem, 0, 0x00800000, Access.READ)).toBe('ok:24576');
    expect(m.pager.isTraced(gpa(PT2))).toBe(true);
    expect(m.pager.counters.writeProtects).toBe(1);
    expect(m.pager.consumeTlbFlush()).toBe(true);
    expect(m.pager.consumeTlbFlush()).toBe(false);
    expect(shadowWalk(m, PT2_VIEW, Access.READ)).toBe(PT2);
    expect(faultErrorCode(shadowWalk(m, PT2_VIEW, Access.WRITE))).toBe(PfError.P | PfError.W);
    expect(m.pager.handlePageFault(gva(PT2_VIEW), Access.WRITE).kind).toBe(ShadowFault.TRACE);
  });

  it('asks for a TLB flush when a page the silicon may still map writable becomes traced', () => {
    for (const downgradeFirst of [false, true]) {
      const m = machine();
      tracedGuest(m);
      poke32(m.mem, PT + 7 * 4, PT2 | PRW | Pte.A | Pte.D);
      poke32(m.mem, PT2 + 12, DATA | PRW);
      const PT2_VIEW = X + 0x4000;
      expect(shadowAccess(m.pager, m.mem, 0, PT2_VIEW + 0x100, Access.WRITE, 9)).toBe(`ok:${PT2 + 0x100}`);
      if (downgradeFirst) {
        // The guest makes the mapping read-only (no INVLPG yet): the silicon's TLB may keep it writable.
        expect(m.pager.emulateTracedWrite(gpa(PT + 28), PT2 | Pte.P | Pte.A | Pte.D, 4)).toBe(1);
      }
      expect(m.pager.consumeTlbFlush()).toBe(false);
      expect(m.pager.emulateTracedWrite(gpa(PD_A + 8), PT2 | PRW, 4)).toBe(0);
      expect(shadowAccess(m.pager, m.mem, 0, 0x00803000, Access.READ)).toBe(`ok:${DATA}`);
      expect(m.pager.isTraced(gpa(PT2))).toBe(true);
      expect(m.pager.counters.writeProtects).toBe(downgradeFirst ? 0 : 1);
      expect(m.pager.consumeTlbFlush()).toBe(true);
    }
  });

  it('emulates unaligned and two-entry writes; refuses bad sizes and addresses outside RAM', () => {
    const m = machine();
    tracedGuest(m);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(shadowAccess(m.pager, m.mem, 0, X + 0x1000 * 9, Access.READ)).toBe('pf:0');
    poke32(m.mem, PT + 36, 0);
    // Two bytes across PTE 2 (byte 3) and PTE 3 (byte 0): PTE 3's low byte becomes 0 → not present.
    expect(m.pager.emulateTracedWrite(gpa(PT + 11), 0x0000, 2)).toBe(1);
    expect(peek32(m.mem, PT + 12)).toBe(DATA);
    expect(isFaultResult(shadowWalk(m, X, Access.READ))).toBe(true);
    expect(m.pager.emulateTracedWrite(gpa(PT), 1, 3)).toBe(-1);
    expect(m.pager.emulateTracedWrite(gpa(RAM - 2), 1, 4)).toBe(-1);
    expect(m.pager.counters.tracedWrites).toBe(1);
  });
});

describe('ShadowPager: invlpg, CR0/CR4 changes, paging off, eviction', () => {
  it('invlpg drops the entry; the next access takes a hidden fault again', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    m.pager.invlpg(gva(X + 0x10));
    expect(isFaultResult(shadowWalk(m, X, Access.READ))).toBe(true);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    expect(m.pager.counters.hiddenFaults).toBe(2);
    expect(m.pager.counters.invlpgs).toBe(1);
  });

  it('a change of CR0.WP or CR4.PSE flushes every shadow; the same CR3 is then reused empty', () => {
    const m = machine();
    guest4k(m.mem, PRW, PRW);
    const root = m.pager.activate(PD_A, CR0_WP, 0);
    m.pager.activate(PD_B, CR0_WP, 0);
    m.pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
    m.pager.consumeTlbFlush();
    expect(m.pager.activate(PD_A, CR0_NOWP, 0)).toBe(root);
    expect(m.pager.counters.flushes).toBe(1);
    expect(m.pager.consumeTlbFlush()).toBe(true);
    expect(m.pager.cachedRoots).toBe(1);
    expect(m.pager.freePages).toBe(15);
    expect(peek32(m.mem, root + 1023 * 4)).toBe(RESERVED_PDE);
    expect(isFaultResult(shadowWalk(m, X, Access.READ))).toBe(true);
    m.pager.activate(PD_A, CR0_NOWP, Cr4.PSE);
    expect(m.pager.counters.flushes).toBe(2);
    m.pager.activate(PD_A, CR0_NOWP, Cr4.PSE | 1); // CR4.VME: no paging meaning
    expect(m.pager.counters.flushes).toBe(2);
  });

  it('with guest paging off the shadow is the identity map of guest RAM', () => {
    const m = machine();
    m.pager.activate(0, Cr0.PE, 0);
    expect(shadowAccess(m.pager, m.mem, 0, 0x12345, Access.WRITE | Access.USER, 5)).toBe('ok:74565');
    expect(m.mem[0x12345]).toBe(5);
    expect(shadowAccess(m.pager, m.mem, 0, 0xb8000 + RAM, Access.READ)).toBe('outside-ram:1802240');
    expect(m.pager.isTraced(gpa(0))).toBe(false);
  });

  it('places guest RAM at guestRamBase: hpa = gpa + base', () => {
    const base = 0x10000;
    const mem = new Uint8Array(0x200000);
    const pager = new ShadowPager({
      mem,
      guestRamBase: base as ShadowPagerConfig['poolBase'],
      guestRamSize: 0x80000,
      poolBase: 0x100000 as ShadowPagerConfig['poolBase'],
      poolPages: 4,
    });
    poke32(mem, base + PD_A + 4, PT | PRW);
    poke32(mem, base + PT + 12, DATA | PRW);
    pager.activate(PD_A, CR0_WP, 0);
    expect(shadowAccess(pager, mem, base, X + 8, Access.WRITE, 0x11)).toBe(`ok:${DATA + 8}`);
    expect(mem[base + DATA + 8]).toBe(0x11);
    expect(peek32(mem, base + PT + 12)).toBe(DATA | PRW | Pte.A | Pte.D);
    expect(pager.guestRam.length).toBe(0x80000);
    expect(pager.isTraced(gpa(PT))).toBe(true);
  });

  it('evicts the least recently used root when the pool runs dry, and stays correct', () => {
    const m = machine({ poolPages: 4 });
    const pds = [PD_A, PD_B, 0x9000];
    for (const pd of pds) {
      poke32(m.mem, pd + 4, PT | PRW);
      poke32(m.mem, pd + 8, PT | PRW);
    }
    poke32(m.mem, PT + 12, DATA | PRW);
    for (let round = 0; round < 2; round++) {
      for (const pd of pds) {
        m.pager.activate(pd, CR0_WP, 0);
        expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
        expect(shadowAccess(m.pager, m.mem, 0, X + 0x400000, Access.READ)).toBe(`ok:${DATA}`);
      }
    }
    // A root with its two tables takes 3 of the 4 pages: from the second root on, each root's
    // first table evicts the previous root (the least recently activated one).
    expect(m.pager.counters).toMatchObject({ evictions: 5, shadowTablesBuilt: 6, shadowPagesAllocated: 18, hiddenFaults: 12 });
    expect(m.pager.cachedRoots).toBe(1);
    expect(m.pager.isTraced(gpa(PD_A))).toBe(false); // evicted long ago
  });

  it('reclaims the active root\'s own tables when it is the only root left', () => {
    const m = machine({ poolPages: 2 });
    poke32(m.mem, PD_A + 4, PT | PRW);
    poke32(m.mem, PD_A + 8, PT2 | PRW);
    poke32(m.mem, PT + 12, DATA | PRW);
    poke32(m.mem, PT2 + 12, 0x6000 | PRW);
    m.pager.activate(PD_A, CR0_WP, 0);
    for (let i = 0; i < 3; i++) {
      expect(shadowAccess(m.pager, m.mem, 0, X, Access.READ)).toBe(`ok:${DATA}`);
      expect(shadowAccess(m.pager, m.mem, 0, X + 0x400000, Access.READ)).toBe('ok:24576');
    }
    expect(m.pager.counters.evictions).toBe(5);
    expect(m.pager.counters.shadowPagesAllocated).toBe(7);
  });
});

describe('ShadowPager: configuration', () => {
  const mem = new Uint8Array(0x20000);
  const cases: [string, Partial<ShadowPagerConfig>][] = [
    ['unaligned RAM', { guestRamSize: 0x1800 }],
    ['RAM beyond memory', { guestRamSize: 0x40000 }],
    ['pool overlapping RAM', { poolBase: 0x8000 as ShadowPagerConfig['poolBase'] }],
    ['pool too small', { poolPages: 1 }],
    ['pool beyond memory', { poolPages: 32 }],
    ['bad reserved index', { reservedPdes: [{ index: 1024, pde: 0 }] }],
    ['duplicate reserved index', { reservedPdes: [{ index: 5, pde: 0 }, { index: 5, pde: 1 }] }],
  ];
  for (const [name, bad] of cases) {
    it(`throws ShadowPagerError for ${name}`, () => {
      const config: ShadowPagerConfig = {
        mem,
        guestRamSize: 0x10000,
        poolBase: 0x10000 as ShadowPagerConfig['poolBase'],
        poolPages: 4,
        ...bad,
      };
      expect(() => new ShadowPager(config)).toThrow(ShadowPagerError);
    });
  }
});
