/** @file Bt mode judged by native mode: every guest prints the same, exits the same and ends in the same state under the binary-translating monitor. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { availableModes, runBt, runNative, type GuestRun } from '../src/index.ts';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const image = (g: string): Uint8Array => new Uint8Array(readFileSync(join(guestsDir, g, `${g}.elf`)));
const guests = ['hello', ...readdirSync(guestsDir).filter((g) => g.startsWith('t-') && existsSync(join(guestsDir, g, `${g}.elf`)))];

/**
 * Final-state registers that legitimately differ between modes, with the reason: they hold a
 * raw `rdtsc` value, and bt mode's modeled clock runs differently (callouts, translation).
 */
const timingRegisters: Record<string, readonly string[]> = { 't-system': ['esi'] };

function state(r: GuestRun, masked: readonly string[]): Record<string, unknown> {
  const a: Record<string, unknown> = { ...r.arch };
  for (const k of masked) delete a[k];
  return a;
}

describe('bt mode vs native mode, same guest', () => {
  it('bt is an available mode', () => {
    expect(availableModes()).toContain('bt');
  });
  for (const g of guests) {
    it(`${g}: same serial output, stop and final state`, () => {
      const opts = { maxInsns: 50_000_000 };
      const n = runNative(image(g), UNIT_PROFILE, opts);
      const b = runBt(image(g), UNIT_PROFILE, opts);
      expect(b.serial).toBe(n.serial);
      expect(b.stop).toEqual(n.stop);
      const masked = timingRegisters[g] ?? [];
      expect(state(b, masked)).toEqual(state(n, masked));
      // The guest kernel really ran translated: translations were made and code was copied IDENT.
      expect(b.counters['bt.translations']).toBeGreaterThan(0);
      expect(b.counters['bt.identInsns']).toBeGreaterThan(0);
      if (g === 't-interrupts') expect(b.counters['bt.virtualInterrupts']).toBe(n.counters['cpu.interrupts']);
    });
  }
});

/** A frobos RESULT line with its cycle numbers masked (they are the modeled clock's, so they differ by mode). */
const mask = (line: string): string => line.replace(/(cycles|total|overhead)=\d+/g, '$1=#');

describe('frobos under bt', () => {
  it('quick: every line and checksum as in native mode (cycles masked), exit 0, user code run directly', () => {
    const n = runNative(image('frobos'), UNIT_PROFILE, { cmdline: 'quick' });
    const b = runBt(image('frobos'), UNIT_PROFILE, { cmdline: 'quick' });
    expect(b.stop).toEqual({ kind: 'exit', code: 0 });
    expect(b.serial.split('\n').map(mask)).toEqual(n.serial.split('\n').map(mask));
    expect(b.counters['bt.directEntries']).toBeGreaterThan(100);
  });

  it('ptemod adapts: trace faults stop growing with the iterations, adapted callouts take their place', () => {
    const run = (n: number): GuestRun => runBt(image('frobos'), UNIT_PROFILE, { cmdline: `nano=ptemod:${n} hz=0` });
    const a = run(100);
    const b = run(1000);
    expect(a.stop).toEqual({ kind: 'exit', code: 0 });
    expect(b.counters['bt.adaptations']).toBe(1);
    expect(b.counters['bt.traceFaults']).toBe(a.counters['bt.traceFaults']);
    expect(b.counters['bt.callout.adapted']! - a.counters['bt.callout.adapted']!).toBe(900);
  });
});
