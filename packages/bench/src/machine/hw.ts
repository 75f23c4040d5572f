/** @file Hardware-VMM modes (`hw-shadow`, `hw-nested`): the guest in SVM guest mode under hw-vmm, run to its end like native mode. */
import { HwVmm, type HwMmu, type MonitorCosts } from '@x86virt/hw-vmm';
import { archState, type CostProfile } from '@x86virt/x86-core';
import { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions } from './guest-run.ts';
import { flattenCounters, retired } from './native.ts';

/**
 * Runs `image` under the hardware VMM with `mmu` paging until it exits, resets, shuts down,
 * hangs or uses up its budget. `monitorCosts` are the profile's fitted monitor costs (default:
 * none fitted, charged 0 and counted as `monitor.*.notFitted`).
 */
export function runHw(image: Uint8Array, profile: CostProfile, mmu: HwMmu, opts: GuestRunOptions = {}, monitorCosts?: MonitorCosts): GuestRun {
  const bytes: number[] = [];
  const vmm = new HwVmm(image, {
    mmu,
    cost: profile,
    ...(monitorCosts !== undefined ? { monitorCosts } : {}),
    memMiB: opts.memMiB ?? 64,
    cmdline: opts.cmdline ?? '',
    serialSink: (b) => {
      bytes.push(b);
      opts.onSerial?.(b);
    },
  });
  const start = performance.now();
  const stop = vmm.run(opts.maxInsns ?? DEFAULT_MAX_INSNS);
  const hostMs = performance.now() - start;
  const cpu = vmm.cpu;
  return {
    mode: `hw-${mmu}`,
    stop,
    serial: Buffer.from(bytes).toString('latin1'),
    instructions: retired(cpu.counters),
    cycles: cpu.cycles,
    hz: profile.hz,
    hostMs,
    counters: { ...flattenCounters(cpu.counters, vmm.board.bus.accessCounts()), ...vmm.stats() },
    arch: archState(cpu),
  };
}
