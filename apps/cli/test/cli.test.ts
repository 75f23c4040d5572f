/** @file The bundled x86virt command as a user runs it: version, help, bench smoke output, bad flags. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '..', 'dist', 'x86virt.mjs');
const x86virt = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8' });

describe('x86virt (bundled)', () => {
  it('is built into one runnable file', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  it('prints its version', () => {
    const r = x86virt('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('bench runs only the modes asked for; without native, ratios to native are absent, not made up', () => {
    const r = x86virt('bench', '--suite', 'nano', '--quick', '--modes', 'bt,hw');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('modes: bt, hw-shadow, hw-nested\n');
    expect(r.stdout).toMatch(/^sysenter \(paper: syscall\) +bt +[\d ]+ +2 308 +×[\d.]+ +— +×9\.54$/m);
    expect(r.stdout).not.toMatch(/^ +native /m);
  }, 120_000);

  it('rejects an unknown flag with one line and status 2', () => {
    const r = x86virt('bench', '--frobnicate');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });

  it('rejects a bad choice with one line and status 2', () => {
    const r = x86virt('bench', '--suite', 'everything');
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
