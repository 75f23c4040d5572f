/** @file `x86virt bench` and `x86virt stat` as a user runs them (bundled CLI): paper numbers beside every mode's results, JSON, HTML, event tables. */
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

  it('runs every mode and prints the paper numbers beside ours', () => {
    const r = x86virt('bench', '--suite', 'nano', '--quick', '--json', json, '--html', join(dir, 'html'), '--workers', '2');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('modes: native, bt, hw-shadow, hw-nested\n');
    expect(r.stdout).toMatch(/^in +native +3 209 +3 209 +×1 +×1 +×1$/m);
    // The monitors' numbers are predictions of the cost model: their shape is checked here, their values by the monitors' tests.
    expect(r.stdout).toMatch(/^ +bt +[\d ]+ +216 +×[\d.]+ +×[\d.]+ +×0\.067$/m);
    expect(r.stdout).toMatch(/^ +hw-shadow +[\d ]+ +15 826 +×[\d.]+ +×[\d.]+ +×4\.93$/m);
    expect(r.stdout).toMatch(/^ptemod +native ≪ bt ≪ hw +(holds|fails) /m);
    expect(r.stdout).toMatch(/^hw-nested +8 +[\d ]+ +[\d.]+ +[\d.]+$/m);
    expect(r.stderr.trim().split('\n')).toHaveLength(32); // one progress line per job (not a TTY)
    expect(existsSync(join(dir, 'html', 'index.html'))).toBe(true);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.results).toHaveLength(32);
    expect(report.modes.missing).toEqual([]);
  }, 120_000);

  it('stat reads the JSON and prints events by kind per mode, the monitors\' exits and callouts included', () => {
    const r = x86virt('stat', json);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Analyze events for mode native \(8 runs; [\d ]+ modeled cycles, profile p4-2006\):$/);
    expect(lines[1]).toMatch(/^event +count +modeled cycles +share +cycles\/event$/);
    expect(r.stdout).toMatch(/^port I\/O +[\d ]+ +[\d ]+ +[\d.]+% +3 209$/m);
    expect(r.stdout).toMatch(/^Analyze events for mode bt \(8 runs; /m);
    expect(r.stdout).toMatch(/^translate\.insn +[\d ]+ +[\d ]+ +[\d.]+% +2 300$/m);
    expect(r.stdout).toMatch(/^callout\.io +[\d ]+ /m);
    expect(r.stdout).toMatch(/^Analyze events for mode hw-nested \(8 runs; /m);
    expect(r.stdout).toMatch(/^exit\.ioio +[\d ]+ /m);
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
