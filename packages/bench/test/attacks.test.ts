/** @file The guest attack suite: every attack of guests/attack in native, bt, hw-shadow and hw-nested — contained, monitor memory unchanged, and the same guest-visible outcome as native. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { runGuest, type GuestRun } from '../src/index.ts';

const image = new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'guests', 'attack', 'attack.elf')));
const ATTACKS = ['segs', 'user', 'gs', 'tc', 'pt', 'vmcb', 'svm', 'io', 'irq', 'desc', 'reveal', 'limit', 'triple', 'cr3', 'lidt', 'starve'] as const;
const MONITORS = ['bt', 'hw-shadow', 'hw-nested'] as const;
/** How runs end by design: a shutdown (the attack is a triple fault), hung (HLT nothing can wake); the others exit 0. */
const SHUTDOWN = new Set(['triple', 'cr3', 'lidt']);
const HUNG = new Set(['starve']);

/**
 * Known escapes and divergences (attack/mode → why). The test asserts they still differ from
 * native, so fixing one fails here until it is taken off the list. Containment (no host
 * exception, a run-ending report, monitor memory unchanged) is asserted for them all the same.
 */
const KNOWN: Record<string, string> = {
  'reveal/bt':
    'sgdt/sidt/str/smsw in directly executed ring-3 code show the host GDTR/IDTR/TR/MSW: they are unprivileged, and the silicon (like the 2006 processors of the paper) has no CR4.UMIP to make them fault, so a monitor that runs guest user code directly (the paper\'s BT, S1 §3.2) cannot hide them',
};
/** Runs not made: they would hang the host (none now: hw-vmm bounds exits without guest progress). */
const NOT_RUN: Record<string, string> = {};

/** What the guest shows: its serial output and how the run ended (shutdown reasons are the monitor's words, not the guest's). */
function outcome(r: GuestRun): string {
  return `${r.serial}end=${r.stop.kind === 'exit' ? `exit ${r.stop.code}` : r.stop.kind}\n`;
}

const OPTS = { maxInsns: 50_000_000, auditMonitor: true } as const;

describe('guest attack suite', () => {
  for (const attack of ATTACKS) {
    it(`${attack}: contained in every mode, monitor memory unchanged`, () => {
      const native = runGuest('native', image, UNIT_PROFILE, { ...OPTS, cmdline: attack });
      expect(native.serial.startsWith(`attack ${attack}\n`)).toBe(true);
      expect(native.stop.kind).toBe(SHUTDOWN.has(attack) ? 'shutdown' : HUNG.has(attack) ? 'hung' : 'exit');
      if (native.stop.kind === 'exit') expect(native.stop.code).toBe(0);
      for (const mode of MONITORS) {
        const key = `${attack}/${mode}`;
        if (NOT_RUN[key] !== undefined) continue;
        const r = runGuest(mode, image, UNIT_PROFILE, { ...OPTS, cmdline: attack });
        expect(r.stop.kind, key).not.toBe('budget');
        if (HUNG.has(attack)) expect(r.stop, key).toEqual(native.stop);
        const digest = r.monitorDigest!;
        expect(Object.keys(digest.before).length, key).toBeGreaterThanOrEqual(4);
        expect(digest.after, key).toEqual(digest.before);
        if (KNOWN[key] !== undefined) expect(outcome(r), `${key} is listed as known (${KNOWN[key]}) but now matches native: take it off the list`).not.toBe(outcome(native));
        else expect(outcome(r), key).toBe(outcome(native));
      }
    }, 300_000);
  }

  it('the monitor-memory audit sees a change: a write into the bt host IDT changes its hash', async () => {
    const { btMonitorRegions, hashMonitorRegions } = await import('../src/index.ts');
    const ram = new Uint8Array(0x900000);
    const regions = btMonitorRegions(0x100000);
    const before = hashMonitorRegions(ram, regions);
    ram[0x100000 + 0x6000 + 5] = 0x8e;
    const after = hashMonitorRegions(ram, regions);
    expect(after['bt.idt']).not.toBe(before['bt.idt']);
    expect(after['bt.tss']).toBe(before['bt.tss']);
  });
});
