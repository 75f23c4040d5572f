/** @file The differential fuzzer: a seeded short run finds no unexplained divergence; every saved regression replays as recorded. */
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { buildFuzzImage, generateProgram, KNOWN_DIVERGENCES, loadRegressions, runCase, runFuzz } from '../src/index.ts';
import { sameDivergence, serialSignature } from '../src/fuzz/index.ts';
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

describe('divergence signatures (what the minimiser keeps)', () => {
  /** A dump of one phase record, the count line, 32 log lines and the hash line. */
  const dump = (rec: string, count: string, log0: string, hash = 'H 1 2 3 4 5'): string =>
    [rec, count, log0, ...Array<string>(31).fill('0 0 0 0'), hash, 'stop=exit 0', ''].join('\n');
  const base = dump('1 2 3 4 5 6 7 8 46 10 10 10 10 10 80000011 0', '1 0', '1 0 110001 0');

  it('names the dump section and the fields that differ', () => {
    expect(serialSignature(base, dump('1 9 3 4 5 6 7 8 47 10 10 10 10 10 80000011 0', '1 0', '1 0 110001 0'))).toBe('serial:record:ecx,eflags');
    expect(serialSignature(base, dump('1 2 3 4 5 6 7 8 46 10 10 10 10 10 80000011 0', '2 0', '1 0 110000 0'))).toBe('serial:count:count:more:log:eip:1|1');
    expect(serialSignature(base, dump('1 2 3 4 5 6 7 8 46 10 10 10 10 10 80000011 0', '1 0', 'd 0 110001 0'))).toBe('serial:log:vector');
    expect(serialSignature(base, dump('1 2 3 4 5 6 7 8 46 10 10 10 10 10 80000011 0', '1 0', '1 0 110001 0', 'H 1 2 9 9 9'))).toBe('serial:hash:page-tables');
    expect(serialSignature('garbage\n', 'other\n')).toBe('serial:other');
  });

  it('a divergence of the same what but another signature is not the same divergence', () => {
    const d = { mode: 'hw-shadow', what: 'state', detail: '', signature: 'state:cr2' } as const;
    expect(sameDivergence({ ...d, detail: 'x' }, d)).toBe(true);
    expect(sameDivergence({ ...d, signature: 'state:eip' }, d)).toBe(false);
    expect(sameDivergence({ ...d, mode: 'bt' }, d)).toBe(false);
    expect(sameDivergence({ ...d, signature: 'state:eip' }, { mode: 'hw-shadow', what: 'state', detail: '' })).toBe(true);
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
        if (regression.divergence.signature !== undefined) expect(r.divergences[0]!.signature).toBe(regression.divergence.signature);
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
