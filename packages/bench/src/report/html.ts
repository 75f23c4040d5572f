/** @file The self-contained HTML report: charts as inline SVG, the terminal tables, shape checks, host speed, the profile. */
import { profileEntries } from '../profiles.ts';
import type { BenchReport } from '../results.ts';
import { chartSpecs, renderSvg } from './charts.ts';
import { renderTerminal } from './terminal.ts';

/** The HTML file name written into `--html DIR`. */
export const HTML_REPORT_FILE = 'index.html';

/** The report as one HTML page with no external references. */
export async function renderHtml(report: BenchReport): Promise<string> {
  const charts = chartSpecs(report);
  const figures: string[] = [];
  for (const c of charts) {
    const svg = await renderSvg(c.spec);
    figures.push(`<figure class="chart" id="${c.id}"><h2>${esc(c.title)}</h2>${svg}<figcaption>${esc(c.caption)}</figcaption></figure>`);
  }
  const profileRows = profileEntries(report.profile)
    .map(({ path, entry }) => `<tr><td>${esc(path)}</td><td class="n">${entry.value === null ? 'not yet fitted' : esc(String(entry.value))}</td><td>${esc(entry.kind)}${entry.inheritedFrom ? ` (from ${esc(entry.inheritedFrom)})` : ''}</td><td>${esc(entry.source)}${entry.formula ? ` <code>= ${esc(entry.formula)}</code>` : ''}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>x86virt bench — ${esc(report.profile.name)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; max-width: 70em; color: #222; }
figure.chart { margin: 2em 0; } figure.chart svg { max-width: 100%; height: auto; }
figcaption { font-size: 0.9em; color: #555; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.8em; }
table.profile { border-collapse: collapse; font-size: 0.85em; } table.profile td, table.profile th { border: 1px solid #ddd; padding: 0.2em 0.5em; vertical-align: top; }
td.n { text-align: right; white-space: nowrap; }
</style>
</head>
<body>
<h1>x86virt bench</h1>
<p>Adams &amp; Agesen (ASPLOS 2006) reproduced on the built-in frobos guest. Profile <b>${esc(report.profile.name)}</b>: ${esc(report.profile.machine)}.
Modes run: ${esc(report.modes.available.join(', ') || 'none')}${report.modes.missing.length ? `; not built: ${esc(report.modes.missing.map((m) => m.mode).join(', '))}` : ''}.</p>
${figures.join('\n')}
<section id="tables"><h2>Tables, shape checks and host speed</h2>
<pre>${esc(renderTerminal(report).join('\n'))}</pre></section>
<section id="profile"><h2>Cost profile ${esc(report.profile.name)}</h2>
<p>${esc(report.profile.description)}</p>
<table class="profile"><tr><th>value</th><th>number</th><th>kind</th><th>source</th></tr>
${profileRows}
</table></section>
</body>
</html>
`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
