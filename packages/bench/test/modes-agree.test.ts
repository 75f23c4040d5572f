/** @file Every guest prints the same serial output, exits the same way and ends in the same architectural state in native, hw-shadow and hw-nested mode (frobos: output with its cycle numbers masked). */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { runGuest, type GuestRun } from '../src/index.ts';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const image = (g: string): Uint8Array => new Uint8Array(readFileSync(join(guestsDir, g, `${g}.elf`)));

/** The t-* guests and hello. t-interrupts polls the PIT about 1.3 million times (as many exits): left to the CLI, not the suite. */
const SLOW = new Set(['t-interrupts']);
const guests = readdirSync(guestsDir).filter((g) => (g === 'hello' || g.startsWith('t-')) && existsSync(join(guestsDir, g, `${g}.elf`)) && !SLOW.has(g));

/** Serial output with the cycle numbers that legitimately differ across modes masked (as the frobos goldens do). */
function transcript(r: GuestRun): string {
  const serial = r.serial.replace(/\b(cycles|total|overhead)=\d+/g, '$1=*');
  return `${serial}exit=${r.stop.kind === 'exit' ? r.stop.code : r.stop.kind}\n`;
}

describe('native, hw-shadow and hw-nested agree', () => {
  it('has guests to compare', () => {
    expect(guests.length).toBeGreaterThanOrEqual(12);
  });
  for (const g of guests) {
    it(`${g}: identical serial output, exit code and final architectural state`, () => {
      const native = runGuest('native', image(g), UNIT_PROFILE, { maxInsns: 50_000_000 });
      for (const mode of ['hw-shadow', 'hw-nested'] as const) {
        const r = runGuest(mode, image(g), UNIT_PROFILE, { maxInsns: 50_000_000 });
        expect(transcript(r), mode).toBe(transcript(native));
        expect(r.arch, mode).toEqual(native.arch);
      }
    });
  }

  it('frobos quick: identical output (cycles masked); nested paging takes no paging exits, shadow paging does', () => {
    const img = image('frobos');
    const opts = { cmdline: 'quick', maxInsns: 200_000_000 };
    const native = runGuest('native', img, UNIT_PROFILE, opts);
    expect(native.stop).toEqual({ kind: 'exit', code: 0 });
    const shadow = runGuest('hw-shadow', img, UNIT_PROFILE, opts);
    const nested = runGuest('hw-nested', img, UNIT_PROFILE, opts);
    expect(transcript(shadow)).toBe(transcript(native));
    expect(transcript(nested)).toBe(transcript(native));
    // Nested: no #PF, CR or INVLPG exits at all; the 2-D walk is counted.
    const paging = (r: GuestRun): number =>
      Object.entries(r.counters)
        .filter(([k]) => /^exit\.(excp_pf|cr\d_(read|write)|invlpg)$/.test(k))
        .reduce((a, [, n]) => a + n, 0);
    expect(paging(nested)).toBe(0);
    expect(nested.counters['npt.walkRefs2d']).toBeGreaterThan(0);
    // Shadow: every #PF exit is a hidden, true or trace fault of the pager.
    expect(paging(shadow)).toBeGreaterThan(0);
    const c = shadow.counters;
    expect(c['exit.excp_pf']).toBe((c['shadow.hiddenFaults'] ?? 0) + (c['shadow.trueFaults'] ?? 0) + (c['shadow.traceFaults'] ?? 0));
    expect(c['shadow.traceFaults']).toBeGreaterThanOrEqual(2000); // ptemod: one traced write per iteration at least
    expect(c['shadow.trueFaults']).toBeGreaterThanOrEqual(2000); // pgfault: one true fault per iteration at least
  });
});
