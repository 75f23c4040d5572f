/** @file The translation cache: bounded code area in the monitor region, guest-address hash table, continuation stubs, chaining, invalidation, the target cache. */
import { CALLOUT_VECTOR, MON, MONITOR_LINEAR, TARGET_CACHE_ENTRIES } from '../layout.ts';
import { SITE_KIND, type Ccf, type Site, type TuPlan } from '../translate/ccf.ts';
import type { BtStats } from './bt-stats.ts';

/** Where the TC is and who must hear about code it rewrites. */
export interface TranslationCacheOptions {
  /** Machine memory and the host-physical address of the monitor region. */
  readonly ram: Uint8Array;
  readonly monitorPhys: number;
  /** Bytes of the TC (code plus stubs). */
  readonly bytes: number;
  readonly stats: BtStats;
  /** Called after the cache rewrites code at host-physical [phys, phys + size) (the silicon drops decoded copies). */
  readonly onCodeWrite: (phys: number, size: number) => void;
}

/**
 * The translation cache. Code grows up from `MON.TC`, 2-byte continuation stubs grow down from
 * the end; when they would meet, `install` fails and the caller flushes. CCFs are kept in TC
 * order for mapping a TC address back to its CCF; a `Map` from guest address to CCF is the
 * hash table.
 */
export class TranslationCache {
  readonly start: number;
  readonly limit: number;
  private codeTop: number;
  private stubBottom: number;
  private nextId = 0;
  private readonly byGuest = new Map<number, Ccf>();
  private readonly ordered: Ccf[] = [];
  private readonly sites = new Map<number, Site>();
  private readonly byPhysPage = new Map<number, Ccf[]>();
  /** CCFs by guest-linear code page, then by the guest-physical page it mapped to when they were translated. */
  private readonly byLinearPage = new Map<number, Map<number, MappingGroup>>();
  private readonly view: DataView;
  private readonly o: TranslationCacheOptions;

  constructor(o: TranslationCacheOptions) {
    this.o = o;
    this.start = MONITOR_LINEAR + MON.TC;
    this.limit = this.start + o.bytes;
    this.codeTop = this.start;
    this.stubBottom = this.limit;
    this.view = new DataView(o.ram.buffer, o.ram.byteOffset);
    this.clearTargetCache();
  }

  /** Host-physical address of monitor-linear `lin`. */
  phys(lin: number): number {
    return this.o.monitorPhys + ((lin >>> 0) - MONITOR_LINEAR);
  }

  /** The CCF translating guest address `eip`, if any (a counted hash-table lookup). */
  lookup(eip: number): Ccf | undefined {
    this.o.stats.lookups++;
    const c = this.byGuest.get(eip >>> 0);
    if (c === undefined) this.o.stats.lookupMisses++;
    return c;
  }

  /** The site at TC address `tc`. */
  site(tc: number): Site | undefined {
    return this.sites.get(tc >>> 0);
  }

  /** Top of the code area (where the next CCF goes). */
  get top(): number {
    return this.codeTop;
  }

  /** Every CCF in TC order (the listing). */
  get all(): readonly Ccf[] {
    return this.ordered;
  }

  /** The CCF whose code contains TC address `tc` (live or invalidated), or undefined. */
  ccfAt(tc: number): Ccf | undefined {
    const a = tc >>> 0;
    let lo = 0;
    let hi = this.ordered.length - 1;
    let found: Ccf | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.ordered[mid]!;
      if (c.tcStart <= a) {
        found = c;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found !== undefined && a < found.tcEnd ? found : undefined;
  }

  /** The precise point at TC address `tc`: index into its CCF's `points` (step 3), or -1. */
  pointAt(ccf: Ccf, tc: number): number {
    const p = ccf.points;
    for (let i = 0; i < p.length; i += 3) if (p[i] === tc >>> 0) return i;
    return -1;
  }

  /**
   * Places `plan` at the top of the code area (or at `at`, overwriting a trailing jump there:
   * fall-through elision), links its exits (to existing CCFs, else to new continuation stubs)
   * and registers its callout sites. Returns null when the cache is full.
   */
  install(plan: TuPlan, at = -1): Ccf | null {
    const base = at >= 0 ? at : this.codeTop;
    const end = base + plan.code.length;
    if (end + 2 * (plan.exits.length + 1) > this.stubBottom - 2 * (plan.exits.length + 1)) return null;
    const ram = this.o.ram;
    const p0 = this.phys(base);
    for (let i = 0; i < plan.code.length; i++) ram[p0 + i] = plan.code[i]!;
    const points: number[] = [];
    for (let i = 0; i < plan.points.length; i += 3) points.push(base + plan.points[i]!, plan.points[i + 1]!, plan.points[i + 2]!);
    const ccf: Ccf = {
      id: this.nextId++, guestEip: plan.guestEip, tcStart: base, tcEnd: end, valid: true, points, insns: plan.insns,
      linearPages: plan.linearPages, physPages: plan.physPages, incoming: [],
    };
    if (at >= 0) {
      const prev = this.ccfAt(at);
      if (prev !== undefined) prev.tcEnd = at;
    }
    if (end > this.codeTop) this.codeTop = end;
    this.ordered.push(ccf);
    this.byGuest.set(ccf.guestEip, ccf);
    for (const pp of plan.physPages) {
      if (pp < 0) continue;
      let list = this.byPhysPage.get(pp);
      if (list === undefined) this.byPhysPage.set(pp, (list = []));
      list.push(ccf);
    }
    for (let i = 0; i < plan.linearPages.length; i++) {
      let groups = this.byLinearPage.get(plan.linearPages[i]!);
      if (groups === undefined) this.byLinearPage.set(plan.linearPages[i]!, (groups = new Map()));
      const g = groups.get(plan.physPages[i]!);
      if (g === undefined) groups.set(plan.physPages[i]!, { ccfs: [ccf], live: 1 });
      else {
        g.ccfs.push(ccf);
        g.live++;
      }
    }
    for (const c of plan.callouts) {
      this.sites.set(base + c.at, {
        kind: c.kind, ccf, guestEip: c.guestEip, guestLength: c.guestLength, restore: c.restore, category: c.category,
        resume: c.resumable ? base + c.at + 2 : -1, rel: -1, relEnd: -1, jmp: false,
      });
    }
    for (const x of plan.exits) {
      const rel = base + x.rel;
      const relEnd = base + x.end;
      const target = this.byGuest.get(x.target);
      if (target !== undefined) this.link(rel, relEnd, target, this.newStub(x.target, rel, relEnd, x.jmp, ccf));
      else this.writeRel(rel, this.newStub(x.target, rel, relEnd, x.jmp, ccf) - relEnd);
    }
    this.o.onCodeWrite(p0, plan.code.length);
    const s = this.o.stats;
    s.translations++;
    s.ccfs++;
    s.tcBytes = this.codeTop - this.start;
    return ccf;
  }

  /** Patches the continuation at `site` into a direct jump to `target` (chaining). */
  chain(site: Site, stub: number, target: Ccf): void {
    if (site.rel < 0) return;
    this.link(site.rel, site.relEnd, target, stub);
  }

  private link(rel: number, relEnd: number, target: Ccf, stub: number): void {
    this.writeRel(rel, target.tcStart - relEnd);
    target.incoming.push(rel, relEnd, stub);
    this.o.stats.chainedJumps++;
  }

  private newStub(guestTarget: number, rel: number, relEnd: number, jmp: boolean, ccf: Ccf | null): number {
    this.stubBottom -= 2;
    const s = this.stubBottom;
    const p = this.phys(s);
    this.o.ram[p] = 0xcd;
    this.o.ram[p + 1] = CALLOUT_VECTOR;
    this.o.onCodeWrite(p, 2);
    this.sites.set(s, {
      kind: SITE_KIND.CONTINUATION, ccf, guestEip: guestTarget >>> 0, guestLength: 0, restore: 0, category: 'continuation',
      resume: -1, rel, relEnd, jmp,
    });
    return s;
  }

  private writeRel(rel: number, value: number): void {
    const p = this.phys(rel);
    this.view.setInt32(p, value | 0, true);
    this.o.onCodeWrite(p, 4);
  }

  /** True if the E9 jump whose rel32 ends at `relEnd` is the last code in the cache (its target can be placed right after it). */
  isTrailingJump(site: Site): boolean {
    // The CCF keeps at least 5 bytes (room for the jump its entry becomes when invalidated).
    return site.jmp && site.relEnd === this.codeTop && site.ccf !== null && site.relEnd - 5 - site.ccf.tcStart >= 5;
  }

  /**
   * Drops `ccf`: out of the hash table and the target cache, jumps chained to it pointed back
   * at their stubs, and its entry overwritten with a jump to a fresh continuation (anything
   * still reaching it re-translates).
   */
  invalidate(ccf: Ccf): void {
    if (!ccf.valid) return;
    ccf.valid = false;
    this.dropMappings(ccf);
    if (this.byGuest.get(ccf.guestEip) === ccf) this.byGuest.delete(ccf.guestEip);
    const inc = ccf.incoming;
    for (let i = 0; i < inc.length; i += 3) this.writeRel(inc[i]!, inc[i + 2]! - inc[i + 1]!);
    inc.length = 0;
    this.dropTargets(ccf.tcStart);
    this.writeJump(ccf.tcStart, this.newStub(ccf.guestEip, ccf.tcStart + 1, ccf.tcStart + 5, false, null));
    const s = this.o.stats;
    s.invalidations++;
    s.ccfs--;
  }

  /** Adaptive translation: `old`'s entry becomes a forwarding jump to `replacement` (constant time; predecessors untouched). */
  forward(old: Ccf, replacement: Ccf): void {
    if (old.valid) {
      old.valid = false;
      this.dropMappings(old);
      this.o.stats.ccfs--;
    }
    this.dropTargets(old.tcStart);
    this.writeJump(old.tcStart, replacement.tcStart);
  }

  private writeJump(at: number, target: number): void {
    const p = this.phys(at);
    this.o.ram[p] = 0xe9;
    this.view.setInt32(p + 1, (target - (at + 5)) | 0, true);
    this.o.onCodeWrite(p, 5);
  }

  /**
   * Invalidates the CCFs translated from guest-physical bytes `[phys, phys + size)` — only those
   * whose guest instructions overlap the write, so a data write next to code on the same page
   * (kernels mix them) costs no retranslation. Returns how many were invalidated.
   */
  invalidatePhysRange(phys: number, size: number): number {
    let n = 0;
    for (let page = phys >>> 12; page <= (phys + size - 1) >>> 12; page++) {
      const list = this.byPhysPage.get(page);
      if (list === undefined) continue;
      const keep: Ccf[] = [];
      for (const c of list) {
        if (!c.valid) continue;
        if (!overlaps(c, phys, size)) {
          keep.push(c);
          continue;
        }
        n++;
        this.invalidate(c);
      }
      if (keep.length === 0) this.byPhysPage.delete(page);
      else this.byPhysPage.set(page, keep);
    }
    return n;
  }

  /**
   * Invalidates the CCFs whose guest-linear code page no longer maps to the guest-physical page it
   * mapped to when they were translated; `frameOf(lp)` is the page linear page `lp` maps to now
   * (-1: none). Each linear page is translated once, and only the CCFs of a changed mapping are
   * visited; they are invalidated in TC order. Returns how many were invalidated.
   */
  invalidateRemapped(frameOf: (lp: number) => number): number {
    const stale: Ccf[] = [];
    for (const [lp, groups] of this.byLinearPage) {
      // A page whose CCFs are all invalid is not translated (nor are its accessed bits set).
      for (const [pp, g] of groups) if (g.live === 0) groups.delete(pp);
      if (groups.size === 0) {
        this.byLinearPage.delete(lp);
        continue;
      }
      const now = frameOf(lp);
      for (const [pp, g] of groups) {
        if (pp === now) continue;
        for (const c of g.ccfs) if (c.valid) stale.push(c);
        groups.delete(pp);
      }
      if (groups.size === 0) this.byLinearPage.delete(lp);
    }
    // A CCF on two changed pages is listed twice: the second `invalidate` does nothing.
    stale.sort((a, b) => a.id - b.id);
    let n = 0;
    for (const c of stale) {
      if (!c.valid) continue;
      this.invalidate(c);
      n++;
    }
    return n;
  }

  /** A CCF no longer valid: one live CCF less in each of its mapping groups (`byLinearPage`). */
  private dropMappings(ccf: Ccf): void {
    for (let i = 0; i < ccf.linearPages.length; i++) {
      const g = this.byLinearPage.get(ccf.linearPages[i]!)?.get(ccf.physPages[i]!);
      if (g !== undefined) g.live--;
    }
  }

  /** True if some CCF was translated from guest-physical page `page`. */
  hasPhysPage(page: number): boolean {
    return this.byPhysPage.has(page);
  }

  /** Guest-physical pages with translations. */
  physPages(): IterableIterator<number> {
    return this.byPhysPage.keys();
  }

  /** Fills the target-cache entry for guest address `guest` with TC address `tc`. */
  setTarget(guest: number, tc: number): void {
    const p = this.phys(MONITOR_LINEAR + MON.TARGET_CACHE) + (guest & 0xff) * 8;
    this.view.setInt32(p, guest | 0, true);
    this.view.setInt32(p + 4, tc | 0, true);
  }

  private dropTargets(tc: number): void {
    const base = this.phys(MONITOR_LINEAR + MON.TARGET_CACHE);
    for (let i = 0; i < TARGET_CACHE_ENTRIES; i++) {
      if (this.view.getInt32(base + i * 8 + 4, true) === (tc | 0)) this.view.setInt32(base + i * 8, i ^ 1, true);
    }
  }

  private clearTargetCache(): void {
    const base = this.phys(MONITOR_LINEAR + MON.TARGET_CACHE);
    // A tag whose low byte differs from the slot's index never matches a target hashed there.
    for (let i = 0; i < TARGET_CACHE_ENTRIES; i++) {
      this.view.setInt32(base + i * 8, i ^ 1, true);
      this.view.setInt32(base + i * 8 + 4, 0, true);
    }
  }

  /** Empties the cache (every CCF, stub, site and target-cache entry). */
  flush(): void {
    for (const c of this.ordered) c.valid = false;
    this.ordered.length = 0;
    this.byGuest.clear();
    this.sites.clear();
    this.byPhysPage.clear();
    this.byLinearPage.clear();
    this.codeTop = this.start;
    this.stubBottom = this.limit;
    this.clearTargetCache();
    const s = this.o.stats;
    s.flushes++;
    s.ccfs = 0;
    s.tcBytes = 0;
    this.o.onCodeWrite(this.phys(this.start), this.limit - this.start);
  }
}

/** The CCFs translated from one guest-linear page while it mapped to one guest-physical page, and how many of them are still valid. */
interface MappingGroup {
  readonly ccfs: Ccf[];
  live: number;
}

/** True if one of `c`'s guest instruction bytes lies in guest-physical `[phys, phys + size)`. */
function overlaps(c: Ccf, phys: number, size: number): boolean {
  for (const r of c.insns) {
    for (let k = 0; k < r.length; k++) {
      const lin = (r.eip + k) >>> 0;
      const pp = c.physPages[c.linearPages.indexOf(lin >>> 12)];
      if (pp === undefined || pp < 0) continue;
      const p = pp * 0x1000 + (lin & 0xfff);
      if (p >= phys && p < phys + size) return true;
    }
  }
  return false;
}
