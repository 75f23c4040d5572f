/** @file The translation cache is bounded (a small cache fills, flushes, and the guest still computes the same result) and invalidates only the CCFs a write touches. */
import { Board } from '@x86virt/devices';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { BT_MONITOR_MIB, BtMonitor } from '../../src/index.ts';
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
