/** @file The Debian i386 Linux guest (guests/linux): where its fetched and built files live, how to prepare them, and how its serial log is compared. */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUESTS_DIR } from '../guests.ts';

/** The guest's scripts (committed) and its cache of downloaded and built files (git-ignored). */
export const LINUX_GUEST_DIR = join(GUESTS_DIR, 'linux');
export const LINUX_CACHE_DIR = join(GUESTS_DIR, '..', '..', '..', '.cache', 'linux');

/** The kernel command line of every run: serial console, no PCI/ACPI/APIC (the board's devices only). */
export const LINUX_BASE_CMDLINE = 'console=ttyS0 pci=off acpi=off nolapic noapic';

/** Guest RAM for the Linux guest, MiB (the kernel needs 48 at least; QEMU's reference uses 64). */
export const LINUX_MEM_MIB = 64;

/** The command line that runs forkwait with `forks` iterations under /init. */
export function forkwaitCmdline(forks: number): string {
  return `${LINUX_BASE_CMDLINE} workload=forkwait forks=${forks}`;
}

/** The kernel and initramfs bytes, or why they are not there. */
export type LinuxGuestFiles = { readonly ok: true; readonly kernel: Uint8Array; readonly initrd: Uint8Array; readonly versions: string } | { readonly ok: false; readonly reason: string };

/** Reads the cached kernel and initramfs (after `prepareLinuxGuest`). */
export function linuxGuestFiles(cache = LINUX_CACHE_DIR): LinuxGuestFiles {
  const kernel = join(cache, 'vmlinuz');
  const initrd = join(cache, 'initramfs.cpio.gz');
  for (const f of [kernel, initrd]) if (!existsSync(f)) return { ok: false, reason: `${f} is missing: run guests/linux/fetch and guests/linux/build-initramfs` };
  const versionsFile = join(cache, 'versions');
  return {
    ok: true,
    kernel: new Uint8Array(readFileSync(kernel)),
    initrd: new Uint8Array(readFileSync(initrd)),
    versions: existsSync(versionsFile) ? readFileSync(versionsFile, 'utf8').trim().replace(/\n/g, ', ') : 'unknown versions',
  };
}

/**
 * Makes sure the cache holds the kernel and the initramfs: runs `fetch` (apt) and
 * `build-initramfs` (gcc -m32 -static) when a file is missing. Returns the files, or the reason
 * they cannot be had (no apt, no network, no i386 libc…), taken from the scripts' last line.
 */
export function prepareLinuxGuest(cache = LINUX_CACHE_DIR): LinuxGuestFiles {
  const have = linuxGuestFiles(cache);
  if (have.ok) return have;
  for (const script of ['fetch', 'build-initramfs']) {
    const r = spawnSync(join(LINUX_GUEST_DIR, script), ['--cache', cache], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      const why = r.error?.message ?? (`${r.stderr ?? ''}`.trim().split('\n').pop() || `exit status ${r.status}`);
      return { ok: false, reason: `guests/linux/${script} failed: ${why}` };
    }
  }
  return linuxGuestFiles(cache);
}

/** A serial log with the printk timestamps masked and CR dropped: the content that must agree across modes and with QEMU. */
export function maskLinuxLog(serial: string): string {
  return serial.replace(/\r/g, '').replace(/^\[ *\d+\.\d+\] /gm, '[T] ');
}

/**
 * Lines whose numbers (and signs) the kernel measured against a clock: TSC calibration against the PIT,
 * BogoMIPS, clocksource limits, audit and RTC times, sched_clock offsets. A monitor's own work
 * moves the modeled clock between two timer reads, so these legitimately differ across modes.
 */
const MEASURED = /tsc: Detected|max_cycles:|BogoMIPS|audit\(|setting system clock|sched_clock: Marking stable/;

/**
 * The TSC calibration the kernel chose: the fast PIT calibration (quick_pit_calibrate) gives up
 * when the TSC moves too far between two PIT reads — as it does when each read is an exit costing
 * thousands of modeled cycles — and the kernel then prints which slower method it used.
 */
const TSC_CALIBRATION = /^(\[T\] tsc: ).*calibration.*$/gm;

/**
 * The boot log as a comparable set: timestamps masked, the digits of clock-measured lines
 * masked, blank lines dropped, lines sorted (asynchronous initcalls finish in an order that
 * depends on the timer). Two modes that booted the same way give the same text.
 */
export function comparableLinuxLog(serial: string): string {
  return maskLinuxLog(serial)
    .replace(TSC_CALIBRATION, '$1(calibration method)')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (MEASURED.test(l) ? l.replace(/-?(0x)?[0-9a-f]*\d[0-9a-f]*/g, '#') : l))
    .sort()
    .join('\n');
}

/** The lines from "Run /init" on: what /init and the workload printed. */
export function afterInit(serial: string): string {
  const log = maskLinuxLog(serial);
  const at = log.indexOf('Run /init as init process');
  return at < 0 ? '' : log.slice(at);
}
