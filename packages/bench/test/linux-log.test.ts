/** @file The Linux boot log comparison: printk timestamps, clock-measured numbers (with their signs) and the TSC calibration method are masked; everything else must agree. */
import { describe, expect, it } from 'vitest';
import { afterInit, comparableLinuxLog } from '../src/linux/linux-guest.ts';

const NATIVE = [
  '[    0.000000] tsc: Fast TSC calibration using PIT',
  '[    0.000000] tsc: Detected 3799.851 MHz processor',
  '[    0.451234] sched_clock: Marking stable (446311793, 4922207)->(451234000, 0)',
  '[    0.612000] Run /init as init process',
  'init: workload forkwait',
].join('\r\n');

describe('comparableLinuxLog', () => {
  it('masks timestamps, measured numbers with their signs and the calibration method a monitor changes', () => {
    const hw = [
      '[    0.000000] tsc: Using PIT calibration value',
      '[    0.000000] tsc: Detected 3801.002 MHz processor',
      '[    0.498800] sched_clock: Marking stable (496311793, -1386543)->(498800111, -1386543)',
      '[    0.700001] Run /init as init process',
      'init: workload forkwait',
    ].join('\n');
    expect(comparableLinuxLog(hw)).toBe(comparableLinuxLog(NATIVE));
    expect(comparableLinuxLog(NATIVE)).toBe(
      ['[T] Run /init as init process', '[T] sched_clock: Marking stable (#, #)->(#, #)', '[T] tsc: (calibration method)', '[T] tsc: Detected #.# MHz processor', 'init: workload forkwait'].join('\n'),
    );
  });

  it('keeps every other difference', () => {
    expect(comparableLinuxLog(NATIVE.replace('forkwait', 'shell'))).not.toBe(comparableLinuxLog(NATIVE));
    expect(comparableLinuxLog(`${NATIVE}\n[    0.9] Kernel panic`)).not.toBe(comparableLinuxLog(NATIVE));
  });

  it('afterInit keeps the lines from "Run /init" on, timestamps masked', () => {
    expect(afterInit(NATIVE)).toBe('Run /init as init process\ninit: workload forkwait');
  });
});
