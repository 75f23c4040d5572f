/** @file Hostile inputs to the bundled x86virt: mutated kernel images, bad flags, unreadable files, misbehaving guests — one line, a status, never a stack trace. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bundle = join(import.meta.dirname, '..', 'dist', 'x86virt.mjs');
const guests = join(import.meta.dirname, '..', '..', '..', 'packages', 'bench', 'guests');
const HELLO = new Uint8Array(readFileSync(join(guests, 'hello', 'hello.elf')));
const FROBOS = new Uint8Array(readFileSync(join(guests, 'frobos', 'frobos.elf')));

/** Small budget: a mutated image that still runs must stop quickly with a report. */
const BUDGET = ['--max-insns', '5000', '--mem', '16'];
/** Exit statuses of `run` (apps/cli/README.md). */
const STATUS = { failure: 1, usage: 2, budget: 124, shutdown: 125, hung: 126 } as const;

interface Outcome {
  readonly status: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** One case: a name, the arguments (image paths are filled in after writing), and what is expected. */
interface Case {
  readonly name: string;
  readonly args: readonly string[];
  /** An image to write to a temp file whose path replaces `IMAGE` in `args`. */
  readonly image?: Uint8Array;
  /** Exact status, or 'any-end': the image may be refused or may run (then it must end with a report). */
  readonly expect: number | 'any-end' | 'refused';
  /** A pattern the one stderr line must match. */
  readonly line?: RegExp;
}

/** Deterministic xorshift32 (seeded): the same mutations on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

function patched(base: Uint8Array, at: number, bytes: readonly number[]): Uint8Array {
  const out = base.slice();
  out.set(bytes, at);
  return out;
}

const u32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
const u16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];

/** hello's multiboot header (file offset 0x1000) with new flags and a checksum that makes it valid again. */
function helloWithFlags(flags: number, extra: readonly number[] = []): Uint8Array {
  return patched(HELLO, 0x1000, [...u32(0x1badb002), ...u32(flags), ...u32(-(0x1badb002 + flags) >>> 0), ...extra]);
}

/** hello with its code at the entry point (file offset 0x1010) replaced. */
const helloRunning = (code: readonly number[]): Uint8Array => patched(HELLO, 0x1010, code);

const PH = 52; // hello's (only) program header

function cases(): Case[] {
  const list: Case[] = [];
  const refused = (name: string, image: Uint8Array, line?: RegExp, extra: string[] = []): void => {
    list.push({ name, args: ['run', 'IMAGE', ...BUDGET, ...extra], image, expect: 'refused', line });
  };
  // Truncations: inside the ELF identification, header, program headers, multiboot header, segment data.
  for (const n of [0, 3, 15, 40, 52, 83, 0x1000, 0x100b, 0x1010, 0x104a]) {
    refused(`hello truncated to ${n} bytes`, HELLO.slice(0, n), n === 0 ? /not a kernel image/ : undefined);
  }
  const r = rng(0x5eed1);
  for (let k = 0; k < 3; k++) {
    const n = Math.floor(r() * FROBOS.length);
    list.push({ name: `frobos truncated to ${n} bytes`, args: ['run', 'IMAGE', ...BUDGET], image: FROBOS.slice(0, n), expect: 'any-end' });
  }
  // Flipped ELF header fields.
  refused('ELFCLASS64', patched(HELLO, 4, [2]), /ELFCLASS64/);
  refused('big-endian', patched(HELLO, 5, [2]), /byte order/);
  refused('e_type ET_DYN', patched(HELLO, 16, u16(3)), /ET_EXEC/);
  refused('e_machine x86-64', patched(HELLO, 18, u16(62)), /EM_386/);
  refused('e_phoff past the end', patched(HELLO, 28, u32(0xfffffff0)), /program headers/);
  refused('e_phentsize 8', patched(HELLO, 42, u16(8)), /e_phentsize/);
  refused('e_phnum 65535', patched(HELLO, 44, u16(0xffff)), /program headers/);
  refused('e_phnum 0', patched(HELLO, 44, u16(0)), /no loadable segments/);
  // Program headers pointing outside the file; huge sizes.
  refused('p_offset outside the file', patched(HELLO, PH + 4, u32(0x7ffff000)), /truncated/);
  refused('p_filesz huge', patched(HELLO, PH + 16, u32(0xffffffff)), /p_memsz|truncated/);
  refused('p_memsz huge', patched(HELLO, PH + 20, u32(0xffffffff)), /outside guest RAM/);
  refused('p_filesz and p_memsz huge', patched(HELLO, PH + 16, [...u32(0xfffffff0), ...u32(0xfffffff0)]), /truncated/);
  refused('p_filesz > p_memsz', patched(HELLO, PH + 16, [...u32(0x40), ...u32(0x10)]), /p_memsz/);
  // Segments overlapping the 640 KiB–1 MiB hole, or beyond RAM.
  refused('segment in the VGA hole', patched(HELLO, PH + 12, u32(0xb8000)), /legacy hole/);
  refused('segment over the BIOS', patched(HELLO, PH + 12, u32(0xfffff)), /legacy hole/);
  refused('segment reaching into the hole', patched(HELLO, PH + 12, u32(0x9f800)), /legacy hole/);
  refused('segment beyond RAM', patched(HELLO, PH + 12, u32(0xfff000)), /outside guest RAM/);
  refused('segment at 4 GiB - 4 KiB', patched(HELLO, PH + 12, u32(0xfffff000)), /outside guest RAM/);
  refused('segment over the boot GDT', patched(HELLO, PH + 12, u32(0x9000)), /multiboot info/);
  // Multiboot header corruptions: checksum, flags, a.out kludge.
  refused('bad multiboot checksum', patched(HELLO, 0x1008, u32(0x12345678)), /checksum/);
  refused('no multiboot magic', patched(HELLO, 0x1000, u32(0)), /no multiboot header/);
  refused('required flag bit 3', helloWithFlags(0x8), /unsupported multiboot flags/);
  refused('a.out kludge cut off by the end of the file', helloWithFlags(0x10000).slice(0, 0x1014), /truncated/);
  refused('a.out kludge: load_addr above header_addr', helloWithFlags(0x10000, [...u32(0x100000), ...u32(0x200000), ...u32(0), ...u32(0), ...u32(0x100000)]), /load_addr/);
  refused('a.out kludge: header offset too small', helloWithFlags(0x10000, [...u32(0x200000), ...u32(0x100000), ...u32(0), ...u32(0), ...u32(0x200000)]), /header_addr - load_addr/);
  refused('a.out kludge: load_end below load_addr', helloWithFlags(0x10000, [...u32(0x101000), ...u32(0x100000), ...u32(0x1000), ...u32(0), ...u32(0x101000)]), /load_end_addr/);
  refused('a.out kludge: bss_end below load_end', helloWithFlags(0x10000, [...u32(0x101000), ...u32(0x100000), ...u32(0x100800), ...u32(0x100400), ...u32(0x101000)]), /bss_end_addr/);
  refused('a.out kludge: bss_end beyond RAM', helloWithFlags(0x10000, [...u32(0x101000), ...u32(0x100000), ...u32(0), ...u32(0xfff00000), ...u32(0x101000)]), /outside guest RAM/);
  refused('a.out kludge: load_end past the file', helloWithFlags(0x10000, [...u32(0x101000), ...u32(0x100000), ...u32(0x1f00000), ...u32(0), ...u32(0x101000)]), /truncated/);
  // A valid a.out kludge whose entry is garbage: it loads and runs, and must end with a report.
  list.push({
    name: 'a.out kludge with a wild entry point',
    args: ['run', 'IMAGE', ...BUDGET],
    image: helloWithFlags(0x10000, [...u32(0x101000), ...u32(0x100000), ...u32(0), ...u32(0), ...u32(0xdeadbeef)]),
    expect: 'any-end',
  });
  // Not a kernel at all.
  refused('zero-length file', new Uint8Array(0), /not a kernel image/);
  const noise = rng(0xbad5eed);
  refused('random bytes', Uint8Array.from({ length: 4096 }, () => Math.floor(noise() * 256)), /not a kernel image/);
  refused('ELF magic then random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i < 4 ? [0x7f, 0x45, 0x4c, 0x46][i]! : Math.floor(noise() * 256))));
  // Seeded byte flips in the headers, the multiboot header and the code: refused, or runs to a report.
  const flips = rng(0xf11b5);
  for (let k = 0; k < 6; k++) {
    const base = k % 3 === 2 ? FROBOS : HELLO;
    const regions = [[0, 84], [0x1000, 0x1030], [0x1010, 0x1050]] as const;
    const [lo, hi] = regions[k % 3]!;
    const img = base.slice();
    const edits: string[] = [];
    for (let e = 0; e < 3; e++) {
      const at = lo + Math.floor(flips() * (hi - lo));
      img[at] = Math.floor(flips() * 256);
      edits.push(`${at.toString(16)}=${img[at]!.toString(16)}`);
    }
    list.push({ name: `${base === HELLO ? 'hello' : 'frobos'} bytes ${edits.join(',')}`, args: ['run', 'IMAGE', ...BUDGET], image: img, expect: 'any-end' });
  }
  // Unreadable paths (tests run as root: chmod 000 would still be readable).
  list.push({ name: 'a directory', args: ['run', tmpdir()], expect: STATUS.usage, line: /cannot read image .*EISDIR/ });
  list.push({ name: 'a path that does not exist', args: ['run', '/nonexistent/kernel.elf'], expect: STATUS.usage, line: /cannot read image .*ENOENT/ });
  // Bad flags.
  const hello = join(guests, 'hello', 'hello.elf');
  list.push({ name: 'unknown flag', args: ['run', hello, '--frobnicate'], expect: STATUS.usage, line: /unknown option '--frobnicate'/ });
  list.push({ name: 'misspelt flag (with a suggestion)', args: ['run', hello, '--max-insn', '5'], expect: STATUS.usage, line: /unknown option '--max-insn'.*Did you mean --max-insns/ });
  list.push({ name: 'unknown command', args: ['runn', hello], expect: STATUS.usage, line: /unknown command 'runn'/ });
  list.push({ name: 'missing image argument', args: ['run'], expect: STATUS.usage, line: /missing required argument 'image'/ });
  list.push({ name: '--max-insns not a number', args: ['run', hello, '--max-insns', 'lots'], expect: STATUS.usage, line: /'lots' is not a non-negative integer/ });
  list.push({ name: '--max-insns negative', args: ['run', hello, '--max-insns', '-5'], expect: STATUS.usage, line: /not a non-negative integer/ });
  list.push({ name: '--max-insns beyond 2^53', args: ['run', hello, '--max-insns', '99999999999999999999'], expect: STATUS.usage, line: /not a non-negative integer/ });
  list.push({ name: '--mem 0', args: ['run', hello, '--mem', '0'], expect: STATUS.usage, line: /--mem 0: guest RAM must be 2\.\.3072 MiB/ });
  list.push({ name: '--mem huge', args: ['run', hello, '--mem', '1000000'], expect: STATUS.usage, line: /--mem 1000000/ });
  list.push({ name: '--mem 1.5', args: ['run', hello, '--mem', '1.5'], expect: STATUS.usage, line: /not a non-negative integer/ });
  list.push({ name: 'bad --mode', args: ['run', hello, '--mode', 'turbo'], expect: STATUS.usage, line: /argument 'turbo' is invalid/ });
  list.push({ name: 'bad --mmu', args: ['run', hello, '--mmu', 'ept'], expect: STATUS.usage, line: /argument 'ept' is invalid/ });
  list.push({ name: 'bad --profile', args: ['run', hello, '--profile', 'pentium'], expect: STATUS.usage, line: /argument 'pentium' is invalid/ });
  list.push({ name: '--cmdline too long for the loader', args: ['run', hello, '--cmdline', 'x'.repeat(5000)], expect: STATUS.usage, line: /--cmdline is 5000 bytes long/ });
  list.push({ name: '--stats into a missing directory', args: ['run', hello, '--stats', '/nonexistent/dir/stats.json'], expect: STATUS.failure, line: /ENOENT/ });
  // Snapshots: bad files and bad flag combinations.
  list.push({ name: '--restore of a kernel image', args: ['run', '--restore', hello], expect: STATUS.failure, line: /not an x86virt snapshot/ });
  list.push({ name: '--restore of a missing file', args: ['run', '--restore', '/nonexistent/s.snap'], expect: STATUS.usage, line: /cannot read snapshot .*ENOENT/ });
  list.push({ name: '--restore with an IMAGE too', args: ['run', hello, '--restore', hello], expect: STATUS.usage, line: /give no IMAGE/ });
  list.push({ name: '--save-at with one value', args: ['run', hello, '--save-at', '5'], expect: STATUS.usage, line: /two values, N and FILE/ });
  list.push({ name: '--save-at 0', args: ['run', hello, '--save-at', '0', join(tmpdir(), 'never.snap')], expect: STATUS.usage, line: /not a positive instruction count/ });
  // Guests that misbehave: each one report line and the documented status.
  list.push({ name: 'triple fault (ud2 with no IDT)', args: ['run', 'IMAGE', ...BUDGET], image: helloRunning([0x0f, 0x0b]), expect: STATUS.shutdown, line: /guest shut down the processor: .*triple fault/i });
  list.push({ name: 'runaway loop (jmp $)', args: ['run', 'IMAGE', '--max-insns', '100000'], image: helloRunning([0xeb, 0xfe]), expect: STATUS.budget, line: /stopped after --max-insns 100000 instructions/ });
  // An IDT whose #UD gate leads to the UD2 that raised it: exceptions for ever, no instruction retired.
  const livelock = [
    ...[0x8c, 0xc8, 0xc1, 0xe0, 0x10, 0x66, 0xb8, 0x42, 0x00], // mov eax, cs; shl eax, 16; mov ax, 0x0042 (the UD2)
    ...[0xa3, ...u32(0x100830)], // mov [gate 6], eax
    ...[0xc7, 0x05, ...u32(0x100834), ...u32(0x00108e00)], // mov dword [gate 6 + 4], interrupt gate, offset 0x0010....
    ...[0xc7, 0x05, ...u32(0x100840), ...u32(0x0800003f)], // IDTR: limit 63, base 0x100800
    ...[0x66, 0xc7, 0x05, ...u32(0x100844), 0x10, 0x00],
    ...[0x0f, 0x01, 0x1d, ...u32(0x100840)], // lidt
    ...[0x0f, 0x0b], // ud2 (at 0x100042)
  ];
  const noProgress = /guest hung: no instruction retired in 65536 exception deliveries in a row \(the last: vector 6 at EIP 0x100042\)/;
  list.push({ name: 'an exception handler that faults at its first instruction', args: ['run', 'IMAGE', ...BUDGET], image: helloRunning(livelock), expect: STATUS.hung, line: noProgress });
  list.push({ name: 'the same under the binary translator', args: ['run', 'IMAGE', '--mode', 'bt', ...BUDGET], image: helloRunning(livelock), expect: STATUS.hung, line: noProgress });
  // Under hardware assist each delivery's stack write is a shadow-paging exit: the monitor's own no-progress check ends it.
  list.push({ name: 'the same under hardware assist', args: ['run', 'IMAGE', '--mode', 'hw', ...BUDGET], image: helloRunning(livelock), expect: STATUS.shutdown, line: /exits in a row \(the last EXCP_PF\) without the guest making progress/ });
  list.push({ name: 'HLT with IF=0 (cli; hlt)', args: ['run', 'IMAGE', ...BUDGET], image: helloRunning([0xfa, 0xf4]), expect: STATUS.hung, line: /guest hung: HLT with interrupts disabled/ });
  return list;
}

function runCli(args: readonly string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Runs every case, two at a time (the machine has two cores). */
async function runAll(list: readonly Case[], dir: string): Promise<Outcome[]> {
  const out: Outcome[] = new Array<Outcome>(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const i = next++;
      const c = list[i]!;
      let args = [...c.args];
      if (c.image !== undefined) {
        const path = join(dir, `case-${i}.elf`);
        writeFileSync(path, c.image);
        args = args.map((a) => (a === 'IMAGE' ? path : a));
      }
      out[i] = await runCli(args);
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

const CASES = cases();
let results: Outcome[] = [];
let dir = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'x86virt-hostile-'));
  mkdirSync(dir, { recursive: true });
  results = await runAll(CASES, dir);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('x86virt run survives hostile inputs (bundled CLI)', () => {
  it('has the seeded case list it was written for', () => {
    expect(CASES.length).toBe(80);
  });

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const r = results[i]!;
      expect(r.signal).toBeNull();
      expect(r.status).not.toBeNull();
      expect(r.stderr).not.toMatch(/^\s+at /m);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      if (c.expect === 'refused') {
        expect(r.status).toBe(STATUS.failure);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(/^x86virt: /);
        if (c.line) expect(lines[0]).toMatch(c.line);
      } else if (c.expect === 'any-end') {
        // Refused with one line, or it ran: then it exited (no stderr) or stopped with one report line.
        expect(lines.length).toBeLessThanOrEqual(1);
        if (r.status === STATUS.failure) expect(lines[0]).toMatch(/^x86virt: /);
        else if (r.status === STATUS.budget) expect(lines[0]).toMatch(/stopped after --max-insns 5000 instructions/);
        else if (r.status === STATUS.shutdown) expect(lines[0]).toMatch(/guest shut down the processor/);
        else if (r.status === STATUS.hung) expect(lines[0]).toMatch(/guest hung/);
        else expect(lines.length === 0 || /^x86virt: guest reset/.test(lines[0]!)).toBe(true);
      } else {
        expect(r.status).toBe(c.expect);
        expect(lines).toHaveLength(1);
        if (c.line) expect(lines[0]).toMatch(c.line);
      }
    });
  });
});

describe('x86virt run --save-at N FILE / --restore FILE (bundled CLI)', () => {
  it('t-paging saved after 20 000 instructions and restored prints the same output, status and stats as one run', async () => {
    const d = mkdtempSync(join(tmpdir(), 'x86virt-snap-'));
    try {
      const image = join(guests, 't-paging', 't-paging.elf');
      const snap = join(d, 's.snap');
      const full = await runCli(['run', image, '--stats', join(d, 'full.json')]);
      const first = await runCli(['run', image, '--save-at', '20000', snap]);
      const rest = await runCli(['run', '--restore', snap, '--stats', join(d, 'rest.json')]);
      expect(first.status).toBe(0);
      expect(first.stderr).toBe(`x86virt: saved the machine after 20000 instructions to ${snap}; continue with: x86virt run --restore ${snap}\n`);
      expect(rest.status).toBe(full.status);
      expect(first.stdout + rest.stdout).toBe(full.stdout);
      const a = JSON.parse(readFileSync(join(d, 'full.json'), 'utf8')) as { cycles: number; instructions: number; arch: unknown; stop: unknown };
      const b = JSON.parse(readFileSync(join(d, 'rest.json'), 'utf8')) as typeof a;
      expect([b.cycles, b.instructions, b.stop, b.arch]).toEqual([a.cycles, a.instructions, a.stop, a.arch]);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
