/** @file Bundles the CLI into one runnable file, dist/x86virt.mjs (the only bundled package). */
import { build } from 'esbuild';

await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/x86virt.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies (commander) call require() for Node built-ins; give the ESM bundle one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __x86virtCreateRequire } from 'node:module';\nconst require = __x86virtCreateRequire(import.meta.url);" },
});
