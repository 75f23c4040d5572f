/** @file Fits each monitor software cost on its nanobenchmark (README "Cost profiles"): one constant per handler kind, solved from the paper's number with every other cost fixed. */
import type { CostProfile } from '@x86virt/x86-core';
import { runGuest } from '../machine/run-guest.ts';
import { PAPER_NANO, type Mode } from '../paper.ts';
import { loadProfile, MONITOR_KEYS } from '../profiles.ts';
import { nanoLine, parseResultLines } from '../results.ts';
import type { MonitorCostOverrides, MonitorKey } from './monitor-costs.ts';

/** Iterations of a fitting run: enough that the per-operation figure is exact to well under a cycle. */
export const FIT_ITERATIONS = 400;
/** The probe value a cost is set to, to measure how many times its handler runs per operation. */
const PROBE = 1000;

/** The outcome of fitting one cost. */
export interface MonitorFit {
  readonly key: MonitorKey;
  /** The frobos nanobenchmark and the mode it is fitted in. */
  readonly workload: string;
  readonly mode: Mode;
  /** The paper's cycles per operation for that nanobenchmark in that mode. */
  readonly paper: number;
  /** Our cycles per operation with this cost at 0 (all earlier fits applied). */
  readonly without: number;
  /** Handler runs per operation (the slope of cycles/op in this cost). */
  readonly perOp: number;
  /** The fitted cycles, or null when no non-negative value reproduces the paper. */
  readonly value: number | null;
  /** Why there is no value. */
  readonly reason?: string;
}

/** Cycles per operation of one nanobenchmark run (the guest's own `rdtsc` figures, overhead removed). */
function cyclesPerOp(image: Uint8Array, cost: CostProfile, mode: Mode, workload: string, monitorCosts: MonitorCostOverrides): number {
  const r = runGuest(mode, image, cost, { cmdline: `nano=${workload}:${FIT_ITERATIONS}`, monitorCosts, maxInsns: 500_000_000 });
  const line = parseResultLines(r.serial).find((l) => l.suite === 'nano' && l.name === workload);
  const n = line === undefined ? undefined : nanoLine(line);
  if (n === undefined || n.total === null || n.overhead === null || n.iterations === null) throw new Error(`fit: ${mode} ${workload} printed no result (stop: ${JSON.stringify(r.stop)})`);
  return (n.total - n.overhead) / n.iterations;
}

/**
 * Fits the monitor costs of profile `name` in `MONITOR_KEYS` order (hw: I/O, page fault, trace; bt:
 * syscall, fault reflection, page fault, trace), each with the earlier fits applied. A cost whose
 * handler never runs in its benchmark, or whose benchmark our model already puts above the paper
 * without it, gets no value (the reason says which).
 */
export function fitMonitorCosts(name: string, cost: CostProfile, frobos: Uint8Array): MonitorFit[] {
  const profile = loadProfile(name);
  const applied: Partial<Record<MonitorKey, number | null>> = {};
  const out: MonitorFit[] = [];
  for (const key of MONITOR_KEYS) {
    const entry = profile.monitor[key];
    const paperName = entry.fit?.on[0];
    const paper = PAPER_NANO.find((p) => p.name === paperName);
    if (paper === undefined) throw new Error(`fit: monitor.${key} is fitted on '${String(paperName)}', which is not one of the paper's nanobenchmarks`);
    const mode: Mode = key.startsWith('hw') ? 'hw-shadow' : 'bt';
    const target = mode === 'bt' ? paper.bt : paper.hw;
    const without = cyclesPerOp(frobos, cost, mode, paper.guest, { ...applied, [key]: 0 });
    const probed = cyclesPerOp(frobos, cost, mode, paper.guest, { ...applied, [key]: PROBE });
    const perOp = (probed - without) / PROBE;
    let value: number | null = null;
    let reason: string | undefined;
    if (perOp <= 0) reason = `the handler never runs in ${mode} ${paper.guest}`;
    else if (target < without) reason = `without it our model already gives ${Math.round(without)} cycles/op, above the paper's ${target}`;
    else value = Math.round((target - without) / perOp);
    applied[key] = value;
    out.push({ key, workload: paper.guest, mode, paper: target, without, perOp, value, ...(reason !== undefined ? { reason } : {}) });
  }
  return out;
}
