/** @file Finds the import specifiers of a source file and judges each against the dependency table. */
import ts from 'typescript';
import { ALLOWED_IMPORTS, NODE_BUILTINS, NODE_FOLDERS, NODE_PACKAGES, SCOPE, type PackageName } from './rules.ts';

/** One broken rule, with the file and line it was found on. */
export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly rule: 'forbidden-package' | 'deep-import' | 'node-builtin' | 'escapes-package' | 'undeclared-dependency' | 'convention';
  readonly message: string;
}

/** A module specifier found in source text, with its 1-based line. */
export interface ImportSite {
  readonly specifier: string;
  readonly line: number;
}

/**
 * Every static and dynamic import, re-export and require in `source`, found by TypeScript's
 * own scanner, so comments and string literals never count.
 */
export function findImports(source: string): ImportSite[] {
  const info = ts.preProcessFile(source, true, true);
  const lineOf = (pos: number): number => source.slice(0, pos).split('\n').length;
  return info.importedFiles.map((f) => ({ specifier: f.fileName, line: lineOf(f.pos) })).sort((a, b) => a.line - b.line);
}

/**
 * Judges one file. `relPath` is the file's path relative to its package root, with `/`
 * separators (e.g. `src/decode/decode.ts`); it decides where Node.js built-ins are allowed
 * and how far a relative import may climb.
 */
export function checkFileImports(pkg: PackageName, relPath: string, source: string): Violation[] {
  const out: Violation[] = [];
  const nodeOk = NODE_PACKAGES.has(pkg) || NODE_FOLDERS.some((f) => relPath.startsWith(f));
  const depth = relPath.split('/').length - 1;
  for (const { specifier, line } of findImports(source)) {
    const at = { file: relPath, line };
    if (specifier.startsWith(SCOPE)) {
      const rest = specifier.slice(SCOPE.length);
      const [name, ...sub] = rest.split('/');
      const target = name as PackageName;
      if (sub.length > 0) {
        out.push({ ...at, rule: 'deep-import', message: `'${specifier}' reaches inside ${SCOPE}${name}; import from '${SCOPE}${name}' only` });
      }
      if (target !== pkg && !ALLOWED_IMPORTS[pkg]?.includes(target) && !isTestOnlyTools(target, relPath)) {
        out.push({ ...at, rule: 'forbidden-package', message: `${SCOPE}${pkg} may not import ${SCOPE}${name} (ARCHITECTURE.md §1)` });
      }
    } else if (specifier.startsWith('node:') || NODE_BUILTINS.has(specifier)) {
      if (!nodeOk) {
        out.push({ ...at, rule: 'node-builtin', message: `'${specifier}' is a Node.js built-in; ${SCOPE}${pkg}/src must also run in a browser` });
      }
    } else if (specifier.startsWith('.')) {
      const ups = specifier.split('/').filter((s) => s === '..').length;
      if (ups > depth) {
        out.push({ ...at, rule: 'escapes-package', message: `'${specifier}' leaves the package; import other packages by name` });
      }
    }
  }
  return out;
}

/** Any package's tests may use the repository tooling. */
function isTestOnlyTools(target: string, relPath: string): boolean {
  return target === 'tools' && relPath.startsWith('test/');
}

/**
 * Judges a package.json: every `@x86virt/*` runtime dependency must be allowed by the table,
 * and every workspace package imported by `src/` must be declared.
 */
export function checkManifest(pkg: PackageName, dependencies: Readonly<Record<string, string>>, importedBySrc: ReadonlySet<string>): Violation[] {
  const out: Violation[] = [];
  for (const dep of Object.keys(dependencies)) {
    if (!dep.startsWith(SCOPE)) continue;
    const name = dep.slice(SCOPE.length) as PackageName;
    if (!ALLOWED_IMPORTS[pkg]?.includes(name)) {
      out.push({ file: 'package.json', line: 1, rule: 'forbidden-package', message: `dependency ${dep} is not allowed for ${SCOPE}${pkg} (ARCHITECTURE.md §1)` });
    }
    if (dependencies[dep] !== 'workspace:*') {
      out.push({ file: 'package.json', line: 1, rule: 'undeclared-dependency', message: `workspace dependency ${dep} must use "workspace:*"` });
    }
  }
  for (const name of importedBySrc) {
    if (!(SCOPE + name in dependencies) && name !== pkg) {
      out.push({ file: 'package.json', line: 1, rule: 'undeclared-dependency', message: `src imports ${SCOPE}${name} but package.json does not depend on it` });
    }
  }
  return out;
}
