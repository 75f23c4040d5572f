/** @file Reads the workspace from disk: its packages, their manifests and their source files. */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { checkConventions } from './check-conventions.ts';
import { checkFileImports, checkManifest, findImports, type Violation } from './check-imports.ts';
import { PACKAGES, SCOPE, type PackageName } from './rules.ts';

/** One workspace package on disk. */
export interface WorkspacePackage {
  readonly name: PackageName;
  readonly dir: string;
  readonly dependencies: Readonly<Record<string, string>>;
}

/** Folders whose files are checked, relative to a package root. */
const CHECKED = ['src', 'test', 'scripts', 'bin'];
const SKIP = new Set(['node_modules', 'dist', 'fixtures', '.turbo']);

/** Reads the package in `dir`; throws if it is not one of the workspace packages. */
export function readPackage(dir: string): WorkspacePackage {
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name: string; dependencies?: Record<string, string> };
  const name = manifest.name.replace(SCOPE, '') as PackageName;
  if (!manifest.name.startsWith(SCOPE) || !PACKAGES.includes(name)) {
    throw new Error(`${manifest.name} is not a known workspace package (tools/src/rules.ts)`);
  }
  return { name, dir, dependencies: manifest.dependencies ?? {} };
}

/** The source files of a package that the rules apply to, relative to its root. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d)) {
      if (SKIP.has(entry)) continue;
      const p = join(d, entry);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(?:ts|mts|mjs)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  for (const f of CHECKED) if (existsSync(join(dir, f))) walk(join(dir, f));
  return out.sort();
}

/** All rule violations of one package: imports, manifest and conventions. */
export function checkPackage(pkg: WorkspacePackage): Violation[] {
  const out: Violation[] = [];
  const importedBySrc = new Set<string>();
  for (const rel of sourceFiles(pkg.dir)) {
    const source = readFileSync(join(pkg.dir, rel), 'utf8');
    out.push(...checkFileImports(pkg.name, rel, source), ...checkConventions(rel, source));
    if (rel.startsWith('src/')) {
      for (const { specifier } of findImports(source)) {
        if (specifier.startsWith(SCOPE)) importedBySrc.add(specifier.slice(SCOPE.length).split('/')[0] as string);
      }
    }
  }
  out.push(...checkManifest(pkg.name, pkg.dependencies, importedBySrc));
  return out;
}

/** The directories of every workspace package under `root`. */
export function workspacePackageDirs(root: string): string[] {
  const dirs: string[] = [join(root, 'tools')];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(root, group))) {
      if (existsSync(join(root, group, entry, 'package.json'))) dirs.push(join(root, group, entry));
    }
  }
  return dirs.sort();
}
