/** @file Native snapshots: save after N instructions + restore continues bit-identically to an uninterrupted run; bad snapshot files are refused in one line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cpu, restoreCpuState, saveCpuState, UNIT_PROFILE } from '@x86virt/x86-core';
import { Board } from '@x86virt/devices';
import {
  decodeSnapshot,
  encodeSnapshot,
  loadProfile,
  resumeNative,
  runNative,
  runNativeToSnapshot,
  SNAPSHOT_MAGIC,
  SnapshotError,
  toCostProfile,
  type GuestRun,
} from '../src/index.ts';

const profile = toCostProfile(loadProfile('p4-2006'));
const image = (name: string): Uint8Array => new Uint8Array(readFileSync(join(import.meta.dirname, '..', 'guests', name, `${name}.elf`)));

/** The counters a restore cannot reproduce: the decoded-block cache starts empty, so blocks are built again. */
const CACHE_COUNTERS = new Set(['cpu.blocksBuilt']);
const comparable = (r: GuestRun): Record<string, number> => Object.fromEntries(Object.entries(r.counters).filter(([k]) => !CACHE_COUNTERS.has(k)));

const CASES: readonly (readonly [string, string])[] = [
  ['hello', ''],
  ['t-interrupts', ''],
  ['t-paging', ''],
  ['t-smc', ''],
  ['t-system', ''],
  ['t-privilege', ''],
  ['frobos', 'nano=syscall:50'],
  ['frobos', 'nano=pgfault:50'],
];

describe('save at N, restore, run on = the uninterrupted run', () => {
  for (const [guest, cmdline] of CASES) {
    it(`${guest} ${cmdline}`.trim(), () => {
      const img = image(guest);
      const full = runNative(img, profile, { cmdline, maxInsns: 20_000_000 });
      expect(full.stop.kind).toBe('exit');
      for (const frac of [0.1, 0.55, 0.93]) {
        const n = Math.max(1, Math.floor(full.instructions * frac));
        const first = runNativeToSnapshot(img, profile, n, { cmdline });
        expect(first.run.stop).toEqual({ kind: 'budget', maxInsns: n });
        expect(first.run.instructions).toBe(n);
        const snap = decodeSnapshot(encodeSnapshot(first.snapshot!));
        expect(snap.instructions).toBe(n);
        const rest = resumeNative(snap, profile, { maxInsns: 20_000_000 });
        expect(first.run.serial + rest.serial, `N=${n}`).toBe(full.serial);
        expect(rest.stop).toEqual(full.stop);
        expect(rest.instructions).toBe(full.instructions);
        expect(rest.cycles).toBe(full.cycles);
        expect(rest.arch).toEqual(full.arch);
        expect(comparable(rest)).toEqual(comparable(full));
      }
    });
  }

  it('a restored run keeps counting toward the same --max-insns budget', () => {
    const img = image('t-paging');
    const first = runNativeToSnapshot(img, profile, 1000);
    const rest = resumeNative(first.snapshot!, profile, { maxInsns: 1500 });
    expect(rest.stop).toEqual({ kind: 'budget', maxInsns: 1500 });
    expect(rest.instructions).toBe(1500);
  });

  it('a restored run uses the engine asked for, with the same result either way', () => {
    const img = image('frobos');
    const first = runNativeToSnapshot(img, profile, 200_000, { cmdline: 'nano=syscall:50' });
    const interp = resumeNative(first.snapshot!, profile, { maxInsns: 20_000_000, engine: 'interp' });
    const jit = resumeNative(first.snapshot!, profile, { maxInsns: 20_000_000, engine: 'jit' });
    expect(interp.compiledBlocks).toBe(0);
    expect(jit.compiledBlocks).toBeGreaterThan(0);
    expect(interp.stop).toEqual(jit.stop);
    expect([interp.serial, interp.instructions, interp.cycles]).toEqual([jit.serial, jit.instructions, jit.cycles]);
    expect(interp.arch).toEqual(jit.arch);
    expect(interp.counters).toEqual(jit.counters);
  });

  it('no snapshot when the guest stops before N', () => {
    const r = runNativeToSnapshot(image('hello'), profile, 1_000_000);
    expect(r.snapshot).toBeNull();
    expect(r.run.stop.kind).toBe('exit');
    expect(r.run.serial).toBe('hello\n');
  });
});

describe('CPU snapshot', () => {
  it('round-trips every state field through JSON, typed arrays included', () => {
    const board = new Board({ cpuHz: 1_000_000, memMiB: 2 });
    const a = new Cpu({ memory: board, io: board.bus, intr: board.pic, cost: UNIT_PROFILE });
    a.regs.set([1, -2, 3, 4, 5, 6, 7, 0x7fffffff]);
    a.eip = 0x1234;
    a.cr0 = 0x80000011 | 0;
    a.segBase[2] = 0x4000;
    a.segLimit[2] = 0xffffffff;
    a.cycles = 123456789;
    a.counters.retired[3] = 42;
    a.counters.vectors[14] = 7;
    a.counters.tlbMisses = 9;
    a.shutdown = { reason: 'triple fault' };
    const b = new Cpu({ memory: board, io: board.bus, intr: board.pic, cost: UNIT_PROFILE });
    restoreCpuState(b, JSON.parse(JSON.stringify(saveCpuState(a))));
    expect(Array.from(b.regs)).toEqual([1, -2, 3, 4, 5, 6, 7, 0x7fffffff]);
    expect(b.r8[0]).toBe(1); // the aliasing views see the restored registers
    expect([b.eip, b.cr0, b.segBase[2], b.segLimit[2], b.cycles]).toEqual([0x1234, 0x80000011 | 0, 0x4000, 0xffffffff, 123456789]);
    expect([b.counters.retired[3], b.counters.vectors[14], b.counters.tlbMisses]).toEqual([42, 7, 9]);
    expect(b.shutdown).toEqual({ reason: 'triple fault' });
    expect(saveCpuState(b)).toEqual(saveCpuState(a));
  });
});

describe('bad snapshot files: one-line SnapshotError', () => {
  const good = encodeSnapshot(runNativeToSnapshot(image('hello'), profile, 20).snapshot!);
  const header = new DataView(good.buffer).getUint32(12, true);
  const bad: readonly (readonly [string, Uint8Array, RegExp])[] = [
    ['empty', new Uint8Array(0), /not an x86virt snapshot/],
    ['a kernel image instead', image('hello'), /not an x86virt snapshot/],
    ['another version', Uint8Array.from(good).fill(9, 8, 9), /snapshot version 9/],
    ['cut inside the header', good.slice(0, 40), /truncated snapshot/],
    ['header not JSON', (() => { const b = good.slice(); b[16] = 0x21; return b; })(), /not valid JSON/],
    ['memory cut off', good.slice(0, 16 + header + 10), /does not decompress/],
    ['memory corrupted', (() => { const b = good.slice(); b[16 + header + 20] ^= 0xff; return b; })(), /does not decompress|guest memory/],
  ];
  for (const [what, bytes, pattern] of bad) {
    it(what, () => {
      let caught: unknown;
      try {
        decodeSnapshot(bytes);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(SnapshotError);
      expect((caught as Error).message).toMatch(pattern);
      expect((caught as Error).message).not.toContain('\n');
    });
  }

  it('starts with the magic and the version', () => {
    expect(new TextDecoder().decode(good.subarray(0, 8))).toBe(SNAPSHOT_MAGIC);
    expect(new DataView(good.buffer).getUint32(8, true)).toBe(1);
  });

  it('refuses a restore with another cost profile', () => {
    const snap = decodeSnapshot(good);
    expect(() => resumeNative(snap, UNIT_PROFILE)).toThrow(/cost profile 'p4-2006', restoring with 'unit'/);
  });
});
