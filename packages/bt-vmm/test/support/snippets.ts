/** @file Guest snippets for translator tests and expect goldens: raw 32-bit code run by the monitor on a real board. */
import { Board } from '@x86virt/devices';
import { UNIT_PROFILE, type EntrySegment, type EntryState } from '@x86virt/x86-core';
import { BT_MONITOR_MIB, BtMonitor, formatTranslation, type BtStop } from '../../src/index.ts';

/** Where snippets are loaded (guest-physical = guest-linear: paging off). */
export const SNIPPET_BASE = 0x100000;

/** A guest snippet: its code bytes (loaded at SNIPPET_BASE, entered there with ESP = 0x200000). */
export interface Snippet {
  readonly name: string;
  readonly description: string;
  readonly code: readonly number[];
}

const rel32 = (from: number, to: number): number[] => {
  const v = (to - from) | 0;
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
};

/**
 * The paper's isPrime (S1 §3.2), the same instructions in 32-bit code (bytes `89 f9 be 02 00
 * 00 00 39 ce 7d …` as in the paper), called with 49 by a driver that writes the result to the
 * exit port.
 */
function isPrimeSnippet(): Snippet {
  const driver = [0xbc, 0x00, 0x00, 0x20, 0x00, 0xbf, 49, 0, 0, 0, 0xe8];
  const callEnd = driver.length + 4;
  const tail = [0xba, 0xf4, 0x00, 0x00, 0x00, 0xef, 0xf4];
  const fn = SNIPPET_BASE + callEnd + tail.length;
  const isPrime = [
    0x89, 0xf9, // mov ecx, edi
    0xbe, 0x02, 0x00, 0x00, 0x00, // mov esi, 2
    0x39, 0xce, // cmp esi, ecx
    0x7d, 0x0e, // jge prime
    0x89, 0xc8, // nexti: mov eax, ecx
    0x99, // cdq
    0xf7, 0xfe, // idiv esi
    0x85, 0xd2, // test edx, edx
    0x74, 0x0b, // jz notPrime
    0x46, // inc esi
    0x39, 0xce, // cmp esi, ecx
    0x7c, 0xf2, // jl nexti
    0xb8, 0x01, 0x00, 0x00, 0x00, // prime: mov eax, 1
    0xc3, // ret
    0x31, 0xc0, // notPrime: xor eax, eax
    0xc3, // ret
  ];
  return { name: 'is-prime', description: "the paper's isPrime(49)", code: [...driver, ...rel32(SNIPPET_BASE + callEnd, fn), ...tail, ...isPrime] };
}

/** Privileged and sensitive instructions: cli, pushf/popf, in/out, a far-free kernel sequence. */
function privilegedSnippet(): Snippet {
  const code = [
    0xbc, 0x00, 0x00, 0x20, 0x00, // mov esp, 0x200000
    0xfa, // cli
    0x9c, // pushf
    0x58, // pop eax
    0x0d, 0x01, 0x00, 0x00, 0x00, // or eax, 1 (CF; IF stays 0)
    0x50, // push eax
    0x9d, // popf
    0x0f, 0xa2, // cpuid
    0xe4, 0x61, // in al, 0x61
    0x0f, 0x20, 0xc0, // mov eax, cr0
    0xb9, 0x05, 0x00, 0x00, 0x00, // mov ecx, 5
    0xf0, 0x0f, 0x22, 0xc1, // mov cr8, ecx (lock mov cr0, ecx: AltMovCr8)
    0xf0, 0x0f, 0x20, 0xc3, // mov ebx, cr8
    0x8c, 0xd8, // mov eax, ds
    0xb8, 0x07, 0x00, 0x00, 0x00, // mov eax, 7
    0xba, 0xf4, 0x00, 0x00, 0x00, // mov edx, 0xf4
    0xef, // out dx, eax
    0xf4, // hlt
  ];
  return { name: 'privileged', description: 'cli, pushf/popf, cpuid, in, mov from cr0, mov to and from cr8, mov from ds, out', code };
}

/** Every snippet with an expect golden. */
export const SNIPPETS: readonly Snippet[] = [isPrimeSnippet(), privilegedSnippet()];

const flat = (selector: number, code: boolean): EntrySegment => ({ selector, base: 0, limit: 0xffffffff, access: code ? 0x9b : 0x93, flags: 0xc });

/** A multiboot-like flat 32-bit entry at SNIPPET_BASE. */
export function flatEntry(): EntryState {
  const d = flat(0x10, false);
  return {
    eip: SNIPPET_BASE, eax: 0, ebx: 0, ecx: 0, edx: 0, esi: 0, edi: 0, ebp: 0, esp: 0x200000, eflags: 2, cr0: 0x11, cr3: 0, cr4: 0,
    segments: { es: d, cs: flat(0x08, true), ss: d, ds: d, fs: d, gs: d },
    gdtr: { base: 0, limit: 0 }, idtr: { base: 0, limit: 0 },
  };
}

/** A snippet run under bt-vmm: the monitor (for its TC and counters), how the run ended, and the listing. */
export interface SnippetRun {
  readonly monitor: BtMonitor;
  readonly board: Board;
  readonly stop: BtStop;
  readonly listing: string;
}

/** Loads `s` on a fresh 16 MiB board and runs it under bt-vmm. */
export function runSnippet(s: Snippet): SnippetRun {
  const board = new Board({ cpuHz: UNIT_PROFILE.hz, memMiB: 16, monitorMiB: BT_MONITOR_MIB });
  board.guestRam.set(s.code, SNIPPET_BASE);
  const monitor = new BtMonitor({ machine: board, profile: UNIT_PROFILE });
  board.setCycleSource(() => monitor.cycles);
  monitor.start(flatEntry());
  const stop = monitor.run(1_000_000);
  return { monitor, board, stop, listing: formatTranslation(monitor.tc, monitor.guest, board.ram) };
}
