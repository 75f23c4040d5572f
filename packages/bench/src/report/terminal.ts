/** @file Terminal tables per experiment: nanobenchmarks, macro workloads, forkwait, shape checks, host speed. */
import { MODES, PAPER_FORKWAIT, PAPER_FORKWAIT_CORE2, PAPER_FORKWAIT_ITERATIONS, PAPER_MACRO, paperNanoFor } from '../paper.ts';
import { toCostProfile } from '../profiles.ts';
import type { BenchReport } from '../results.ts';
import { NANO_WORKLOADS } from '../workloads.ts';
import { eventRows, resultsOfMode } from './breakdown.ts';
import { absentLabel, forkwaitSeconds, macroCycles, modeState, nanoCycles, paperFor, percentOfNative, ratio } from './numbers.ts';
import { checkShapes } from './shape-checks.ts';
import { formatNumber, formatRatio, formatTable } from './text-table.ts';

/** The paper's forkwait seconds for the report's profile (P4 by default). */
export function paperForkwait(report: BenchReport): { readonly native: number; readonly bt: number; readonly hw: number } {
  return report.profile.name === 'core2-2006' ? PAPER_FORKWAIT_CORE2 : PAPER_FORKWAIT;
}

/** Every table of a report, as lines. */
export function renderTerminal(report: BenchReport): string[] {
  const out: string[] = [];
  const hz = report.profile.silicon.hz.value ?? 0;
  out.push(`x86virt bench — suite ${report.suite}${report.quick ? ' (quick sizes)' : ''}, profile ${report.profile.name} (${formatNumber(hz / 1e9)} GHz modeled clock)`);
  const missing = report.modes.missing.map((m) => `${m.mode} (${m.reason})`);
  out.push(`modes: ${report.modes.available.length ? report.modes.available.join(', ') : 'none built yet'}${missing.length ? `; not built: ${missing.join(', ')}` : ''}`);
  for (const f of report.failures) out.push(`FAILED ${f.mode} ${f.workload}: ${f.message}`);
  const ran = (w: string): boolean => report.workloads.some((x) => x.name === w);
  if (report.suite !== 'macro') out.push('', ...nanoTable(report), '', ...shapeTable(report));
  if (report.suite !== 'nano') {
    out.push('', ...macroTable(report));
    if (ran('forkwait')) out.push('', ...forkwaitTable(report));
  }
  if (report.results.length > 0) out.push('', ...hostTable(report));
  return out;
}

/** Nanobenchmarks: cycles per op per mode, the paper's beside, ratios to native and to the paper. */
export function nanoTable(report: BenchReport): string[] {
  const rows: string[][] = [];
  for (const name of NANO_WORKLOADS) {
    const paper = paperNanoFor(name);
    const label = paper === undefined ? name : paper.name === name ? name : `${name} (paper: ${paper.name})`;
    let first = true;
    for (const mode of MODES) {
      if (modeState(report, mode) === 'not requested') continue;
      const ours = nanoCycles(report, name, mode);
      const p = paper === undefined ? null : paperFor(paper, mode);
      const native = nanoCycles(report, name, 'native');
      rows.push([
        first ? label : '',
        mode,
        ours === null ? absentLabel(report, name, mode) : formatNumber(ours),
        formatNumber(p),
        formatRatio(ratio(ours, p)),
        formatRatio(ratio(ours, native)),
        formatRatio(paper === undefined || p === null ? null : p / paper.native),
      ]);
      first = false;
    }
  }
  return [
    `Nanobenchmarks — cycles per operation (ours: frobos under ${report.profile.name}; paper: 3.8 GHz Pentium 4 672, Figure 4)`,
    ...formatTable(['test', 'mode', 'ours', 'paper', 'ours/paper', 'ours/native', 'paper/native'], rows),
  ];
}

/** Macro workloads: modeled cycles, seconds at the profile's clock, % of native, the paper's %. */
export function macroTable(report: BenchReport): string[] {
  const hz = report.profile.silicon.hz.value ?? 0;
  const rows: string[][] = [];
  for (const w of report.workloads.filter((x) => x.suite === 'macro')) {
    const paper = PAPER_MACRO.find((p) => p.workload === w.name);
    let first = true;
    for (const mode of MODES) {
      if (modeState(report, mode) === 'not requested') continue;
      const cycles = macroCycles(report, w.name, mode);
      const paperPct = paper === undefined ? null : mode === 'native' ? 100 : mode === 'bt' ? paper.btPercent : mode === 'hw-shadow' ? paper.hwPercent : null;
      const pct = percentOfNative(report, w.name, mode);
      rows.push([
        first ? w.name : '',
        mode,
        cycles === null ? absentLabel(report, w.name, mode) : formatNumber(cycles),
        cycles === null || hz === 0 ? '—' : `${(cycles / hz).toFixed(4)}`,
        pct === null ? '—' : `${pct.toFixed(1)}%`,
        paperPct === null ? '—' : `${paperPct.toFixed(1)}%`,
        first && paper !== undefined ? paper.label : '',
      ]);
      first = false;
    }
  }
  return [
    'Macro workloads — modeled cycles and % of native speed (higher is better; paper: Figures 2–3)',
    ...formatTable(['workload', 'mode', 'cycles', 'seconds', '% of native', 'paper %', 'paper counterpart'], rows),
  ];
}

/** forkwait in seconds for the paper's 40 000 iterations at the profile's clock. */
export function forkwaitTable(report: BenchReport): string[] {
  const paper = paperForkwait(report);
  const run = report.workloads.find((w) => w.name === 'forkwait')?.cmdline ?? '';
  const rows: string[][] = [];
  for (const mode of MODES) {
    if (modeState(report, mode) === 'not requested') continue;
    const s = forkwaitSeconds(report, mode);
    const p = mode === 'native' ? paper.native : mode === 'bt' ? paper.bt : mode === 'hw-shadow' ? paper.hw : null;
    const n = forkwaitSeconds(report, 'native');
    rows.push([mode, s === null ? absentLabel(report, 'forkwait', mode) : s.toFixed(2), p === null ? '—' : p.toFixed(1), formatRatio(ratio(s, p)), formatRatio(ratio(s, n)), formatRatio(p === null ? null : p / paper.native)]);
  }
  return [
    `forkwait — seconds for ${PAPER_FORKWAIT_ITERATIONS.toLocaleString('en-US').replace(/,/g, ' ')} fork/exit/wait at the profile's clock (ran ${run}, scaled)`,
    ...formatTable(['mode', 'ours s', 'paper s', 'ours/paper', 'ours/native', 'paper/native'], rows),
  ];
}

/** The §8 orderings: which hold on our numbers, and by how much (right/left ratios, ours vs paper). */
export function shapeTable(report: BenchReport): string[] {
  const rows = checkShapes(report).map((c) => [
    c.nano,
    c.ordering,
    c.verdict,
    c.steps.map((s) => `${s.right}/${s.left} ${formatRatio(s.oursRatio)}`).join(', '),
    c.steps.map((s) => `${s.right}/${s.left} ${formatRatio(s.paperRatio)}`).join(', '),
  ]);
  return [
    "Shape checks — the paper's orderings (shared/paper-facts.md §8; hw = hw-shadow; ≪ means ≥ 3×, ≈ within 10 %)",
    ...formatTable(['test', 'paper ordering', 'ours', 'ours: by how much', 'paper: by how much'], rows),
  ];
}

/** Host speed per mode: runs, guest instructions, host seconds, MIPS. */
export function hostTable(report: BenchReport): string[] {
  const rows: string[][] = [];
  for (const mode of report.modes.available) {
    const rs = resultsOfMode(report.results, mode);
    const insns = rs.reduce((s, r) => s + r.instructions, 0);
    const ms = rs.reduce((s, r) => s + r.hostMs, 0);
    rows.push([mode, String(rs.length), formatNumber(insns), (ms / 1000).toFixed(1), ms > 0 ? (insns / (ms * 1000)).toFixed(1) : '—']);
  }
  return [
    `Host speed — x86virt itself on this machine (${report.workers} worker thread${report.workers === 1 ? '' : 's'}, ${(report.hostMs / 1000).toFixed(1)} s wall)`,
    ...formatTable(['mode', 'runs', 'guest instructions', 'host s', 'guest MIPS'], rows),
  ];
}

/** `x86virt stat`: per mode, events by kind with counts, modeled cycles and share of the mode's cycles. */
export function statTables(report: BenchReport, workload?: string): string[] {
  const cost = toCostProfile(report.profile);
  const out: string[] = [];
  for (const mode of MODES) {
    const rs = resultsOfMode(report.results, mode).filter((r) => workload === undefined || r.workload === workload);
    if (rs.length === 0) continue;
    const total = rs.reduce((s, r) => s + r.cycles, 0);
    const rows = eventRows(rs, cost).map((e) => [
      e.event,
      formatNumber(e.count),
      e.cycles === null ? '—' : formatNumber(e.cycles),
      e.cycles === null || total === 0 ? '—' : `${((100 * e.cycles) / total).toFixed(2)}%`,
      e.cycles === null || e.count === 0 ? '—' : formatNumber(e.cycles / e.count),
    ]);
    if (out.length > 0) out.push('');
    out.push(`Analyze events for mode ${mode} (${workload ?? `${rs.length} runs`}; ${formatNumber(total)} modeled cycles, profile ${report.profile.name}):`);
    out.push(...formatTable(['event', 'count', 'modeled cycles', 'share', 'cycles/event'], rows));
  }
  for (const m of report.modes.missing) out.push('', `mode ${m.mode}: ${m.reason}`);
  return out;
}
