/** @file The differential fuzzer: a seeded short run finds no unexplained divergence; every saved regression replays as recorded. */
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { buildFuzzImage, generateProgram, KNOWN_DIVERGENCES, loadRegressions, runCase, runFuzz } from '../src/index.ts';
import { availableModes } from '../src/machine/run-guest.ts';

const regressions = loadRegressions(join(import.meta.dirname, 'fuzz-regressions'));

describe('fuzz generator', () => {
  it('is deterministic: the same seed gives the same program and image', () => {
    expect(generateProgram(0x1234)).toEqual(generateProgram(0x1234));
    expect(buildFuzzImage(generateProgram(0x1234))).toEqual(buildFuzzImage(generateProgram(0x1234)));
    expect(generateProgram(0x1234)).not.toEqual(generateProgram(0x1235));
  });

  it('a program runs natively to its dump: every phase recorded, exit 0, exceptions logged', () => {
    const r = runCase(generateProgram(0x5eed), ['native'], UNIT_PROFILE);
    const o = r.outcomes[0]!;
    expect(o.kind).toBe('ran');
    if (o.kind !== 'ran') return;
    expect(o.run.stop).toEqual({ kind: 'exit', code: 0 });
    const lines = o.run.serial.split('\n');
    expect(lines.length).toBe(4 + 1 + 32 + 2); // 4 phase records, count line, 32 log entries, hash line, ''
    expect(lines[37]).toMatch(/^H( [0-9a-f]{8}){5}$/);
    expect(Number.parseInt(lines[4]!.split(' ')[0]!, 16)).toBeGreaterThan(0);
  });
});

describe('fuzz regressions', () => {
  it('has regression files', () => {
    expect(regressions.length).toBeGreaterThanOrEqual(6);
  });
  for (const { file, regression } of regressions) {
    it(`${file}: ${regression.known ? `still shows known divergence ${regression.known}` : 'all modes agree'}`, () => {
      const r = runCase(regression.program, [regression.reference, regression.mode], UNIT_PROFILE);
      if (regression.known !== undefined) {
        expect(KNOWN_DIVERGENCES.map((k) => k.id)).toContain(regression.known);
        expect(r.divergences.map((d) => d.what)).toEqual([regression.divergence.what]);
      } else {
        expect(r.divergences).toEqual([]);
      }
    });
  }
});

describe('seeded short fuzz run', () => {
  it('16 cases in every mode: no host exception, no unexplained divergence', () => {
    const s = runFuzz({ seed: 0xf022, cases: 16, modes: availableModes(), profile: UNIT_PROFILE });
    expect(s.cases).toBe(16);
    expect(s.findings.filter((f) => f.divergence.what === 'host-exception')).toEqual([]);
    expect(s.findings.filter((f) => f.known === undefined)).toEqual([]);
  }, 900_000);
});
