/** @file Checks the real repository: every package obeys the rules, and CI runs the README's test command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPackage, readPackage, workspacePackageDirs } from '../src/index.ts';

const root = join(import.meta.dirname, '..', '..');

describe('the workspace', () => {
  const dirs = workspacePackageDirs(root);

  it('has every package of ARCHITECTURE.md §1', () => {
    const names = dirs.map((d) => readPackage(d).name).sort();
    expect(names).toEqual(['bench', 'bt-vmm', 'cli', 'devices', 'hw-vmm', 'mmu', 'tools', 'x86-core']);
  });

  for (const dir of dirs) {
    it(`${dir.slice(root.length + 1)} breaks no import rule or convention`, () => {
      expect(checkPackage(readPackage(dir)).map((v) => `${v.file}:${v.line}: ${v.message}`)).toEqual([]);
    });
  }
});

describe('README and CI', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const quickStart = /## Quick start[\s\S]*?```(?:sh|bash)?\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = quickStart.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);

  it('has a Quick start of exactly two commands: the main job, then the tests', () => {
    expect(commands).toHaveLength(2);
  });

  it('runs the README test command in .ci/run', () => {
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const ciCommands = ci.split('\n').map((l) => l.replace(/#.*$/, '').trim());
    expect(ciCommands).toContain(commands[1]);
  });
});
