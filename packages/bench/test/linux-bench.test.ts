/** @file The Linux suite's table: fork time between the serial marks, the ratio to native, the paper's ratios, host times and QEMU's line. */
import { describe, expect, it } from 'vitest';
import { renderLinuxBench, type LinuxBenchReport, type LinuxModeResult } from '../src/index.ts';

const HZ = 1e9;

/** A finished run whose forks took `forkCycles` modeled cycles and `hostForks` host seconds. */
function result(mode: LinuxModeResult['mode'], forkCycles: number, hostForks: number): LinuxModeResult {
  const forksStart = { cycles: 5e9, hostSeconds: 100 };
  return {
    mode,
    init: { cycles: 4.9e9, hostSeconds: 99.5 },
    forksStart,
    forksEnd: { cycles: forksStart.cycles + forkCycles, hostSeconds: forksStart.hostSeconds + hostForks },
    forkSeconds: forkCycles / HZ,
    totalHostSeconds: 110,
    instructions: 2_200_000_000,
    ok: true,
    stop: 'exit 0',
  };
}

const report: LinuxBenchReport = {
  versions: 'linux-image-6.1.0-57-686 6.1.192-3, busybox-static 1:1.35.0-4',
  forks: 1000,
  profile: 'p4-2006',
  modes: [
    result('native', 150_000_000, 4),
    result('bt', 600_000_000, 9.5),
    { ...result('hw-shadow', 0, 0), forksEnd: null, forkSeconds: 0, ok: false, stop: 'budget' },
    result('hw-nested', 180_000_000, 4.5),
  ],
  qemu: { initSeconds: 9.3, forkSeconds: 1.5, totalSeconds: 11 },
  unavailable: null,
};

describe('renderLinuxBench', () => {
  const lines = renderLinuxBench(report);

  it('prints one row per mode with the modeled fork seconds, the ratio to native and the paper ratio', () => {
    const native = lines.find((l) => l.startsWith('native '))!;
    const bt = lines.find((l) => l.startsWith('bt '))!;
    expect(native.split(/\s{2,}/)).toEqual(['native', '0.1500', '1.0×', '1.0×', '99.5', '4.0', '110.0', '20.0', 'ok']);
    // 0.6 / 0.15 = 4.0×; the paper's P4 BT ratio is 36.9 / 6.0 = 6.1×.
    expect(bt.split(/\s{2,}/)).toEqual(['bt', '0.6000', '4.0×', '6.1×', '99.5', '9.5', '110.0', '20.0', 'ok']);
  });

  it('shows a run that never printed "forkwait N" as failed, with dashes for what it did not reach', () => {
    const hw = lines.find((l) => l.startsWith('hw-shadow '))!;
    expect(hw.split(/\s{2,}/)).toEqual(['hw-shadow', '—', '—', '17.7×', '99.5', '—', '110.0', '20.0', 'FAILED (budget)']);
  });

  it('gives hw-nested no paper ratio: the paper measured VT with shadow paging only', () => {
    const nested = lines.find((l) => l.startsWith('hw-nested '))!;
    expect(nested.split(/\s{2,}/)).toEqual(['hw-nested', '0.1800', '1.2×', '—', '99.5', '4.5', '110.0', '20.0', 'ok']);
  });

  it("ends with QEMU TCG's times from the same run", () => {
    expect(lines.at(-1)).toBe('QEMU TCG (same images, same host, this run): /init after 9.3 s, 1000 forks in 1.5 s, done after 11.0 s');
  });

  it('says why when the packages could not be had', () => {
    expect(renderLinuxBench({ ...report, modes: [], qemu: null, unavailable: 'guests/linux/fetch failed: no apt' })).toEqual(['linux suite not run: guests/linux/fetch failed: no apt']);
  });
});
