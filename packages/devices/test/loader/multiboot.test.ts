/** @file Multiboot loader tests: the real hello guest, QEMU's golden multiboot info, the a.out kludge, entry state, and every bad-image error. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadMultiboot, qemuCommandLine } from '../../src/loader/multiboot.ts';
import { ImageError, IMAGE_PROBLEM, type ImageProblem } from '../../src/loader/image-error.ts';
import { parseElf32 } from '../../src/loader/elf.ts';
import { pcMemoryMap } from '../../src/platform/memory-map.ts';
import { BOOT_GDT } from '../../src/loader/initial-state.ts';
import { buildElf, concat, multibootHeader } from './elf-builder.ts';

const here = dirname(fileURLToPath(import.meta.url));
const HELLO = new Uint8Array(readFileSync(join(here, '../../../bench/guests/hello/hello.elf')));
const PROBE = new Uint8Array(readFileSync(join(here, 'fixtures/mbinfo-probe.elf')));
const GOLDEN = JSON.parse(readFileSync(join(here, 'fixtures/qemu-multiboot.golden.json'), 'utf8')) as {
  runs: {
    memMiB: number;
    cmdline: string;
    modules: { data: string; cmdline: string }[];
    eax: number;
    ebx: number;
    info: number[];
    mmap: number[];
    cmdlineSeen: string;
    bootLoaderName: string;
    mods: number[];
    entry: { cs: number; ds: number; ss: number; eflags: number; cr0: number; esp: number };
  }[];
};

function ramOf(mib: number): Uint8Array {
  return new Uint8Array(mib * 0x100000);
}

function load(image: Uint8Array, mib = 64) {
  const ram = ramOf(mib);
  return { ram, result: loadMultiboot(ram, image, { memoryMap: pcMemoryMap(ram.length), cmdline: 'k' }) };
}

function words(ram: Uint8Array, addr: number, n: number): number[] {
  const v = new DataView(ram.buffer);
  return Array.from({ length: n }, (_, i) => v.getUint32(addr + 4 * i, true));
}

function cstr(ram: Uint8Array, addr: number): string {
  let s = '';
  while (ram[addr] !== 0) s += String.fromCharCode(ram[addr++]!);
  return s;
}

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('multiboot info matches QEMU (golden from scripts/qemu-multiboot-golden.mjs)', () => {
  for (const run of GOLDEN.runs) {
    it(`-m ${run.memMiB}, cmdline ${JSON.stringify(run.cmdline)}, ${run.modules.length} module(s)`, () => {
      const ram = ramOf(run.memMiB);
      const r = loadMultiboot(ram, PROBE, {
        memoryMap: pcMemoryMap(ram.length),
        cmdline: run.cmdline,
        modules: run.modules.map((m) => ({ data: bytes(m.data), cmdline: m.cmdline })),
      });
      expect(r.state.eax).toBe(run.eax);
      expect(r.state.ebx).toBe(run.ebx);
      expect(words(ram, r.infoAddress, 22)).toEqual(run.info);
      expect(words(ram, run.info[12]!, run.info[11]! / 4)).toEqual(run.mmap);
      expect(cstr(ram, run.info[4]!)).toBe(run.cmdlineSeen);
      expect(cstr(ram, run.info[16]!)).toBe(run.bootLoaderName);
      expect(words(ram, run.info[6]!, run.info[5]! * 4)).toEqual(run.mods);
      run.modules.forEach((m, i) => {
        const start = run.mods[i * 4]!;
        expect(cstr(ram, run.mods[i * 4 + 2]!)).toBe(m.cmdline);
        expect(ram.subarray(start, run.mods[i * 4 + 1]!)).toEqual(bytes(m.data));
      });
      const s = r.state;
      expect([s.segments.cs.selector, s.segments.ds.selector, s.segments.ss.selector, s.eflags, s.cr0, s.esp]).toEqual([
        run.entry.cs, run.entry.ds, run.entry.ss, run.entry.eflags, run.entry.cr0, run.entry.esp,
      ]);
    });
  }

  it('qemuCommandLine gives the path, a space and the arguments', () => {
    expect(qemuCommandLine('mbinfo-probe.elf')).toBe(GOLDEN.runs[0]!.cmdline);
    expect(qemuCommandLine('mbinfo-probe.elf', 'small')).toBe(GOLDEN.runs[2]!.cmdline);
  });
});

describe('loading the hello guest (ELF)', () => {
  it('copies the PT_LOAD segment to its physical address, zeroes bss, and returns the multiboot entry state', () => {
    const ram = ramOf(64);
    ram.fill(0xaa, 0x100000, 0x102000);
    const r = loadMultiboot(ram, HELLO, { memoryMap: pcMemoryMap(ram.length) });
    expect(r.format).toBe('elf');
    expect(r.entry).toBe(0x100010);
    expect([r.kernelStart, r.kernelEnd]).toEqual([0x100000, 0x101050]);
    expect(ram.subarray(0x100000, 0x10004b)).toEqual(HELLO.subarray(0x1000, 0x104b));
    expect(ram.subarray(0x10004b, 0x101050).every((b) => b === 0)).toBe(true);
    expect(ram[0x101050]).toBe(0xaa);
    const s = r.state;
    expect(s.eip).toBe(0x100010);
    expect(s.eax).toBe(0x2badb002);
    expect(s.ebx).toBe(0x9500);
    expect(s.eflags & 0x20200).toBe(0); // IF = 0, VM = 0
    expect(s.eflags & 2).toBe(2);
    expect(s.cr0 & 1).toBe(1);
    expect(s.cr0 >>> 31).toBe(0);
    for (const seg of Object.values(s.segments)) {
      expect([seg.base, seg.limit, seg.flags]).toEqual([0, 0xffffffff, 0xc]);
    }
    expect(s.segments.cs.access).toBe(0x9a);
    expect(s.segments.ss.access).toBe(0x93);
    expect(words(ram, BOOT_GDT.BASE, 6)).toEqual([0, 0, 0xffff, 0xcf9a00, 0xffff, 0xcf9300]);
    expect(cstr(ram, r.cmdlineAddress)).toBe('');
    expect(r.cmdlineAddress).toBe(0x102000);
  });

  it('translates a higher-half entry point to its physical address', () => {
    const code = concat(multibootHeader(), new Uint8Array(52));
    const img = buildElf(0xc0100010, [{ paddr: 0x100000, vaddr: 0xc0100000, data: code, memsz: 0x2000 }]);
    const { result } = load(img);
    expect(result.entry).toBe(0x100010);
  });
});

describe('the a.out kludge (flags bit 16)', () => {
  /** A flat image loaded at 0x200000 with the header at its start, like the QEMU-checked probe. */
  function aoutImage(fields: Partial<Record<'header' | 'load' | 'loadEnd' | 'bssEnd' | 'entry', number>> = {}, size = 0xb2): Uint8Array {
    const img = new Uint8Array(size);
    const v = new DataView(img.buffer);
    const flags = 0x00010003;
    v.setUint32(0, 0x1badb002, true);
    v.setUint32(4, flags, true);
    v.setUint32(8, (-(0x1badb002 + flags)) >>> 0, true);
    v.setUint32(12, fields.header ?? 0x200000, true);
    v.setUint32(16, fields.load ?? 0x200000, true);
    v.setUint32(20, fields.loadEnd ?? 0x200000 + size, true);
    v.setUint32(24, fields.bssEnd ?? 0x200000 + size + 0x3000, true);
    v.setUint32(28, fields.entry ?? 0x200020, true);
    for (let i = 32; i < size; i++) img[i] = i & 0xff;
    return img;
  }

  it('loads the image at load_addr, zeroes to bss_end_addr, enters at entry_addr; the info follows bss like QEMU', () => {
    const ram = ramOf(64);
    ram.fill(0xaa, 0x200000, 0x204000);
    const img = aoutImage();
    const r = loadMultiboot(ram, img, { memoryMap: pcMemoryMap(ram.length), cmdline: 'aout.bin ' });
    expect(r.format).toBe('aout-kludge');
    expect(r.entry).toBe(0x200020);
    expect(ram.subarray(0x200000, 0x2000b2)).toEqual(img);
    expect(ram.subarray(0x2000b2, 0x2030b2).every((b) => b === 0)).toBe(true);
    // QEMU put the command line of this very layout at 0x204000 and the loader name at 0x20400A.
    expect(r.cmdlineAddress).toBe(0x204000);
    expect(r.bootLoaderNameAddress).toBe(0x20400a);
  });

  it('load_end_addr 0 means the rest of the file', () => {
    const r = load(aoutImage({ loadEnd: 0, bssEnd: 0 })).result;
    expect(r.kernelEnd).toBe(0x2000b2);
  });

  const bad: [string, Uint8Array, ImageProblem][] = [
    ['load_addr above header_addr', aoutImage({ load: 0x200100 }), IMAGE_PROBLEM.BAD_AOUT],
    ['header_addr too far past load_addr', aoutImage({ load: 0x1ff000 }), IMAGE_PROBLEM.BAD_AOUT],
    ['load_end_addr below load_addr', aoutImage({ loadEnd: 0x1fff00 }), IMAGE_PROBLEM.BAD_AOUT],
    ['bss_end_addr below load_end_addr', aoutImage({ bssEnd: 0x200010 }), IMAGE_PROBLEM.BAD_AOUT],
    ['load_end_addr past the file', aoutImage({ loadEnd: 0x201000 }), IMAGE_PROBLEM.TRUNCATED],
    ['loaded outside RAM', aoutImage({ header: 0x7ff0000, load: 0x7ff0000, loadEnd: 0x7ff00b2, bssEnd: 0x7ff30b2 }), IMAGE_PROBLEM.OUTSIDE_RAM],
  ];
  for (const [what, img, problem] of bad) {
    it(`refuses: ${what}`, () => expectImageError(img, problem));
  }
});

/** Asserts that loading `img` fails with `problem` and a one-line message. */
function expectImageError(img: Uint8Array, problem: ImageProblem, pattern?: RegExp): void {
  let caught: unknown;
  try {
    load(img);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(ImageError);
  const err = caught as ImageError;
  expect(err.problem).toBe(problem);
  expect(err.name).toBe('ImageError');
  expect(err.message).not.toMatch(/\n/);
  if (pattern) expect(err.message).toMatch(pattern);
}

describe('bad ELF images each get a one-line ImageError naming the problem', () => {
  const patch = (offset: number, values: number[]): Uint8Array => {
    const img = HELLO.slice();
    img.set(values, offset);
    return img;
  };
  const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

  it('not ELF (and no a.out kludge)', () => expectImageError(bytes('MZ this is not a kernel at all'), IMAGE_PROBLEM.NOT_ELF, /not an ELF image/));
  it('an empty file', () => expectImageError(new Uint8Array(0), IMAGE_PROBLEM.NOT_ELF));
  it('wrong class (ELFCLASS64)', () => expectImageError(patch(4, [2]), IMAGE_PROBLEM.WRONG_CLASS, /ELFCLASS64/));
  it('wrong byte order', () => expectImageError(patch(5, [2]), IMAGE_PROBLEM.WRONG_ENDIAN, /byte order/));
  it('wrong machine (x86-64)', () => expectImageError(patch(18, [62, 0]), IMAGE_PROBLEM.WRONG_MACHINE, /EM_386/));
  it('not an executable (ET_DYN)', () => expectImageError(patch(16, [3, 0]), IMAGE_PROBLEM.WRONG_TYPE, /ET_EXEC/));
  it('truncated ELF header', () => expectImageError(HELLO.slice(0, 40), IMAGE_PROBLEM.TRUNCATED, /ELF header/));
  it('truncated program headers', () => expectImageError(patch(28, u32(4740)), IMAGE_PROBLEM.TRUNCATED, /program headers/));
  it('truncated segment data', () => expectImageError(HELLO.slice(0, 0x1020), IMAGE_PROBLEM.TRUNCATED, /segment 0/));
  it('p_filesz larger than p_memsz', () => expectImageError(patch(52 + 20, u32(0x10)), IMAGE_PROBLEM.BAD_SEGMENT, /p_memsz/));
  it('segment outside RAM', () => expectImageError(patch(52 + 12, u32(0x3fff000)), IMAGE_PROBLEM.OUTSIDE_RAM, /outside guest RAM/));
  it('segment in the 640 KiB–1 MiB hole', () => expectImageError(patch(52 + 12, u32(0xb8000)), IMAGE_PROBLEM.IN_HOLE, /legacy hole/));
  it('segment reaching into the hole from below', () => expectImageError(patch(52 + 12, u32(0x9f000)), IMAGE_PROBLEM.IN_HOLE, /0x9f000–0xa004f/));
  it('a command line longer than the loader takes', () => {
    expect(() => loadMultiboot(ramOf(4), HELLO, { memoryMap: pcMemoryMap(4 << 20), cmdline: 'x'.repeat(4096) })).toThrow(/command line too long: 4096 bytes/);
  });
  it('segment over the multiboot info area', () => expectImageError(patch(52 + 12, u32(0x9000)), IMAGE_PROBLEM.NO_ROOM, /multiboot info/));
  it('no multiboot header', () => expectImageError(patch(0x1000, [0, 0, 0, 0]), IMAGE_PROBLEM.NO_MULTIBOOT, /no multiboot header/));
  it('bad multiboot checksum', () => expectImageError(patch(0x1008, [0, 0, 0, 0]), IMAGE_PROBLEM.BAD_CHECKSUM, /checksum/));
  it('required flags this loader lacks', () => {
    const hdr = multibootHeader(0x3 | 0x8);
    expectImageError(buildElf(0x100000, [{ paddr: 0x100000, data: concat(hdr, new Uint8Array(20)) }]), IMAGE_PROBLEM.UNSUPPORTED_FLAGS, /0x8/);
  });
  it('a header beyond the first 8192 bytes does not count', () => {
    const img = buildElf(0x100000, [{ paddr: 0x100000, data: concat(new Uint8Array(8192), multibootHeader()) }]);
    expectImageError(img, IMAGE_PROBLEM.NO_MULTIBOOT);
  });
  it('no loadable segment', () => expectImageError(patch(52, u32(6)), IMAGE_PROBLEM.NO_SEGMENTS, /PT_LOAD/));
  it('modules that do not fit in RAM', () => {
    const ram = ramOf(2);
    const img = buildElf(0x100000, [{ paddr: 0x100000, data: concat(multibootHeader(), new Uint8Array(20)) }]);
    expect(() => loadMultiboot(ram, img, { memoryMap: pcMemoryMap(ram.length), modules: [{ data: new Uint8Array(0x100000) }] })).toThrow(/no room/);
  });

  it('parseElf32 reads the hello guest: entry and one PT_LOAD segment', () => {
    expect(parseElf32(HELLO)).toEqual({ entry: 0x100010, segments: [{ offset: 0x1000, vaddr: 0x100000, paddr: 0x100000, filesz: 0x4b, memsz: 0x1050, flags: 7 }] });
  });
});
