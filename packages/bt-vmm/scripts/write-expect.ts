/** @file Rewrites the translator's expect goldens (test/expect/<snippet>.txt): each guest snippet's CCF listing after a run under bt-vmm. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSnippet, SNIPPETS } from '../test/support/snippets.ts';

for (const s of SNIPPETS) {
  const r = runSnippet(s);
  const file = join(import.meta.dirname, '..', 'test', 'expect', `${s.name}.txt`);
  writeFileSync(file, `# ${s.description}: CCFs after the run (stop: ${JSON.stringify(r.stop)}); written by scripts/write-expect.ts\n${r.listing}`);
  console.log(`wrote ${file}`);
}
