/** @file The profile's fitted monitor costs are reproducible: re-fitting them on the nanobenchmarks gives exactly the committed values (else: `pnpm --filter @x86virt/bench fit`). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fitMonitorCosts, guestImagePath, loadProfile, monitorCostValues, toCostProfile } from '../src/index.ts';

describe('fitted monitor costs (p4-2006)', () => {
  const profile = loadProfile('p4-2006');
  const fits = fitMonitorCosts('p4-2006', toCostProfile(profile), new Uint8Array(readFileSync(guestImagePath('frobos')!)));

  it('every fitted value is what the fit computes now (re-run `pnpm --filter @x86virt/bench fit` after a cost-model change)', () => {
    expect(Object.fromEntries(fits.map((f) => [f.key, f.value]))).toEqual(monitorCostValues('p4-2006'));
  });

  it('a fitted cost reproduces its nanobenchmark: the paper\'s number minus ours without it, per handler run', () => {
    for (const f of fits) {
      if (f.value === null) {
        expect(f.reason, f.key).toBeTruthy();
        continue;
      }
      expect(Math.abs(f.without + f.perOp * f.value - f.paper), f.key).toBeLessThanOrEqual(f.perOp);
    }
  });
});
