/** @file The translation cache is bounded (a small cache fills, flushes, and the guest still computes the same result) and invalidates only the CCFs a write touches, or whose code page a new mapping moved. */
import { Board } from '@x86virt/devices';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { BT_MONITOR_MIB, BtMonitor, MON, newBtStats, TranslationCache, type Ccf, type TuPlan } from '../../src/index.ts';
import { flatEntry, SNIPPET_BASE, SNIPPETS } from '../support/snippets.ts';

function run(tcBytes: number): BtMonitor {
  const board = new Board({ cpuHz: UNIT_PROFILE.hz, memMiB: 16, monitorMiB: BT_MONITOR_MIB });
  board.guestRam.set(SNIPPETS[0]!.code, SNIPPET_BASE);
  const m = new BtMonitor({ machine: board, profile: UNIT_PROFILE, tcBytes });
  board.setCycleSource(() => m.cycles);
  m.start(flatEntry());
  expect(m.run(1_000_000)).toEqual({ kind: 'exit', code: 0 });
  return m;
}

describe('translation cache', () => {
  it('a roomy cache never flushes', () => {
    expect(run(1 << 20).stats.flushes).toBe(0);
  });
  it('a 160-byte cache flushes when full and the guest result is unchanged', () => {
    const m = run(160);
    expect(m.stats.flushes).toBeGreaterThan(0);
    expect(m.stats.tcBytes).toBeLessThanOrEqual(160);
  });
});

describe('invalidation on guest writes', () => {
  it('a write next to translated code on the same page invalidates nothing; a write into the guest bytes of a CCF invalidates just that CCF', () => {
    const m = run(1 << 20);
    const live = (): number => m.tc.all.filter((c) => c.valid).length;
    const before = live();
    expect(m.tc.invalidatePhysRange(SNIPPET_BASE + 0x800, 4)).toBe(0);
    expect(live()).toBe(before);
    const target = m.tc.all.find((c) => c.valid && c.guestEip === SNIPPET_BASE + 0x2a)!;
    expect(m.tc.invalidatePhysRange(SNIPPET_BASE + 0x2b, 1)).toBe(1);
    expect(target.valid).toBe(false);
    expect(live()).toBe(before - 1);
  });
});

describe('invalidation on remapping (a CR3 load, INVLPG)', () => {
  /** A cache with four 8-byte CCFs (NOPs): A on linear page 0x100, B on 0x100 and 0x101, C on 0x101, D on 0x102 (frame = page − 0xF0). */
  function cache(): { tc: TranslationCache; ccfs: Ccf[] } {
    const tc = new TranslationCache({ ram: new Uint8Array(MON.TC + 0x10000), monitorPhys: 0, bytes: 0x10000, stats: newBtStats(), onCodeWrite: () => {} });
    const pages = [[0x100], [0x100, 0x101], [0x101], [0x102]];
    const ccfs = pages.map((lps, k) => {
      const plan: TuPlan = { guestEip: 0x1000 * lps[0]! + 0x10 * k, code: new Array<number>(8).fill(0x90), exits: [], callouts: [], points: [], insns: [], linearPages: lps, physPages: lps.map((lp) => lp - 0xf0) };
      return tc.install(plan)!;
    });
    return { tc, ccfs };
  }

  it('invalidates exactly the valid CCFs of a linear page that maps elsewhere now, asking each page with valid CCFs once', () => {
    const { tc, ccfs } = cache();
    const [a, b, c, d] = ccfs;
    const asked: number[] = [];
    const frames = (moved: number) => (lp: number): number => (asked.push(lp), lp === moved ? 0x77 : lp - 0xf0);
    expect(tc.invalidateRemapped(frames(-1))).toBe(0);
    expect(asked.sort()).toEqual([0x100, 0x101, 0x102]);
    expect(ccfs.every((x) => x!.valid)).toBe(true);
    // 0x101 remapped: B (also on 0x100) and C go; A and D stay.
    expect(tc.invalidateRemapped(frames(0x101))).toBe(2);
    expect([a!.valid, b!.valid, c!.valid, d!.valid]).toEqual([true, false, false, true]);
    // 0x101 has no valid CCF left: it is not walked again (a walk sets the guest's accessed bits); 0x100 still is.
    asked.length = 0;
    expect(tc.invalidateRemapped(frames(-1))).toBe(0);
    expect(asked.sort()).toEqual([0x100, 0x102]);
    // A CCF invalidated otherwise (a code write) no longer keeps its page walked.
    tc.invalidate(d!);
    asked.length = 0;
    expect(tc.invalidateRemapped(frames(-1))).toBe(0);
    expect(asked).toEqual([0x100]);
  });
});
