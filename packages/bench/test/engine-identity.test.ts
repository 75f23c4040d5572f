/** @file The block compiler changes nothing a guest or the cost model can see: every golden guest gives identical cycles, counts, serial output and final state with `--engine interp` and `--engine jit`. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE, type CostProfile } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { loadProfile, PROFILE_NAMES, runGuest, toCostProfile, type GuestRun, type Mode } from '../src/index.ts';

const guestsDir = join(import.meta.dirname, '..', 'guests');
const image = (g: string): Uint8Array => new Uint8Array(readFileSync(join(guestsDir, g, `${g}.elf`)));

/** hello, timer, speed (its committed image: every loop 1000 times) and every t-* guest (t-interrupts included: natively it is quick). */
const guests = readdirSync(guestsDir).filter((g) => (g === 'hello' || g === 'timer' || g === 'speed' || g.startsWith('t-')) && existsSync(join(guestsDir, g, `${g}.elf`)));

/**
 * frobos with every workload at a small size: 1500 iterations per nanobenchmark (past the
 * compile threshold of 1024, so its loops run compiled), a few forks, 8 KiB of compression.
 */
const FROBOS_CMDLINE = 'iters=1500 forkwait=20 compute=8 iomix=50';

/** Everything of a run except host time and the engine's own count of compiled blocks. */
function observable(r: GuestRun): unknown {
  const { hostMs: _hostMs, compiledBlocks: _compiled, ...rest } = r;
  return rest;
}

function both(mode: Mode, g: string, profile: CostProfile, cmdline = ''): { interp: GuestRun; jit: GuestRun } {
  const opts = { maxInsns: 200_000_000, cmdline };
  return {
    interp: runGuest(mode, image(g), profile, { ...opts, engine: 'interp' }),
    jit: runGuest(mode, image(g), profile, { ...opts, engine: 'jit' }),
  };
}

function expectIdentical(interp: GuestRun, jit: GuestRun): void {
  expect(interp.compiledBlocks).toBe(0);
  expect(jit.instructions).toBe(interp.instructions);
  expect(jit.cycles).toBe(interp.cycles);
  expect(jit.serial).toBe(interp.serial);
  expect(jit.stop).toEqual(interp.stop);
  expect(jit.arch).toEqual(interp.arch);
  expect(jit.counters).toEqual(interp.counters);
  expect(observable(jit)).toEqual(observable(interp));
}

/** Per test: generous, the machine is shared (each test takes well under a second to a few seconds alone). */
const TIMEOUT = 120_000;

describe('engine identity: interpreter and block compiler agree exactly', { timeout: TIMEOUT }, () => {
  it('has the golden guests', () => {
    expect(guests.length).toBeGreaterThanOrEqual(15);
  });

  for (const g of guests) {
    it(`${g} native: same cycles, instructions, counters, serial output and final state`, () => {
      const { interp, jit } = both('native', g, UNIT_PROFILE);
      expect(interp.stop.kind).toBe('exit');
      expectIdentical(interp, jit);
    });
  }

  // A cost profile with unequal class costs, so a miscounted instruction class shows in the cycles.
  const p4 = toCostProfile(loadProfile(PROFILE_NAMES[0]));
  for (const mode of ['native', 'bt', 'hw-shadow', 'hw-nested'] as const) {
    it(`frobos ${mode} (${FROBOS_CMDLINE}, profile ${p4.name}): identical, and the JIT really compiled`, () => {
      const { interp, jit } = both(mode, 'frobos', p4, FROBOS_CMDLINE);
      expect(interp.stop).toEqual({ kind: 'exit', code: 0 });
      expect(jit.compiledBlocks).toBeGreaterThan(10);
      expectIdentical(interp, jit);
    });
  }

  for (const g of ['t-smc', 't-exceptions', 't-paging']) {
    for (const mode of ['bt', 'hw-shadow'] as const) {
      it(`${g} ${mode}: identical`, () => {
        const { interp, jit } = both(mode, g, UNIT_PROFILE);
        expectIdentical(interp, jit);
      });
    }
  }
});
