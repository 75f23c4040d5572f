/** @file Bt mode: the software VMM owns the silicon — a board with monitor memory, bt-vmm's monitor, and the run loop's result. */
import { BT_MONITOR_MIB, BtMonitor, ZERO_BT_COSTS, type BtCosts } from '@x86virt/bt-vmm';
import { Board } from '@x86virt/devices';
import { archState, DEFAULT_ENGINE, type CostProfile } from '@x86virt/x86-core';
import { monitorCostValues, type MonitorCostOverrides } from '../fit/monitor-costs.ts';
import { loadProfile, PROFILE_NAMES } from '../profiles.ts';
import { DEFAULT_MAX_INSNS, type GuestRun, type GuestRunOptions } from './guest-run.ts';
import { btMonitorRegions, hashMonitorRegions } from './monitor-memory.ts';
import { flattenCounters } from './native.ts';

/** A guest under the software VMM: the board and the monitor (which owns the silicon). */
export interface BtMachineSetup {
  readonly board: Board;
  readonly monitor: BtMonitor;
}

/** The monitor's software costs from the bench profile of the same name (`bt` and `monitor` sections; null = not fitted = 0), with `overrides`. */
export function btCostsOf(profile: CostProfile, overrides: MonitorCostOverrides = {}): BtCosts {
  if (!(PROFILE_NAMES as readonly string[]).includes(profile.name)) return ZERO_BT_COSTS;
  const p = loadProfile(profile.name);
  const m = monitorCostValues(profile.name, overrides);
  return {
    translatePerInsn: p.bt.translatePerInsn.value ?? 0,
    callout: p.bt.calloutRdtsc.value ?? 0,
    syscall: m.btSyscallCallout ?? 0,
    faultReflect: m.btFaultReflect ?? 0,
    pageFault: m.btPageFault ?? 0,
    traceCallout: m.btTraceCallout ?? 0,
  };
}

/** Builds the bt-mode machine for `image`: board with guest RAM plus monitor memory, kernel loaded, monitor started. */
export function createBtMachine(image: Uint8Array, profile: CostProfile, opts: GuestRunOptions, serialSink: (byte: number) => void): BtMachineSetup {
  const board = new Board({ cpuHz: Math.round(profile.hz), memMiB: opts.memMiB ?? 64, monitorMiB: BT_MONITOR_MIB, serialSink, ...(opts.serialInput !== undefined ? { serialSource: opts.serialInput } : {}), ...(opts.disks !== undefined ? { disks: opts.disks } : {}) });
  const load = board.loadKernel(image, { cmdline: opts.cmdline ?? '', ...(opts.initrd !== undefined ? { initrd: opts.initrd } : {}) });
  opts.onBoard?.(board);
  const monitor = new BtMonitor({ machine: board, profile, costs: btCostsOf(profile, opts.monitorCosts) });
  board.setCycleSource(() => monitor.cycles);
  monitor.engine.useEngine(opts.engine ?? DEFAULT_ENGINE);
  monitor.vcpuEngine.useEngine(opts.engine ?? DEFAULT_ENGINE);
  monitor.start(load.state);
  return { board, monitor };
}

/** Runs `image` under the binary-translating monitor until it exits, resets, shuts down, hangs or uses up its budget. */
export function runBt(image: Uint8Array, profile: CostProfile, opts: GuestRunOptions = {}): GuestRun {
  const bytes: number[] = [];
  const sink = (b: number): void => {
    bytes.push(b);
    opts.onSerial?.(b);
  };
  const { board, monitor } = createBtMachine(image, profile, opts, sink);
  const regions = opts.auditMonitor === true ? btMonitorRegions(board.monitorBase) : [];
  const before = hashMonitorRegions(board.ram, regions);
  const start = performance.now();
  const stop = monitor.run(opts.maxInsns ?? DEFAULT_MAX_INSNS);
  const hostMs = performance.now() - start;
  const counters = flattenCounters(monitor.silicon.counters, board.bus.accessCounts());
  const { calloutsByKind, eventCounts, eventCycles, ...plain } = monitor.stats;
  for (const [k, v] of Object.entries(plain)) if (v !== 0) counters[`bt.${k}`] = v;
  for (const [kind, n] of Object.entries(calloutsByKind)) counters[`bt.callout.${kind}`] = n;
  for (const [event, n] of Object.entries(eventCounts)) counters[event] = n;
  for (const [event, c] of Object.entries(eventCycles)) counters[`cycles.${event}`] = c;
  counters['translate.insn'] = monitor.stats.translatedInsns;
  counters['cycles.translate.insn'] = monitor.stats.translatedInsns * btCostsOf(profile).translatePerInsn;
  for (const [k, v] of Object.entries(monitor.pager.counters)) if (v !== 0) counters[`shadow.${k}`] = v;
  return {
    mode: 'bt',
    stop,
    serial: Buffer.from(bytes).toString('latin1'),
    instructions: monitor.retired,
    cycles: monitor.cycles,
    hz: profile.hz,
    hostMs,
    counters,
    arch: archState(monitor.guestState()),
    compiledBlocks: monitor.engine.compiledBlocks + monitor.vcpuEngine.compiledBlocks,
    ...(opts.auditMonitor === true ? { monitorDigest: { before, after: hashMonitorRegions(board.ram, regions) } } : {}),
  };
}
