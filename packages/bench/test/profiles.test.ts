/** @file The shipped cost profiles validate, every number is documented, and the validator rejects undocumented ones. */
import { INSN_CLASS } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import p4raw from '../profiles/p4-2006.json' with { type: 'json' };
import { loadProfile, NANO_WORKLOADS, PAPER_NANO, PROFILE_NAMES, profileEntries, ProfileError, toCostProfile, validateProfile } from '../src/index.ts';

const clone = (): Record<string, any> => JSON.parse(JSON.stringify(p4raw));
const nanoNames = new Set<string>([...PAPER_NANO.flatMap((n) => [n.name, n.key]), ...NANO_WORKLOADS]);

describe('shipped profiles', () => {
  for (const name of PROFILE_NAMES) {
    it(`${name}: loads, and every value has a kind and a source; fitted ones say which nanobenchmark`, () => {
      const p = loadProfile(name);
      const entries = profileEntries(p);
      expect(entries).toHaveLength(17 + 6 + 5 + 7);
      for (const { path, entry } of entries) {
        expect(entry.source.length, path).toBeGreaterThan(10);
        expect(['published', 'derived', 'fitted'], path).toContain(entry.kind);
        if (entry.kind === 'derived') expect(entry.formula, path).toBeTruthy();
        if (entry.kind === 'fitted') {
          expect(path.startsWith('monitor.'), path).toBe(true);
          expect(entry.value === null || (entry.value as number) >= 0, `${path}: fitted by scripts/fit-profile.ts (null: no value fits; test/monitor-fit.test.ts)`).toBe(true);
          expect(entry.fit!.on.length, path).toBeGreaterThan(0);
          for (const n of entry.fit!.on) expect(nanoNames.has(n), `${path} fitted on ${n}`).toBe(true);
        } else expect(typeof entry.value, path).toBe('number');
      }
    });
  }

  it('p4-2006 maps onto the silicon CostProfile exactly', () => {
    const c = toCostProfile(loadProfile('p4-2006'));
    expect(c).toEqual({ name: 'p4-2006', hz: 3.8e9, insnCycles: [1, 15, 56, 5.5, 121, 5, 0, 150, 5, 1, 5], memOperand: 4, exception: 712, iret: 0, walkRef: 63.75, io: 3209, vmEntry: 2409, vmExit: 1931, vmcbRead: 178, vmcbWrite: 171 });
    expect(c.insnCycles[INSN_CLASS.BRANCH]! * 2).toBe(11); // call + ret = the paper's call/ret
    expect(c.insnCycles[INSN_CLASS.IO]! + c.io).toBe(3209); // the paper's native `in`
    expect(c.insnCycles[INSN_CLASS.DIV]! + c.exception + c.insnCycles[INSN_CLASS.FAR]! + c.iret).toBe(889); // divzero
  });

  it('p4-2006 carries the paper numbers: Table 1, the translator, rdtsc costs, cli', () => {
    const p = loadProfile('p4-2006');
    expect([p.svm.vmEntry.value, p.svm.vmExitPageFault.value, p.svm.vmcbRead.value, p.svm.vmcbWrite.value, p.svm.vmreadsPerExit.value, p.svm.roundTrip.value]).toEqual([2409, 1931, 178, 171, 10, 4340]);
    expect([p.bt.translatePerInsn.value, p.bt.calloutRdtsc.value, p.bt.inTcRdtsc.value, p.bt.trapRdtsc.value, p.bt.cliNative.value]).toEqual([2300, 1254, 216, 2030, 60]);
  });

  it('core2-2006 has Table 1 Core 2 numbers and marks what it inherits from p4-2006', () => {
    const p = loadProfile('core2-2006');
    expect([p.svm.vmEntry.value, p.svm.vmExitPageFault.value, p.svm.vmcbRead.value, p.svm.vmcbWrite.value, p.svm.roundTrip.value]).toEqual([937, 1186, 52, 44, 2123]);
    expect(p.silicon.hz.value).toBe(2.66e9);
    expect(p.svm.vmEntry.inheritedFrom).toBeUndefined();
    expect(p.svm.vmreadsPerExit.inheritedFrom).toBe('p4-2006');
    expect(p.bt.translatePerInsn.inheritedFrom).toBe('p4-2006');
    expect(profileEntries(p).filter((e) => e.entry.inheritedFrom === undefined).map((e) => e.path)).toEqual([
      'silicon.hz', 'silicon.memOperand', 'silicon.insnCycles.SIMPLE', 'silicon.insnCycles.MUL', 'silicon.insnCycles.DIV', 'silicon.insnCycles.FPU',
      'svm.vmEntry', 'svm.vmExitPageFault', 'svm.vmcbRead', 'svm.vmcbWrite', 'svm.roundTrip',
    ]);
  });

  it('an unknown profile name is a ProfileError listing the names', () => {
    expect(() => loadProfile('p5-2099')).toThrow(ProfileError);
    expect(() => loadProfile('p5-2099')).toThrow(/p4-2006, core2-2006/);
  });
});

describe('validateProfile rejects undocumented numbers', () => {
  const problems = (edit: (p: Record<string, any>) => void): string[] => {
    const p = clone();
    edit(p);
    return validateProfile(p).problems;
  };

  it('accepts the shipped file as is', () => {
    expect(problems(() => {})).toEqual([]);
  });
  it('a value without a source', () => {
    expect(problems((p) => delete p.svm.vmEntry.source)).toEqual(['svm.vmEntry: no source']);
  });
  it('a published value that cites no declared source', () => {
    expect(problems((p) => (p.svm.vmEntry.source = 'I measured it once'))).toEqual(["svm.vmEntry: a published value must cite one of the profile's sources (S1, S4, GCC, IOPT)"]);
  });
  it('a missing value', () => {
    expect(problems((p) => delete p.silicon.insnCycles.MUL)).toEqual(['silicon.insnCycles.MUL: missing']);
  });
  it('an unknown key', () => {
    expect(problems((p) => (p.bt.magic = { value: 1, kind: 'published', source: 'S1' }))).toEqual([
      'bt.magic: unknown key (known: translatePerInsn, calloutRdtsc, inTcRdtsc, trapRdtsc, cliNative)',
    ]);
  });
  it('a derived value that its formula does not give', () => {
    expect(problems((p) => (p.silicon.exception.value = 700))).toEqual([
      "silicon.exception: value 700 but its formula 'paper.divzero.native - silicon.insnCycles.DIV - silicon.insnCycles.FAR - silicon.iret' gives 712",
    ]);
  });
  it('a fitted value outside the monitor section', () => {
    expect(problems((p) => (p.silicon.io = { value: null, kind: 'fitted', source: 'guess', fit: { on: ['in'], method: 'x' } }))).toEqual([
      'silicon.io: only monitor software costs may be fitted; silicon values come from published numbers',
    ]);
  });
  it('a value fitted on a macro workload, or with no fit description', () => {
    expect(problems((p) => (p.monitor.hwIoExit.fit = { on: ['forkwait'] }))).toEqual([
      "monitor.hwIoExit: fitted on 'forkwait', which is not a nanobenchmark (macro workloads are never used to fit)",
      'monitor.hwIoExit: a fitted value must describe its fit (fit.method)',
    ]);
  });
  it('a null that is not a fitted value', () => {
    expect(problems((p) => (p.bt.cliNative.value = null))).toEqual(['bt.cliNative: a published value cannot be null', 'bt.cliNative: only fitted values may be null']);
  });
});
