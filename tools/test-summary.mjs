/** @file Adds up the per-package Vitest JSON reports of one test run into a single closing line. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = join(process.cwd(), '.reports');
let passed = 0;
let failed = 0;
let skipped = 0;
const packages = [];
for (const f of existsSync(dir) ? readdirSync(dir).filter((x) => x.endsWith('.json')).sort() : []) {
  const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  packages.push(`${f.replace(/\.json$/, '')} ${r.numPassedTests}`);
}
console.log(`per package (passed): ${packages.join(', ')}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (packages.length === 0 || passed === 0) {
  console.error('no test reports found: did the test task run?');
  process.exit(1);
}
process.exit(failed > 0 ? 1 : 0);
