/** @file The project's style rules that a type checker cannot see: file headers, file names, named exports. */
import type { Violation } from './check-imports.ts';

const KEBAB = /^[a-z0-9]+(?:[-.][a-z0-9]+)*\.(?:ts|mts|mjs|js)$/;

/** Judges one source file against ARCHITECTURE.md §10 conventions 1, 8 and 9. */
export function checkConventions(relPath: string, source: string): Violation[] {
  const out: Violation[] = [];
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  if (!KEBAB.test(base)) {
    out.push({ file: relPath, line: 1, rule: 'convention', message: `file name '${base}' is not kebab-case` });
  }
  const first = source.replace(/^#![^\n]*\n/, '').trimStart();
  if (!first.startsWith('/** @file ')) {
    out.push({ file: relPath, line: 1, rule: 'convention', message: "file must start with a one-line '/** @file … */' header" });
  }
  const lines = source.split('\n');
  lines.forEach((text, i) => {
    if (/^\s*export\s+default\b/.test(text)) {
      out.push({ file: relPath, line: i + 1, rule: 'convention', message: 'default export: use named exports only' });
    }
    if (/^\s*(?:export\s+)?(?:const\s+)?enum\s+\w+/.test(text)) {
      out.push({ file: relPath, line: i + 1, rule: 'convention', message: 'enum: use an `as const` object instead' });
    }
  });
  return out;
}
