/** @file Exact conversion between the modeled cycle clock and a device's input clock (no drift). */

/** Largest product cpuHz · deviceHz the exact integer arithmetic below supports. */
const MAX_PRODUCT = 2 ** 53;

/** ⌊x / y⌋ for whole numbers 0 ≤ x < 2^53, 0 < y, exact (a rounded quotient is corrected). */
export function floorDiv(x: number, y: number): number {
  let q = Math.floor(x / y);
  if (q * y > x) q -= 1;
  else if ((q + 1) * y <= x) q += 1;
  return q;
}

/**
 * Converts between two clock domains with integer frequencies, exactly: `toTicks(c)` is
 * ⌊c · deviceHz / cpuHz⌋ and `toCycles(t)` is the first cycle at which `toTicks` reaches `t`,
 * i.e. ⌈t · cpuHz / deviceHz⌉. Both split their argument into whole seconds and a remainder,
 * so every intermediate stays an exact double as long as cpuHz · deviceHz ≤ 2^53 and
 * the results stay below 2^53.
 */
export class ClockConverter {
  /** Frequency of the modeled CPU clock, in Hz. */
  readonly cpuHz: number;
  /** Frequency of the device's input clock, in Hz. */
  readonly deviceHz: number;

  constructor(cpuHz: number, deviceHz: number) {
    for (const [name, hz] of [['cpuHz', cpuHz], ['deviceHz', deviceHz]] as const) {
      if (!Number.isInteger(hz) || hz <= 0) throw new RangeError(`${name} must be a whole number of Hz, got ${hz}`);
    }
    if (cpuHz * deviceHz > MAX_PRODUCT) throw new RangeError(`cpuHz · deviceHz must not exceed 2^53 (${cpuHz} · ${deviceHz})`);
    this.cpuHz = cpuHz;
    this.deviceHz = deviceHz;
  }

  /** Device ticks elapsed at cycle `cycles` (a whole number ≥ 0): ⌊cycles · deviceHz / cpuHz⌋. */
  toTicks(cycles: number): number {
    const seconds = floorDiv(cycles, this.cpuHz);
    const rest = cycles - seconds * this.cpuHz;
    return seconds * this.deviceHz + floorDiv(rest * this.deviceHz, this.cpuHz);
  }

  /** First cycle at which `toTicks` reaches `ticks`: ⌈ticks · cpuHz / deviceHz⌉; Infinity stays Infinity. */
  toCycles(ticks: number): number {
    if (ticks === Infinity) return Infinity;
    const seconds = floorDiv(ticks, this.deviceHz);
    const rest = ticks - seconds * this.deviceHz;
    const product = rest * this.cpuHz;
    const q = floorDiv(product, this.deviceHz);
    return seconds * this.cpuHz + (q * this.deviceHz === product ? q : q + 1);
  }
}
