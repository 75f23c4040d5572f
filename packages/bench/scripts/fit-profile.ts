/** @file Fits a profile's monitor software costs on the nanobenchmarks and writes the values into its JSON file (`pnpm --filter @x86virt/bench fit [PROFILE]`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fitMonitorCosts, guestImagePath, loadProfile, toCostProfile } from '../src/index.ts';

const name = process.argv[2] ?? 'p4-2006';
const file = join(import.meta.dirname, '..', 'profiles', `${name}.json`);
const frobos = new Uint8Array(readFileSync(guestImagePath('frobos')!));
const fits = fitMonitorCosts(name, toCostProfile(loadProfile(name)), frobos);
let text = readFileSync(file, 'utf8');
for (const f of fits) {
  console.log(`${f.key.padEnd(18)} ${f.mode.padEnd(9)} ${f.workload.padEnd(9)} paper ${String(f.paper).padStart(6)}  without ${f.without.toFixed(1).padStart(9)}  runs/op ${f.perOp.toFixed(3)}  → ${f.value ?? `none (${f.reason})`}`);
  // Rewrite only this entry's value, keeping the file's layout (one entry per line).
  const re = new RegExp(`("${f.key}": \\{ "value": )(null|[0-9.]+)`);
  if (!re.test(text)) throw new Error(`${file}: no one-line entry for monitor.${f.key}`);
  text = text.replace(re, `$1${f.value ?? 'null'}`);
}
writeFileSync(file, text);
loadProfile(name);
console.log(`wrote ${file}`);
