/** @file The translation cache is bounded: a small cache fills, flushes, and the guest still computes the same result. */
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
