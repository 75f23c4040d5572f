/** @file The silicon judged by QEMU: every t-* guest run natively on x86-core must print exactly its QEMU golden. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { runNative, type GuestRun } from '../src/index.ts';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const guests = readdirSync(guestsDir).filter((g) => g.startsWith('t-') && existsSync(join(guestsDir, g, 'golden.txt')));

/**
 * Guests whose output differs from QEMU today, each with the reason (reviewed; see
 * KNOWN-DIVERGENCES.md). A listed guest that starts to match fails the test, so the list
 * only shrinks.
 */
const known: Record<string, string> = JSON.parse(readFileSync(join(guestsDir, 'known-divergences.json'), 'utf8'));

/** The golden format of scripts/silicon-goldens.sh: serial output, then `exit=<code>`. */
function transcript(r: GuestRun): string {
  return `${r.serial}exit=${r.stop.kind === 'exit' ? r.stop.code : r.stop.kind}\n`;
}

describe('t-* guests, native mode vs qemu-system-i386', () => {
  it('has goldens to compare with', () => {
    expect(guests.length).toBeGreaterThanOrEqual(10);
  });
  for (const g of guests) {
    const golden = readFileSync(join(guestsDir, g, 'golden.txt'), 'latin1');
    const run = (): string => transcript(runNative(new Uint8Array(readFileSync(join(guestsDir, g, `${g}.elf`))), UNIT_PROFILE, { maxInsns: 50_000_000 }));
    if (g in known) {
      it(`${g} still differs from QEMU (known: ${known[g]})`, () => {
        expect(run()).not.toBe(golden);
      });
    } else {
      it(`${g} prints exactly what QEMU prints`, () => {
        expect(run()).toBe(golden);
      });
    }
  }
});
