/** @file The HTML report: self-contained, every chart an inline SVG — checked in headless Chromium when installed. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { chartSpecs, renderHtml } from '../../src/index.ts';
import { paperAsOurs, syntheticReport } from '../fixtures/synthetic-report.ts';

const CHART_IDS = ['chart-nano', 'chart-macro', 'chart-forkwait', 'chart-breakdown'];
const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

const report = (): ReturnType<typeof syntheticReport> => {
  const d = paperAsOurs();
  return syntheticReport({ native: { ...d.native, macro: { forkwait: 6e6, compute: 5e7, iomix: 2e7 } }, bt: { ...d.bt, macro: { forkwait: 3.69e7, compute: 5.1e7, iomix: 3e7 } } }, ['hw-shadow', 'hw-nested']);
};

describe('renderHtml', () => {
  it('has one figure with an inline SVG per chart and no external references', async () => {
    const html = await renderHtml(report());
    expect(chartSpecs(report()).map((c) => c.id)).toEqual(CHART_IDS);
    for (const id of CHART_IDS) expect(html).toMatch(new RegExp(`<figure class="chart" id="${id}"><h2>[^<]*</h2><svg `));
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect(html).toContain('not built: hw-shadow, hw-nested');
  });

  it.skipIf(chromium === undefined)('loads in headless Chromium with every chart in the DOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'x86virt-html-'));
    const file = join(dir, 'index.html');
    writeFileSync(file, await renderHtml(report()));
    const r = spawnSync(chromium!, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const id of CHART_IDS) {
      const m = new RegExp(`<figure class="chart" id="${id}">.*?</figure>`, 's').exec(r.stdout);
      expect(m, id).not.toBeNull();
      expect(m![0]).toMatch(/<svg[^>]*class="marks"[\s\S]*<\/svg>/);
    }
  }, 90_000);
});
if (chromium === undefined) console.warn('html.test: chromium not installed (apt-get install -y chromium): the browser check is skipped');
