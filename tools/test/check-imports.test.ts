/** @file Proves the import checker fails on each kind of forbidden import, and passes the allowed ones. */
import { describe, expect, it } from 'vitest';
import { checkConventions, checkFileImports, checkManifest, findImports } from '../src/index.ts';

const rules = (vs: { rule: string }[]): string[] => vs.map((v) => v.rule);

describe('findImports', () => {
  it('finds static, type-only, re-export, dynamic and require forms, with lines', () => {
    const src = [
      "import { a } from '@x86virt/mmu';",
      "import type { B } from './b.ts';",
      "export * from './c.ts';",
      "export { d } from '@x86virt/devices';",
      "const e = await import('node:fs');",
      "const f = require('path');",
      "import './side-effect.ts';",
      "// import { no } from '@x86virt/bench';",
    ].join('\n');
    expect(findImports(src)).toEqual([
      { specifier: '@x86virt/mmu', line: 1 },
      { specifier: './b.ts', line: 2 },
      { specifier: './c.ts', line: 3 },
      { specifier: '@x86virt/devices', line: 4 },
      { specifier: 'node:fs', line: 5 },
      { specifier: 'path', line: 6 },
      { specifier: './side-effect.ts', line: 7 },
    ]);
  });
});

describe('checkFileImports', () => {
  it('fails when a package imports one the table forbids', () => {
    expect(rules(checkFileImports('mmu', 'src/walk.ts', "import { x } from '@x86virt/x86-core';"))).toEqual(['forbidden-package']);
    expect(rules(checkFileImports('x86-core', 'src/a.ts', "import { x } from '@x86virt/devices';"))).toEqual(['forbidden-package']);
    expect(rules(checkFileImports('bt-vmm', 'src/a.ts', "import { x } from '@x86virt/hw-vmm';"))).toEqual(['forbidden-package']);
    expect(rules(checkFileImports('hw-vmm', 'src/a.ts', "import { x } from '@x86virt/bt-vmm';"))).toEqual(['forbidden-package']);
    expect(rules(checkFileImports('bench', 'src/a.ts', "import { x } from '@x86virt/cli';"))).toEqual(['forbidden-package']);
    expect(rules(checkFileImports('devices', 'src/a.ts', "import { x } from '@x86virt/mmu';"))).toEqual(['forbidden-package']);
  });

  it('fails on a deep path into another package', () => {
    expect(rules(checkFileImports('x86-core', 'src/a.ts', "import { walk } from '@x86virt/mmu/src/walk.ts';"))).toEqual(['deep-import']);
  });

  it('fails on a relative path that leaves the package', () => {
    expect(rules(checkFileImports('x86-core', 'src/cpu/a.ts', "import { walk } from '../../../mmu/src/walk.ts';"))).toEqual(['escapes-package']);
    expect(checkFileImports('x86-core', 'src/cpu/a.ts', "import { d } from '../decode/decode.ts';")).toEqual([]);
  });

  it('fails on node built-ins in browser packages, with or without the node: prefix', () => {
    expect(rules(checkFileImports('x86-core', 'src/a.ts', "import { readFileSync } from 'node:fs';"))).toEqual(['node-builtin']);
    expect(rules(checkFileImports('mmu', 'src/a.ts', "import * as path from 'path';"))).toEqual(['node-builtin']);
    expect(rules(checkFileImports('bt-vmm', 'src/a.ts', "const w = await import('node:worker_threads');"))).toEqual(['node-builtin']);
  });

  it('allows node built-ins in bench, cli, tools, and in tests and scripts of any package', () => {
    expect(checkFileImports('bench', 'src/a.ts', "import { readFileSync } from 'node:fs';")).toEqual([]);
    expect(checkFileImports('cli', 'src/a.ts', "import { readFileSync } from 'node:fs';")).toEqual([]);
    expect(checkFileImports('x86-core', 'test/a.test.ts', "import { execFileSync } from 'node:child_process';")).toEqual([]);
    expect(checkFileImports('x86-core', 'scripts/gen.ts', "import { writeFileSync } from 'node:fs';")).toEqual([]);
  });

  it('allows every edge of the table', () => {
    expect(checkFileImports('x86-core', 'src/a.ts', "import { walk } from '@x86virt/mmu';")).toEqual([]);
    expect(checkFileImports('hw-vmm', 'src/a.ts', "import { a } from '@x86virt/x86-core';\nimport { b } from '@x86virt/devices';")).toEqual([]);
    expect(checkFileImports('cli', 'src/a.ts', "import { b } from '@x86virt/bench';")).toEqual([]);
  });
});

describe('checkManifest', () => {
  it('fails on a forbidden or non-workspace dependency and on an undeclared import', () => {
    expect(rules(checkManifest('mmu', { '@x86virt/x86-core': 'workspace:*' }, new Set()))).toEqual(['forbidden-package']);
    expect(rules(checkManifest('x86-core', { '@x86virt/mmu': '^0.0.0' }, new Set(['mmu'])))).toEqual(['undeclared-dependency']);
    expect(rules(checkManifest('bt-vmm', {}, new Set(['x86-core'])))).toEqual(['undeclared-dependency']);
    expect(checkManifest('bt-vmm', { '@x86virt/x86-core': 'workspace:*' }, new Set(['x86-core']))).toEqual([]);
  });
});

describe('checkConventions', () => {
  it('wants a header, a kebab-case name and named exports only', () => {
    expect(checkConventions('src/good-name.ts', '/** @file A file. */\nexport const a = 1;\n')).toEqual([]);
    expect(rules(checkConventions('src/BadName.ts', '/** @file A file. */\n'))).toEqual(['convention']);
    expect(rules(checkConventions('src/a.ts', 'export const a = 1;\n'))).toEqual(['convention']);
    expect(rules(checkConventions('src/a.ts', '/** @file A. */\nexport default 1;\n'))).toEqual(['convention']);
    expect(rules(checkConventions('src/a.ts', '/** @file A. */\nexport enum E { A }\n'))).toEqual(['convention']);
  });
});
