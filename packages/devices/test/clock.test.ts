/** @file ClockConverter tests: exact floor/ceil conversion with no drift over long runs. */
import { describe, expect, it } from 'vitest';
import { ClockConverter, floorDiv } from '../src/clock.ts';

describe('ClockConverter', () => {
  const c = new ClockConverter(3_800_000_000, 1_193_182);

  it('converts cycles to PIT ticks by exact floor', () => {
    expect(c.toTicks(0)).toBe(0);
    expect(c.toTicks(3_800_000_000)).toBe(1_193_182);
    // 3185 cycles is 1.00008... ticks; 3184 is 0.99977...
    expect(c.toTicks(3184)).toBe(0);
    expect(c.toTicks(3185)).toBe(1);
  });

  it('toCycles(t) is the first cycle where toTicks reaches t (checked at many points)', () => {
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const t = seed * 97; // up to ~2e11 ticks: about 50 hours of PIT time
      const cyc = c.toCycles(t);
      expect(c.toTicks(cyc)).toBe(t);
      expect(c.toTicks(cyc - 1)).toBe(t - 1);
    }
  });

  it('does not drift: a day of cycles is exactly a day of ticks', () => {
    expect(c.toTicks(3_800_000_000 * 86400)).toBe(1_193_182 * 86400);
    expect(c.toCycles(1_193_182 * 86400)).toBe(3_800_000_000 * 86400);
    expect(c.toCycles(Infinity)).toBe(Infinity);
  });

  it('rejects frequencies it cannot convert exactly', () => {
    expect(() => new ClockConverter(3.5e9 + 0.5, 1000)).toThrow(/whole number/);
    expect(() => new ClockConverter(2 ** 40, 2 ** 20)).toThrow(/2\^53/);
  });

  it('floorDiv is exact where a rounded quotient is not', () => {
    const y = 3_800_000_000;
    const x = 1_193_181 * y + (y - 1);
    expect(floorDiv(x, y)).toBe(1_193_181);
    expect(floorDiv(x + 1, y)).toBe(1_193_182);
  });
});
