/** @file Bundles the CLI into one runnable file, dist/x86virt.mjs (the only bundled package). */
import { build } from 'esbuild';

await build({
  // The benchmark runner's worker threads load dist/bench-worker.mjs (see packages/bench/src/runner.ts).
  entryPoints: [
    { in: 'src/main.ts', out: 'x86virt' },
    { in: '../../packages/bench/src/worker-entry.ts', out: 'bench-worker' },
  ],
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  // Code shared by the two entries, and what they import dynamically (the report's chart renderer,
  // Vega: most of the code by size), goes into chunks loaded when first needed: startup parses less.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (commander) call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __x86virtCreateRequire } from 'node:module';\nconst require = __x86virtCreateRequire(import.meta.url);" },
});
