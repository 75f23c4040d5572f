/** @file Debian's i386 Linux with the busybox initramfs boots to /init and runs a short forkwait in every mode, with the same log in each and the same /init output as QEMU. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpuidLeaf } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { afterInit, comparableLinuxLog, forkwaitCmdline, LINUX_CACHE_DIR, LINUX_GUEST_DIR, LINUX_MEM_MIB, maskLinuxLog, prepareLinuxGuest } from '../src/linux/linux-guest.ts';
import { loadProfile, toCostProfile } from '../src/profiles.ts';
import { runGuest, type GuestRun } from '../src/index.ts';

const FORKS = 20;
const MAX_INSNS = 20_000_000_000;
const TIMEOUT_MS = 60 * 60 * 1000;

/**
 * Four Linux boots take about 3 minutes on a 2-core machine (2026-12-07). They run by default — the fetch needs
 * apt, and root the first time (to add the i386 architecture) — and skip, saying why, when the
 * packages cannot be fetched; `X86VIRT_LINUX=0` skips them on purpose.
 */
const disabled = process.env['X86VIRT_LINUX'] === '0';
const files = disabled ? ({ ok: false, reason: 'X86VIRT_LINUX=0 (unset it to fetch Debian\'s kernel and busybox and boot them in every mode, about 3 minutes on 2 cores)' } as const) : prepareLinuxGuest();
const leaf1 = new Int32Array(4);
cpuidLeaf(1, leaf1);
const hasFpu = (leaf1[3]! & 1) !== 0;
const skipReason = !files.ok ? files.reason : !hasFpu ? 'the silicon reports no x87 FPU (CPUID.1:EDX.FPU = 0), and Linux halts at its FPU check' : null;
if (skipReason !== null) console.warn(`linux.test.ts skipped: ${skipReason}`);
const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-i386'], { encoding: 'utf8' }).status === 0;

const profile = toCostProfile(loadProfile('p4-2006'));
const runs = new Map<string, GuestRun>();

function boot(mode: 'native' | 'bt' | 'hw-shadow' | 'hw-nested'): GuestRun {
  if (!files.ok) throw new Error(files.reason);
  const r = runGuest(mode, files.kernel, profile, { cmdline: forkwaitCmdline(FORKS), initrd: files.initrd, memMiB: LINUX_MEM_MIB, maxInsns: MAX_INSNS });
  runs.set(mode, r);
  return r;
}

/** What /init printed for a finished forkwait: the workload line, the count, status 0. */
const INIT_OUTPUT = `init: workload forkwait\nforkwait ${FORKS}\ninit: status 0\n`;

describe.skipIf(skipReason !== null)(`Linux guest (${files.ok ? files.versions : 'not available'})`, () => {
  it('native: boots to /init, runs forkwait, exits 0 through the exit port', { timeout: TIMEOUT_MS }, () => {
    const r = boot('native');
    expect(r.serial).toContain('Run /init as init process');
    expect(maskLinuxLog(r.serial)).toContain(INIT_OUTPUT);
    expect(r.stop).toEqual({ kind: 'exit', code: 0 });
  });

  for (const mode of ['bt', 'hw-shadow', 'hw-nested'] as const) {
    it(`${mode}: the same boot log (timestamps and clock measurements masked), the same /init output, the same exit`, { timeout: TIMEOUT_MS }, () => {
      const r = boot(mode);
      expect(maskLinuxLog(r.serial)).toContain(INIT_OUTPUT);
      expect(r.stop).toEqual({ kind: 'exit', code: 0 });
      const native = runs.get('native');
      if (native !== undefined) {
        expect(comparableLinuxLog(r.serial)).toBe(comparableLinuxLog(native.serial));
        expect(afterInit(r.serial)).toBe(afterInit(native.serial));
      }
    });
  }

  it.skipIf(!qemu)('QEMU (guests/linux/qemu-reference) prints the same from /init on', { timeout: TIMEOUT_MS }, () => {
    const q = spawnSync(join(LINUX_GUEST_DIR, 'qemu-reference'), ['--forks', String(FORKS), '--cache', LINUX_CACHE_DIR], { encoding: 'utf8' });
    expect(q.status, q.stderr).toBe(0);
    const log = join(LINUX_CACHE_DIR, `qemu-forkwait-${FORKS}.log`);
    expect(existsSync(log)).toBe(true);
    const reference = afterInit(readFileSync(log, 'latin1'));
    expect(reference).toContain(INIT_OUTPUT);
    const native = runs.get('native') ?? boot('native');
    expect(afterInit(native.serial)).toBe(reference);
  });
});
