/** @file Hardware-VMM modes (`hw-shadow`, `hw-nested`): the guest in SVM guest mode under hw-vmm, run to its end like native mode. */
import { HwVmm, type HwMmu, type MonitorCosts } from '@x86virt/hw-vmm';
import { DEFAULT_ENGINE, type CostProfile } from '@x86virt/x86-core';
import { monitorCostValues, type MonitorCostOverrides } from '../fit/monitor-costs.ts';
import { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions } from './guest-run.ts';
import { hashMonitorRegions, hwMonitorRegions } from './monitor-memory.ts';
import { flattenCounters, retired } from './native.ts';

/** The hardware VMM's software costs from the bench profile of the same name (null = not fitted: charged 0, counted as `monitor.*.notFitted`), with `overrides`. */
export function hwCostsOf(profile: CostProfile, overrides: MonitorCostOverrides = {}): MonitorCosts {
  const m = monitorCostValues(profile.name, overrides);
  return { hwIoExit: m.hwIoExit, hwPageFaultExit: m.hwPageFaultExit, hwTraceExit: m.hwTraceExit };
}

/** Runs `image` under the hardware VMM with `mmu` paging until it exits, resets, shuts down, hangs or uses up its budget. */
export function runHw(image: Uint8Array, profile: CostProfile, mmu: HwMmu, opts: GuestRunOptions = {}): GuestRun {
  const bytes: number[] = [];
  const vmm = new HwVmm(image, {
    mmu,
    cost: profile,
    monitorCosts: hwCostsOf(profile, opts.monitorCosts),
    memMiB: opts.memMiB ?? 64,
    cmdline: opts.cmdline ?? '',
    ...(opts.initrd !== undefined ? { initrd: opts.initrd } : {}),
    ...(opts.serialInput !== undefined ? { serialSource: opts.serialInput } : {}),
    ...(opts.disks !== undefined ? { disks: opts.disks } : {}),
    serialSink: (b) => {
      bytes.push(b);
      opts.onSerial?.(b);
    },
  });
  vmm.engine.useEngine(opts.engine ?? DEFAULT_ENGINE);
  opts.onBoard?.(vmm.board);
  const regions = opts.auditMonitor === true ? hwMonitorRegions(vmm.layout, mmu === 'nested') : [];
  const before = hashMonitorRegions(vmm.board.ram, regions);
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
    arch: vmm.guestArchState(),
    compiledBlocks: vmm.engine.compiledBlocks,
    ...(opts.auditMonitor === true ? { monitorDigest: { before, after: hashMonitorRegions(vmm.board.ram, regions) } } : {}),
  };
}
