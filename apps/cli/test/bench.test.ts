/** @file `x86virt bench` and `x86virt stat` as a user runs them (bundled CLI): paper numbers, native results, not-built modes, JSON, HTML. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '..', 'dist', 'x86virt.mjs');
const x86virt = (...args: string[]) => spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('x86virt bench (bundled, worker threads)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'x86virt-bench-'));
  const json = join(dir, 'r.json');

  it('prints the paper numbers beside native results and marks the monitors not built', () => {
    const r = x86virt('bench', '--suite', 'nano', '--quick', '--json', json, '--html', join(dir, 'html'), '--workers', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('modes: native; not built: bt (not built), hw-shadow (not built), hw-nested (not built)');
    expect(r.stdout).toMatch(/^in +native +3 209 +3 209 +×1 +×1 +×1$/m);
    expect(r.stdout).toMatch(/^ +bt +not built +216 +— +— +×0\.067$/m);
    expect(r.stdout).toContain('ptemod    native ≪ bt ≪ hw  unknown');
    expect(r.stderr.trim().split('\n')).toHaveLength(8); // one progress line per job (not a TTY)
    expect(existsSync(join(dir, 'html', 'index.html'))).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.results).toHaveLength(8);
    expect(report.modes.missing.map((m: { mode: string }) => m.mode)).toEqual(['bt', 'hw-shadow', 'hw-nested']);
  }, 120_000);

  it('stat reads the JSON and prints events by kind per mode', () => {
    const r = x86virt('stat', json);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Analyze events for mode native \(8 runs; [\d ]+ modeled cycles, profile p4-2006\):$/);
    expect(lines[1]).toMatch(/^event +count +modeled cycles +share +cycles\/event$/);
    expect(r.stdout).toMatch(/^port I\/O +[\d ]+ +[\d ]+ +[\d.]+% +3 209$/m);
    expect(r.stdout).toContain('mode bt: not built');
  }, 60_000);

  it('stat rejects a file that is not a report with one line and status 2', () => {
    const r = x86virt('stat', join(import.meta.dirname, '..', 'package.json'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('bench rejects an unknown mode with one line and status 2', () => {
    const r = x86virt('bench', '--modes', 'vmx');
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("x86virt: unknown mode 'vmx' (modes: native, bt, hw-shadow, hw-nested, hw, all)");
  });
});
