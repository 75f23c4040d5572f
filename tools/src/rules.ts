/** @file The dependency table of ARCHITECTURE.md §1 as data: which workspace package may import which. */

/** Workspace package names, short form (`x86-core` for `@x86virt/x86-core`). */
export const PACKAGES = ['mmu', 'devices', 'x86-core', 'bt-vmm', 'hw-vmm', 'bench', 'cli', 'tools'] as const;

/** A workspace package, short form. */
export type PackageName = (typeof PACKAGES)[number];

/** For each package, the workspace packages its code may import (ARCHITECTURE.md §1). */
export const ALLOWED_IMPORTS: Readonly<Record<PackageName, readonly PackageName[]>> = {
  mmu: [],
  devices: [],
  'x86-core': ['mmu'],
  'bt-vmm': ['x86-core', 'mmu', 'devices'],
  'hw-vmm': ['x86-core', 'mmu', 'devices'],
  bench: ['x86-core', 'mmu', 'devices', 'bt-vmm', 'hw-vmm'],
  cli: ['x86-core', 'mmu', 'devices', 'bt-vmm', 'hw-vmm', 'bench'],
  tools: [],
};

/** Packages whose `src/` may use Node.js built-ins; the others must also run in a browser. */
export const NODE_PACKAGES: ReadonlySet<PackageName> = new Set<PackageName>(['bench', 'cli', 'tools']);

/**
 * Folders (relative to a package root) that never ship in the browser build and so may use
 * Node.js built-ins in any package: tests and build/golden scripts.
 */
export const NODE_FOLDERS: readonly string[] = ['test/', 'scripts/'];

/** The npm scope of the workspace packages. */
export const SCOPE = '@x86virt/';

/** Node.js built-in module names that may be imported without the `node:` prefix. */
export const NODE_BUILTINS: ReadonlySet<string> = new Set([
  'assert', 'async_hooks', 'buffer', 'child_process', 'cluster', 'console', 'crypto', 'dgram', 'dns',
  'events', 'fs', 'fs/promises', 'http', 'http2', 'https', 'inspector', 'module', 'net', 'os', 'path',
  'perf_hooks', 'process', 'querystring', 'readline', 'repl', 'stream', 'string_decoder', 'timers',
  'tls', 'tty', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
]);
