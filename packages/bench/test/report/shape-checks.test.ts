/** @file The §8 orderings, evaluated on synthetic reports: the paper's own numbers hold them all. */
import { describe, expect, it } from 'vitest';
import { checkShapes, relationHolds } from '../../src/index.ts';
import { paperAsOurs, syntheticReport } from '../fixtures/synthetic-report.ts';

describe('checkShapes', () => {
  it("the paper's own numbers satisfy every ordering of §8", () => {
    const checks = checkShapes(syntheticReport(paperAsOurs()));
    expect(checks.map((c) => `${c.nano}: ${c.ordering} ${c.verdict}`)).toEqual([
      'syscall: hw ≈ native ≪ bt holds',
      'in: bt ≪ native ≪ hw holds',
      'cr8wr: bt < native < hw holds',
      'call/ret: native ≈ hw < bt holds',
      'pgfault: native < bt < hw holds',
      'divzero: native < hw < bt holds',
      'ptemod: native ≪ bt ≪ hw holds',
    ]);
    const ptemod = checks[6]!;
    expect(ptemod.steps.map((s) => [s.oursRatio, s.paperRatio])).toEqual([[391, 391], [12733 / 391, 12733 / 391]]);
  });

  it('says which step fails and by how much', () => {
    const data = paperAsOurs();
    const report = syntheticReport({ ...data, 'hw-shadow': { nano: { ...data['hw-shadow']!.nano, in: 1000 } } });
    const inCheck = checkShapes(report).find((c) => c.nano === 'in')!;
    expect(inCheck.verdict).toBe('fails');
    expect(inCheck.steps.map((s) => s.holds)).toEqual([true, false]);
    expect(inCheck.steps[1]!.oursRatio).toBeCloseTo(1000 / 3209, 12);
    expect(checkShapes(report).filter((c) => c.verdict === 'holds')).toHaveLength(6);
  });

  it('is unknown where a mode is not built or a test unsupported', () => {
    const data = paperAsOurs();
    const report = syntheticReport({ native: data.native, bt: { nano: { ...data.bt!.nano, cr8wr: 'unsupported' } } }, ['hw-shadow', 'hw-nested']);
    const checks = checkShapes(report);
    expect(checks.map((c) => c.verdict)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
    expect(checks[1]!.steps.map((s) => s.holds)).toEqual([true, null]);
    expect(checks[2]!.steps.map((s) => s.holds)).toEqual([null, null]);
  });

  it('relations: < strict, ≪ at least 3×, ≈ within 10 %', () => {
    expect([relationHolds(1, '<', 2), relationHolds(2, '<', 2)]).toEqual([true, false]);
    expect([relationHolds(10, '≪', 30), relationHolds(10, '≪', 29), relationHolds(0, '≪', 1)]).toEqual([true, false, true]);
    expect([relationHolds(100, '≈', 110), relationHolds(100, '≈', 112)]).toEqual([true, false]);
  });
});
