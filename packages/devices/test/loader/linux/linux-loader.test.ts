/** @file Linux 32-bit boot protocol loader tests: kernel placement, the zero page field by field, the initrd's place, the entry state, each bad-image error, and Debian's real bzImage when fetched. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ImageError, IMAGE_PROBLEM, type ImageProblem } from '../../../src/loader/image-error.ts';
import { BOOT_PARAMS } from '../../../src/loader/linux/boot-params.ts';
import { LINUX_BOOT_GDT } from '../../../src/loader/linux/entry-state.ts';
import { LINUX_LAYOUT, loadLinux } from '../../../src/loader/linux/linux-loader.ts';
import { parseSetupHeader, SETUP_HEADER } from '../../../src/loader/linux/setup-header.ts';
import { loadKernel } from '../../../src/loader/load-kernel.ts';
import { pcMemoryMap } from '../../../src/platform/memory-map.ts';
import { Board } from '../../../src/platform/pc.ts';
import { buildElf, concat, multibootHeader } from '../elf-builder.ts';
import { buildBzImage, pattern, type BzImageSpec } from './bzimage-builder.ts';

const here = dirname(fileURLToPath(import.meta.url));
const DEBIAN_KERNEL = join(here, '../../../../../.cache/linux/vmlinuz');

function boot(spec: BzImageSpec = {}, opts: { mib?: number; cmdline?: string; initrd?: Uint8Array } = {}) {
  const ram = new Uint8Array((opts.mib ?? 64) * 0x100000);
  const image = buildBzImage(spec);
  const map = pcMemoryMap(ram.length);
  const result = loadLinux(ram, image, { memoryMap: map, cmdline: opts.cmdline ?? 'console=ttyS0', initrd: opts.initrd });
  return { ram, image, map, result, view: new DataView(ram.buffer) };
}

function problemOf(f: () => unknown): ImageProblem | string {
  try {
    f();
  } catch (e) {
    if (e instanceof ImageError) {
      expect(e.message).not.toContain('\n');
      return e.problem;
    }
    throw e;
  }
  return 'no error';
}

describe('setup header', () => {
  it('reads the fields the loader uses', () => {
    const h = parseSetupHeader(buildBzImage({ setupSects: 0x1e, initSize: 0x123000 }));
    expect(h).toMatchObject({ version: 0x020f, setupSects: 0x1e, kernelOffset: 0x1f * 512, kernelSize: 0x3000, loadflags: 1, code32Start: 0x100000, initrdAddrMax: 0x7fffffff, relocatable: true, cmdlineSize: 2047, prefAddress: 0x1000000, initSize: 0x123000, headerEnd: 0x26c });
  });

  it('takes setup_sects 0 as 4', () => {
    expect(parseSetupHeader(buildBzImage({ setupSects: 0 })).kernelOffset).toBe(5 * 512);
  });
});

describe('loadLinux', () => {
  it('copies the protected-mode kernel to 1 MiB', () => {
    const { ram, result } = boot();
    expect(result.kernelStart).toBe(0x100000);
    expect(result.kernelEnd).toBe(0x103000);
    expect(ram.subarray(0x100000, 0x103000)).toEqual(pattern(0x3000, 0x41));
    expect(result.kernelReach).toBe(0x1000000 + 0x400000);
    expect(result.protocol).toBe('2.15');
  });

  it('fills the zero page: header copy, loader fields, command line, E820 map', () => {
    const { ram, image, map, result, view } = boot({}, { cmdline: 'console=ttyS0 forks=7' });
    const bp = LINUX_LAYOUT.BOOT_PARAMS;
    expect(result.bootParamsAddress).toBe(bp);
    expect(ram.subarray(bp, bp + BOOT_PARAMS.ALT_MEM_K)).toEqual(new Uint8Array(BOOT_PARAMS.ALT_MEM_K)); // screen_info etc.: no video console
    // Header bytes the loader does not own are the image's.
    expect(ram.subarray(bp + 0x1f1, bp + 0x210)).toEqual(image.subarray(0x1f1, 0x210));
    expect(ram.subarray(bp + 0x22c, bp + 0x26c)).toEqual(image.subarray(0x22c, 0x26c));
    expect(ram[bp + SETUP_HEADER.TYPE_OF_LOADER]).toBe(0xff);
    expect(ram[bp + SETUP_HEADER.LOADFLAGS]).toBe(0x01);
    expect(view.getUint32(bp + SETUP_HEADER.CMD_LINE_PTR, true)).toBe(LINUX_LAYOUT.CMDLINE);
    expect(Buffer.from(ram.subarray(LINUX_LAYOUT.CMDLINE, LINUX_LAYOUT.CMDLINE + 22)).toString('latin1')).toBe('console=ttyS0 forks=7\0');
    expect(view.getUint32(bp + SETUP_HEADER.RAMDISK_IMAGE, true)).toBe(0);
    expect(view.getUint32(bp + SETUP_HEADER.RAMDISK_SIZE, true)).toBe(0);
    expect(ram[bp + BOOT_PARAMS.E820_ENTRIES]).toBe(6);
    map.forEach((r, i) => {
      const e = bp + BOOT_PARAMS.E820_TABLE + i * 20;
      expect([Number(view.getBigUint64(e, true)), Number(view.getBigUint64(e + 8, true)), view.getUint32(e + 16, true)]).toEqual([r.base, r.length, r.type]);
    });
    // Extended RAM: 1 MiB up to 128 KiB below 64 MiB.
    expect(view.getUint32(bp + BOOT_PARAMS.ALT_MEM_K, true)).toBe(64 * 1024 - 1024 - 128);
  });

  it('places the initrd page-aligned at the top of RAM, below the reserved firmware area', () => {
    const initrd = pattern(0x1801, 9);
    const { ram, result, view } = boot({}, { initrd });
    const top = 64 * 0x100000 - 0x20000;
    expect(result.initrdStart).toBe((top - 0x1801) & ~0xfff);
    expect(result.initrdEnd).toBe(result.initrdStart + 0x1801);
    expect(ram.subarray(result.initrdStart, result.initrdEnd)).toEqual(initrd);
    expect(view.getUint32(LINUX_LAYOUT.BOOT_PARAMS + SETUP_HEADER.RAMDISK_IMAGE, true)).toBe(result.initrdStart);
    expect(view.getUint32(LINUX_LAYOUT.BOOT_PARAMS + SETUP_HEADER.RAMDISK_SIZE, true)).toBe(0x1801);
  });

  it('keeps the initrd at or below initrd_addr_max', () => {
    const { result } = boot({ initrdAddrMax: 0x02ffffff }, { initrd: pattern(0x2000) });
    expect(result.initrdStart).toBe(0x03000000 - 0x2000);
    expect(result.initrdEnd - 1).toBeLessThanOrEqual(0x02ffffff);
  });

  it('enters at code32_start in the 32-bit protocol state', () => {
    const { result, view } = boot();
    const s = result.state;
    expect(s.eip).toBe(0x100000);
    expect([s.esi, s.ebx, s.edi, s.ebp]).toEqual([LINUX_LAYOUT.BOOT_PARAMS, 0, 0, 0]);
    expect(s.eflags & 0x200).toBe(0);
    expect(s.cr0 & 0x80000001).toBe(1);
    expect(s.segments.cs).toMatchObject({ selector: 0x10, base: 0, limit: 0xffffffff, access: 0x9a });
    for (const seg of [s.segments.ds, s.segments.es, s.segments.ss]) expect(seg).toMatchObject({ selector: 0x18, base: 0, limit: 0xffffffff, access: 0x93 });
    expect(s.gdtr).toEqual({ base: LINUX_BOOT_GDT.BASE, limit: 0x1f });
    // The GDT entries behind the selectors are flat 4 GiB code and data.
    expect([view.getUint32(LINUX_BOOT_GDT.BASE + 0x10, true), view.getUint32(LINUX_BOOT_GDT.BASE + 0x14, true)]).toEqual([0xffff, 0x00cf9a00]);
    expect([view.getUint32(LINUX_BOOT_GDT.BASE + 0x18, true), view.getUint32(LINUX_BOOT_GDT.BASE + 0x1c, true)]).toEqual([0xffff, 0x00cf9300]);
  });

  it('refuses bad images and impossible placements with one-line errors', () => {
    const ram = new Uint8Array(64 * 0x100000);
    const map = pcMemoryMap(ram.length);
    const elf = concat(multibootHeader(0x00000003), new Uint8Array(16));
    expect(problemOf(() => loadLinux(ram, buildElf(0x100000, [{ paddr: 0x100000, data: elf }]), { memoryMap: map }))).toBe(IMAGE_PROBLEM.NOT_BZIMAGE);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ noMagic: true }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.NOT_BZIMAGE);
    expect(problemOf(() => loadLinux(ram, new Uint8Array(100), { memoryMap: map }))).toBe(IMAGE_PROBLEM.NOT_BZIMAGE);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ version: 0x0205 }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.OLD_PROTOCOL);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ loadflags: 0 }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.NOT_BZIMAGE);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ syssizeExtra: 1 }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.TRUNCATED);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ code32Start: 0x200000 }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.BAD_SEGMENT);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ cmdlineSize: 10 }), { memoryMap: map, cmdline: 'console=ttyS0' }))).toBe(IMAGE_PROBLEM.CMDLINE_TOO_LONG);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ initSize: 0x4000000 }), { memoryMap: map }))).toBe(IMAGE_PROBLEM.OUTSIDE_RAM);
    expect(problemOf(() => loadLinux(ram, buildBzImage({ initrdAddrMax: 0x013fffff }), { memoryMap: map, initrd: pattern(0x2000) }))).toBe(IMAGE_PROBLEM.NO_ROOM);
    expect(problemOf(() => loadLinux(ram, buildBzImage(), { memoryMap: map, initrd: new Uint8Array(60 * 0x100000) }))).toBe(IMAGE_PROBLEM.NO_ROOM);
  });

  it('names the protocol and the RAM needed in its messages', () => {
    const ram = new Uint8Array(16 * 0x100000);
    const map = pcMemoryMap(ram.length);
    expect(() => loadLinux(ram, buildBzImage({ version: 0x0204 }), { memoryMap: map })).toThrow('boot protocol 2.04 is too old: the loader needs 2.06 or later');
    expect(() => loadLinux(ram, buildBzImage(), { memoryMap: map })).toThrow(/give it 21 MiB or more/);
  });
});

describe('loadKernel and the board', () => {
  it('boots a bzImage by the Linux protocol and a multiboot ELF by multiboot', () => {
    const board = new Board({ cpuHz: 1_000_000_000, memMiB: 64 });
    expect(board.loadKernel(buildBzImage(), { cmdline: 'x', initrd: pattern(100) }).format).toBe('bzimage');
    const ram = new Uint8Array(8 * 0x100000);
    const elf = buildElf(0x100000, [{ paddr: 0x100000, data: concat(multibootHeader(0x00000003), new Uint8Array(16)) }]);
    expect(loadKernel(ram, elf, { memoryMap: pcMemoryMap(ram.length) }).format).toBe('elf');
    expect(problemOf(() => loadKernel(ram, elf, { memoryMap: pcMemoryMap(ram.length), initrd: pattern(10) }))).toBe(IMAGE_PROBLEM.UNSUPPORTED_FLAGS);
  });
});

describe.skipIf(!existsSync(DEBIAN_KERNEL))("Debian's linux-image-686 bzImage (guests/linux/fetch)", () => {
  it('parses and loads in 48 MiB with an initrd', () => {
    const image = new Uint8Array(readFileSync(DEBIAN_KERNEL));
    const h = parseSetupHeader(image);
    expect(h.version).toBeGreaterThanOrEqual(0x020a);
    expect(h.relocatable).toBe(true);
    const ram = new Uint8Array(48 * 0x100000);
    const r = loadLinux(ram, image, { memoryMap: pcMemoryMap(ram.length), cmdline: 'console=ttyS0', initrd: pattern(0x150000) });
    expect(r.initrdStart).toBeGreaterThanOrEqual(r.kernelReach);
    expect(ram.subarray(0x100000, 0x100000 + 64)).toEqual(image.subarray(h.kernelOffset, h.kernelOffset + 64));
  });
});

describe('loadKernel on something that is no kernel', () => {
  it('names both formats it looked for', () => {
    const ram = new Uint8Array(8 * 0x100000);
    expect(() => loadKernel(ram, new Uint8Array(4096).fill(0x20), { memoryMap: pcMemoryMap(ram.length) })).toThrow('not a kernel image: neither a Linux bzImage');
  });
});
