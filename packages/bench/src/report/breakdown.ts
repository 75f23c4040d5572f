/** @file Where the modeled time of a run went (like the paper's Figure 5), and perf-kvm-stat-style event tables. */
import type { CostProfile } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';
import type { RunResult } from '../results.ts';

/**
 * Counter naming the monitors follow (README "Counters"): an event kind K is counted as `K`
 * (`exit.ioio`, `callout.rdtsc`, `fault.hidden`, `trace.write`, `translate.insn`, `irq.window`) and its
 * modeled software+hardware cycles as `cycles.K`. The silicon's own events are priced here
 * from the profile: exceptions/interrupts (`vector.N` × exception), page walks
 * (`cpu.walkRefs` × walkRef), port and MMIO accesses (× io).
 */
export const MONITOR_EVENT_PREFIXES = ['exit.', 'callout.', 'fault.', 'trace.', 'translate.', 'irq.'] as const;

/** One slice of a run's modeled cycles. */
export interface TimeSlice {
  readonly category: string;
  readonly cycles: number;
}

/** The modeled cycles of one run by category; `guest instructions` is what remains. */
export function breakdown(r: RunResult, cost: CostProfile): TimeSlice[] {
  const c = r.counters;
  const slices: TimeSlice[] = [];
  let vectors = 0;
  for (const [k, v] of Object.entries(c)) if (k.startsWith('vector.')) vectors += v;
  const push = (category: string, cycles: number): void => {
    if (cycles > 0) slices.push({ category, cycles });
  };
  push('exceptions & interrupts', vectors * cost.exception);
  push('page walks', (c['cpu.walkRefs'] ?? 0) * cost.walkRef);
  push('port & MMIO I/O', ((c['cpu.portIo'] ?? 0) + (c['cpu.mmio'] ?? 0)) * cost.io);
  for (const [k, v] of Object.entries(c).sort(([a], [b]) => a.localeCompare(b))) if (k.startsWith('cycles.')) push(k.slice(7), v);
  const used = slices.reduce((s, x) => s + x.cycles, 0);
  slices.unshift({ category: 'guest instructions', cycles: Math.max(0, r.cycles - used) });
  return slices;
}

const VECTOR_NAMES: Readonly<Record<number, string>> = {
  0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF', 10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
};

/** A vector's name: `#PF (14)`, `int 0x80`, `irq/int 0x20`. */
export function vectorName(v: number): string {
  const n = VECTOR_NAMES[v];
  if (n !== undefined) return `${n} (${v})`;
  return v === 0x80 ? 'int 0x80' : `vector 0x${v.toString(16).padStart(2, '0')}`;
}

/** One row of an event table. */
export interface EventRow {
  readonly event: string;
  readonly count: number;
  /** Modeled cycles of these events (null when no cost is known for them). */
  readonly cycles: number | null;
}

/** The events of a set of runs of one mode, with counts and modeled cycles, most expensive first. */
export function eventRows(results: readonly RunResult[], cost: CostProfile): EventRow[] {
  const sum = new Map<string, number>();
  for (const r of results) for (const [k, v] of Object.entries(r.counters)) sum.set(k, (sum.get(k) ?? 0) + v);
  const rows: EventRow[] = [];
  for (const [k, v] of sum) {
    if (k.startsWith('vector.')) rows.push({ event: `exception/interrupt ${vectorName(Number(k.slice(7)))}`, count: v, cycles: v * cost.exception });
    else if (MONITOR_EVENT_PREFIXES.some((p) => k.startsWith(p))) rows.push({ event: k, count: v, cycles: sum.get(`cycles.${k}`) ?? null });
  }
  const tlb = sum.get('cpu.tlbMisses') ?? 0;
  if (tlb > 0) rows.push({ event: 'TLB miss (page walk)', count: tlb, cycles: (sum.get('cpu.walkRefs') ?? 0) * cost.walkRef });
  const io = sum.get('cpu.portIo') ?? 0;
  if (io > 0) rows.push({ event: 'port I/O', count: io, cycles: io * cost.io });
  const mmio = sum.get('cpu.mmio') ?? 0;
  if (mmio > 0) rows.push({ event: 'MMIO', count: mmio, cycles: mmio * cost.io });
  return rows.sort((a, b) => (b.cycles ?? -1) - (a.cycles ?? -1) || b.count - a.count || a.event.localeCompare(b.event));
}

/** Results of one mode. */
export function resultsOfMode(results: readonly RunResult[], mode: Mode): RunResult[] {
  return results.filter((r) => r.mode === mode);
}
