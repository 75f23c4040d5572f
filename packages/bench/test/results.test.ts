/** @file RESULT-line parsing (on frobos's QEMU golden), and the report's JSON round trip. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { macroLine, nanoLine, parseResultLines, reportFromJson, reportToJson, ResultsError } from '../src/index.ts';
import { paperAsOurs, syntheticReport } from './fixtures/synthetic-report.ts';

describe('parseResultLines', () => {
  it("reads every RESULT line of frobos's QEMU golden (full run)", () => {
    const golden = readFileSync(join(import.meta.dirname, '..', 'guests', 'frobos', 'golden', 'full.txt'), 'latin1');
    const lines = parseResultLines(golden);
    expect(lines.map((l) => `${l.suite} ${l.name}`)).toEqual([
      'nano syscall', 'nano sysenter', 'nano in', 'nano cr8wr', 'nano call/ret', 'nano pgfault', 'nano divzero', 'nano ptemod',
      'macro forkwait', 'macro compute', 'macro iomix',
    ]);
    const cr8 = nanoLine(lines[3]!);
    expect(cr8).toEqual({ name: 'cr8wr', cycles: null, total: null, iterations: null, overhead: null, unsupported: 'cpuid-altmovcr8-absent' });
    const fw = macroLine(lines[8]!);
    expect([fw.name, fw.checksum, fw.size]).toEqual(['forkwait', '1e2e0979', 40000]);
  });

  it('reads fields and words of one line exactly', () => {
    const [l] = parseResultLines('noise\nRESULT nano in cycles=3209 total=32100000 iterations=10000 overhead=10000\r\nDONE ok\n');
    expect(l).toEqual({ suite: 'nano', name: 'in', fields: { cycles: '3209', total: '32100000', iterations: '10000', overhead: '10000' }, words: [] });
    expect(nanoLine(l!)).toEqual({ name: 'in', cycles: 3209, total: 32100000, iterations: 10000, overhead: 10000 });
    const [m] = parseResultLines('RESULT macro compute cycles=123 checksum=3f3a0ff0 in=262144 out=5000');
    expect(macroLine(m!)).toEqual({ name: 'compute', cycles: 123, checksum: '3f3a0ff0', size: 262144 });
  });
});

describe('report JSON', () => {
  it('round-trips a report exactly', () => {
    const r = syntheticReport(paperAsOurs(), ['hw-nested']);
    const back = reportFromJson(reportToJson(r));
    expect(back).toEqual(r);
    expect(back.results).toHaveLength(21);
  });

  it('rejects what is not a report', () => {
    expect(() => reportFromJson('{')).toThrow(ResultsError);
    expect(() => reportFromJson('{"a":1}')).toThrow(/not an x86virt bench report/);
    expect(() => reportFromJson('{"format":"x86virt-bench","version":2}')).toThrow(/version 2/);
  });
});
