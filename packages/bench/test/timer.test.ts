/** @file Virtual time: a guest that programs the PIT counts ticks identically in two runs, at the PIT's rate on the modeled clock. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { guestImagePath, loadProfile, PROFILE_NAMES, runNative, toCostProfile } from '../src/index.ts';

const image = new Uint8Array(readFileSync(guestImagePath('timer')!));
const PIT_HZ = 1_193_182;

/** The guest's line: ticks taken, and rdtsc cycles from tick 10 to tick 110. */
function measure(profileName: string): { line: string; ticks: number; span: number } {
  const r = runNative(image, toCostProfile(loadProfile(profileName)), { maxInsns: 50_000_000 });
  expect(r.stop).toEqual({ kind: 'exit', code: 0 });
  const m = /timer: pit divisor 1193, ticks ([0-9a-f]{8}) span ([0-9a-f]{16})/.exec(r.serial)!;
  return { line: m[0], ticks: Number.parseInt(m[1]!, 16), span: Number.parseInt(m[2]!, 16) };
}

describe('the timer guest on the native silicon', () => {
  for (const name of PROFILE_NAMES) {
    it(`${name}: deterministic, and 100 ticks span 100 PIT periods of the modeled clock`, () => {
      const profile = toCostProfile(loadProfile(name));
      const a = measure(name);
      const b = measure(name);
      expect(b.line).toBe(a.line);
      expect(a.ticks).toBe(110);
      // Exact PIT edges, delivered at the next block boundary: the span may differ from the
      // ideal by the cost of the few instructions between an edge and the boundary.
      const ideal = (100 * 1193 * profile.hz) / PIT_HZ;
      expect(Math.abs(a.span - ideal)).toBeLessThan(ideal * 0.001);
    });
  }
});
