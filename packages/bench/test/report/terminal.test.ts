/** @file Terminal tables and the stat table for a fixed synthetic report, compared with committed snapshots. */
import { describe, expect, it } from 'vitest';
import { breakdown, eventRows, renderTerminal, statTables, toCostProfile, loadProfile } from '../../src/index.ts';
import { paperAsOurs, syntheticReport } from '../fixtures/synthetic-report.ts';

const fixed = (): ReturnType<typeof syntheticReport> => {
  const data = paperAsOurs();
  return syntheticReport(
    {
      native: { ...data.native, macro: { forkwait: 6_000_000, compute: 50_000_000, iomix: 20_000_000 } },
      bt: { ...data.bt, macro: { forkwait: 36_900_000, compute: 51_000_000, iomix: 30_000_000 }, counters: { 'callout.rdtsc': 5, 'cycles.callout.rdtsc': 6270, 'translate.insn': 100, 'cycles.translate.insn': 230000 } },
    },
    ['hw-shadow', 'hw-nested'],
  );
};

describe('renderTerminal', () => {
  it('prints the fixed report exactly', () => {
    expect(renderTerminal(fixed()).join('\n')).toMatchSnapshot();
  });

  it('marks unbuilt modes as not built and never prints a number for them', () => {
    const text = renderTerminal(fixed());
    const hwRows = text.filter((l) => !l.startsWith('modes:') && /(^|\s)hw-(shadow|nested)\s/.test(l));
    expect(hwRows.length).toBe(8 * 2 + 3 * 2 + 2);
    for (const row of hwRows) expect(row).toContain('not built');
    expect(text[1]).toBe('modes: native, bt; not built: hw-shadow (not built), hw-nested (not built)');
  });
});

describe('stat and breakdown', () => {
  it('stat prints a perf-kvm-stat-style table per mode', () => {
    expect(statTables(fixed()).join('\n')).toMatchSnapshot();
  });

  it('breakdown prices silicon events from the profile and takes monitor cycles from cycles.* counters', () => {
    const r = fixed().results.find((x) => x.mode === 'bt' && x.workload === 'in')!;
    const cost = toCostProfile(loadProfile('p4-2006'));
    expect(breakdown(r, cost)).toEqual([
      { category: 'guest instructions', cycles: r.cycles - 4 * 712 - 10 * 3209 - 6270 - 230000 },
      { category: 'exceptions & interrupts', cycles: 4 * 712 },
      { category: 'port & MMIO I/O', cycles: 10 * 3209 },
      { category: 'callout.rdtsc', cycles: 6270 },
      { category: 'translate.insn', cycles: 230000 },
    ]);
    expect(eventRows([r], cost).map((e) => [e.event, e.count, e.cycles])).toEqual([
      ['translate.insn', 100, 230000],
      ['port I/O', 10, 32090],
      ['callout.rdtsc', 5, 6270],
      ['exception/interrupt #PF (14)', 4, 2848],
    ]);
  });
});
