/** @file The report's charts as Vega-Lite specifications, rendered to static SVG by Vega in node (no canvas). */
import type { TopLevelSpec } from 'vega-lite';
import { MODES, PAPER_MACRO, PAPER_NANO } from '../paper.ts';
import { toCostProfile } from '../profiles.ts';
import type { BenchReport } from '../results.ts';
import { breakdown } from './breakdown.ts';
import { forkwaitSeconds, modeState, nanoCycles, percentOfNative } from './numbers.ts';
import { paperForkwait } from './terminal.ts';

/** One chart of the report: an id (the HTML element id), a title, a caption and its spec. */
export interface ChartSpec {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

const SERIES_COLORS = {
  domain: ['native', 'bt', 'hw-shadow', 'hw-nested', 'paper native', 'paper BT', 'paper VT'],
  range: ['#4c78a8', '#f58518', '#e45756', '#b279a2', '#9ecae9', '#ffbf79', '#ff9d98'],
};

function notBuilt(report: BenchReport): string {
  const m = report.modes.missing.map((x) => x.mode);
  return m.length ? ` Not built (no bars, never faked): ${m.join(', ')}.` : '';
}

/** Every chart of the report (Figures 4, 2–3, forkwait, 5). */
export function chartSpecs(report: BenchReport): ChartSpec[] {
  const ours = MODES.filter((m) => modeState(report, m) === 'ran');
  const nano: { test: string; series: string; cycles: number }[] = [];
  for (const p of PAPER_NANO) {
    for (const m of ours) {
      const c = nanoCycles(report, p.guest, m);
      if (c !== null && c > 0) nano.push({ test: p.name, series: m, cycles: c });
    }
    nano.push({ test: p.name, series: 'paper native', cycles: p.native }, { test: p.name, series: 'paper BT', cycles: p.bt }, { test: p.name, series: 'paper VT', cycles: p.hw });
  }
  const macro: { workload: string; series: string; percent: number }[] = [];
  for (const w of report.workloads.filter((x) => x.suite === 'macro')) {
    for (const m of ours) {
      const pct = percentOfNative(report, w.name, m);
      if (pct !== null) macro.push({ workload: w.name, series: m, percent: pct });
    }
    const p = PAPER_MACRO.find((x) => x.workload === w.name);
    if (p !== undefined) macro.push({ workload: w.name, series: 'paper BT', percent: p.btPercent }, { workload: w.name, series: 'paper VT', percent: p.hwPercent });
  }
  const pf = paperForkwait(report);
  const fork: { series: string; seconds: number }[] = [];
  for (const m of ours) {
    const s = forkwaitSeconds(report, m);
    if (s !== null) fork.push({ series: m, seconds: s });
  }
  fork.push({ series: 'paper native', seconds: pf.native }, { series: 'paper BT', seconds: pf.bt }, { series: 'paper VT', seconds: pf.hw });
  const cost = toCostProfile(report.profile);
  const hz = cost.hz;
  const parts: { run: string; category: string; seconds: number }[] = [];
  for (const r of report.results) for (const s of breakdown(r, cost)) parts.push({ run: `${r.workload} · ${r.mode}`, category: s.category, seconds: s.cycles / hz });

  const color = { field: 'series', type: 'nominal', scale: SERIES_COLORS, title: null } as const;
  return [
    {
      id: 'chart-nano',
      title: 'Nanobenchmarks, cycles per operation (log scale; cf. Figure 4)',
      caption: `Ours under ${report.profile.name} beside the paper's Pentium 4 numbers.${notBuilt(report)}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: nano },
        mark: 'bar',
        width: { step: 40 },
        encoding: {
          x: { field: 'test', type: 'nominal', sort: PAPER_NANO.map((p) => p.name), title: null },
          xOffset: { field: 'series', type: 'nominal', sort: SERIES_COLORS.domain },
          // Bars start at the axis floor, as in Figure 4 (0.1 … 100 000 cycles): a log scale has no zero.
          y: { field: 'cycles', type: 'quantitative', scale: { type: 'log', domain: [0.1, 100_000] }, title: 'cycles per operation' },
          y2: { datum: 0.1 },
          color,
          tooltip: [{ field: 'series' }, { field: 'cycles' }],
        },
      },
    },
    {
      id: 'chart-macro',
      title: 'Macro workloads, % of native speed (cf. Figures 2–3)',
      caption: `Native cycles ÷ mode cycles. Paper: forkwait from its seconds; compute beside the SPECint 2000 mean.${notBuilt(report)}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: macro },
        mark: 'bar',
        width: { step: 14 },
        encoding: {
          x: { field: 'workload', type: 'nominal', title: null },
          xOffset: { field: 'series', type: 'nominal', sort: SERIES_COLORS.domain },
          y: { field: 'percent', type: 'quantitative', title: '% of native', scale: { domainMin: 0 } },
          color,
        },
      },
    },
    {
      id: 'chart-forkwait',
      title: `forkwait, seconds for 40 000 iterations at ${(hz / 1e9).toFixed(2)} GHz`,
      caption: `Ours scaled from the iterations run; the paper's measured seconds.${notBuilt(report)}`,
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: fork },
        mark: 'bar',
        encoding: {
          y: { field: 'series', type: 'nominal', sort: SERIES_COLORS.domain, title: null },
          x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
          color,
        },
      },
    },
    {
      id: 'chart-breakdown',
      title: 'Where the modeled time went, per run (cf. Figure 5)',
      caption: 'Modeled seconds by category: silicon events priced by the profile, monitor events as the monitors counted them (cycles.* counters), the rest guest instructions.',
      spec: {
        $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
        data: { values: parts },
        mark: 'bar',
        encoding: {
          y: { field: 'run', type: 'nominal', title: null, sort: null },
          x: { field: 'seconds', type: 'quantitative', title: 'modeled seconds', stack: 'normalize', axis: { format: '%' } },
          color: { field: 'category', type: 'nominal', title: 'category' },
        },
      },
    },
  ];
}

/**
 * Renders one Vega-Lite spec to a standalone SVG string. Vega and Vega-Lite (most of the CLI's
 * code by size) are imported here, on the first chart: every other command starts without them.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
