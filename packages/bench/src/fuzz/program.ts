/** @file A fuzz program: the seeded, JSON-serialisable description of one random guest (phases of items, initial page tables), and its generator. */
import { FUZZ_LAYOUT as L, PHASE_END_VECTOR, SEL } from './layout.ts';
import { randomInstruction, scratchAddress, type FuzzRing } from './random-insn.ts';
import { Rng } from './rng.ts';

/**
 * One unit the minimiser keeps or drops: one or more code slots. A slot is hex bytes
 * (`"0f a2"`), or `j:OP:K` — a short branch with opcode byte OP whose target is the slot K
 * ahead (clamped to the phase's last slot), resolved when the image is built.
 */
export interface FuzzItem {
  readonly kind: string;
  readonly slots: readonly string[];
}

/** A run of items at one privilege level, entered with the given registers, EFLAGS and data selector. */
export interface FuzzPhase {
  readonly ring: FuzzRing;
  /** EAX, ECX, EDX, EBX, (ESP: ignored), EBP, ESI, EDI at the phase's first slot. */
  readonly regs: readonly number[];
  readonly eflags: number;
  /** Loaded into DS, ES, FS and GS before the phase. */
  readonly dataSel: number;
  readonly items: readonly FuzzItem[];
}

/** Everything that determines a fuzz guest. */
export interface FuzzProgram {
  readonly version: 1;
  readonly seed: number;
  /** CR0.WP at the start. */
  readonly wp: boolean;
  /** Page-directory entry 1 (linear 4–8 MiB, the scratch region). */
  readonly pde1: number;
  /** The scratch page table's first `SCRATCH_PAGES` entries. */
  readonly ptes: readonly number[];
  /** Seeds the scratch frames' initial contents. */
  readonly dataSeed: number;
  readonly phases: readonly FuzzPhase[];
}

/** Options of the generator. */
export interface GenerateOptions {
  /** Kernel/user phase pairs (default 2). */
  readonly pairs?: number;
  /** Most items per phase (default 48). */
  readonly maxItems?: number;
}

const hex = (b: readonly number[] | Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Ports whose reads and writes are deterministic and harmless in every mode (POST code, unclaimed ports). */
const HARMLESS_PORTS = [0x80, 0x84, 0x2f8, 0x510, 0x1234, 0xed] as const;
/** Ports that are only read (PIC masks: a write could unmask the timer, whose ticks follow the modeled clock). */
const READ_ONLY_PORTS = [0x21, 0xa1] as const;

/** A random scratch PTE: one of the scratch frames with random P/RW/US/PWT/PCD/A/D bits (mostly present). */
function randomPte(rng: Rng): number {
  const frame = L.FRAMES + rng.below(L.FRAME_COUNT) * 0x1000;
  let flags = rng.u32() & 0x7e; // RW US PWT PCD A D
  if (rng.chance(0.85)) flags |= 1;
  if (rng.chance(0.7)) flags |= 2;
  if (rng.chance(0.7)) flags |= 4;
  return (frame | flags) >>> 0;
}

/** A random PDE 1: the scratch page table (mostly present, user, writable), or a 4 MiB page at `BIG_PHYS`. */
function randomPde(rng: Rng): number {
  let flags = 0;
  if (rng.chance(0.9)) flags |= 1;
  if (rng.chance(0.85)) flags |= 2;
  if (rng.chance(0.85)) flags |= 4;
  if (rng.chance(0.2)) return (L.BIG_PHYS | 0x80 | flags | (rng.u32() & 0x18)) >>> 0;
  return (L.PT1 | flags) >>> 0;
}

function ioItem(rng: Rng): FuzzItem {
  const read = rng.chance(0.5);
  const port = read && rng.chance(0.2) ? rng.pick(READ_ONLY_PORTS) : rng.pick(HARMLESS_PORTS);
  const slots = [hex([0x66, 0xba, port & 0xff, port >>> 8])];
  const form = rng.below(4);
  if (form === 3) {
    // String I/O: a short count at a scratch address.
    const addr = L.SCRATCH + rng.below(L.SCRATCH_PAGES) * 0x1000 + 0x400 + rng.below(0x800);
    slots.push(hex([0xb9, ...le32(rng.below(9))]), hex([read ? 0xbf : 0xbe, ...le32(addr)]));
    slots.push(hex([...(rng.chance(0.7) ? [0xf3] : []), ...(rng.chance(0.3) ? [0x66] : []), read ? rng.pick([0x6c, 0x6d]) : rng.pick([0x6e, 0x6f])]));
  } else if (form === 2 && port < 0x100) {
    slots.push(hex([...(rng.chance(0.3) ? [0x66] : []), read ? rng.pick([0xe4, 0xe5]) : rng.pick([0xe6, 0xe7]), port]));
  } else {
    slots.push(hex([...(rng.chance(0.3) ? [0x66] : []), read ? rng.pick([0xec, 0xed]) : rng.pick([0xee, 0xef])]));
  }
  return { kind: read ? 'in' : 'out', slots };
}

/** Segment loads: a chosen selector (valid, limited, read-only, absent, wrong privilege, or random) into a data segment register. */
function segItem(ring: FuzzRing, rng: Rng): FuzzItem {
  const sels = [0, SEL.KDATA, SEL.UDATA, SEL.USMALL, SEL.UREAD, SEL.UABSENT, SEL.KDOWN, SEL.UCODE, SEL.KCODE, SEL.KDATA | 3, SEL.TSS, rng.u32() & 0xffff];
  let sreg = rng.pick([0, 2, 3, 4, 5]);
  let sel = rng.pick(sels);
  // Kernel SS: only selectors whose load either works with the kernel ESP or faults.
  if (ring === 'kernel' && sreg === 2) sel = rng.pick([SEL.KDATA, SEL.KDOWN, SEL.UDATA, 0, SEL.KCODE]);
  if (ring === 'user' && sreg === 2 && rng.chance(0.5)) sreg = 3;
  return { kind: 'seg', slots: [hex([0x66, 0xb8, sel & 0xff, sel >>> 8]), hex([0x8e, 0xc0 | (sreg << 3)])] };
}

/** Vectors a software INT may name: no error-code vectors (their handlers would misread the frame), never the phase-end vector. */
const INT_VECTORS = [0, 1, 2, 3, 4, 5, 6, 7, 9, 15, 16, 18, 19, 20, 31, 0x30, 0x31, 0x32, 0x7f, 0x81, 0xff] as const;

function intItem(rng: Rng): FuzzItem {
  switch (rng.below(6)) {
    case 0: return { kind: 'int3', slots: ['cc'] };
    case 1: return { kind: 'into', slots: ['ce'] };
    case 2: return { kind: 'int1', slots: ['f1'] };
    case 3: return { kind: 'sysenter', slots: [rng.chance(0.5) ? '0f 34' : '0f 35'] };
    default: {
      const v = rng.pick(INT_VECTORS);
      return { kind: 'int', slots: [hex([0xcd, v])] };
    }
  }
}

function jumpItem(rng: Rng): FuzzItem {
  const op = rng.chance(0.6) ? 0x70 + rng.below(16) : rng.pick([0xeb, 0xe3, 0xe2, 0xe1, 0xe0]);
  return { kind: 'jump', slots: [`j:${op.toString(16)}:${1 + rng.below(6)}`] };
}

function stringItem(ring: FuzzRing, rng: Rng): FuzzItem {
  const src = L.SCRATCH + rng.below(L.SCRATCH_PAGES) * 0x1000 + 0x400 + rng.below(0x400);
  const dst = L.SCRATCH + rng.below(L.SCRATCH_PAGES) * 0x1000 + 0x400 + rng.below(0x400);
  const op = rng.pick([0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]);
  const pre = [...(rng.chance(0.7) ? [rng.pick([0xf3, 0xf2])] : []), ...(rng.chance(0.2) ? [0x66] : []), ...(rng.chance(0.1) ? [rng.pick([0x26, 0x64, 0x65, 0x2e])] : [])];
  // The count load shares the string instruction's slot: a branch landing between them would run
  // the REP with the phase's random ECX, up to 2^32 iterations that the instruction budget (which
  // counts a REP once) does not bound.
  const slots = [hex([0xbe, ...le32(src)]), hex([0xbf, ...le32(dst)]), hex([0xb9, ...le32(rng.below(40)), ...pre, op])];
  return { kind: ring === 'kernel' ? 'string' : 'string', slots };
}

/**
 * A control-register update is one slot (`mov eax, crN; …; mov crN, eax`): a branch landing on its
 * `mov crN, eax` alone would load the phase's random EAX into CR0 or CR3, leaving protected mode
 * or paging for garbage, after which the harness no longer runs (a real-mode guest can even take
 * the same fault forever without retiring an instruction, which no budget ends).
 */
const CR3_RELOAD = '0f 20 d8 0f 22 d8';

/** Kernel-only: edit a scratch PTE, then flush it (INVLPG of that page, or a CR3 reload). */
function pteItem(rng: Rng): FuzzItem {
  const i = rng.below(L.SCRATCH_PAGES);
  const slots = [hex([0x36, 0xc7, 0x05, ...le32(L.PT1 + 4 * i), ...le32(randomPte(rng))])];
  if (rng.chance(0.7)) slots.push(hex([0x36, 0x0f, 0x01, 0x3d, ...le32(L.SCRATCH + i * 0x1000 + rng.below(0x1000))]));
  else slots.push(CR3_RELOAD);
  return { kind: 'pte', slots };
}

/** Kernel-only: rewrite PDE 1 (flags, or a 4 MiB page), then reload CR3. */
function pdeItem(rng: Rng): FuzzItem {
  return { kind: 'pde', slots: [hex([0x36, 0xc7, 0x05, ...le32(L.PD + 4), ...le32(randomPde(rng))]), CR3_RELOAD] };
}

/** Kernel-only: toggle CR0.WP (one slot, see `CR3_RELOAD`). */
const WP_ITEM: FuzzItem = { kind: 'wp', slots: ['0f 20 c0 35 00 00 01 00 0f 22 c0'] };

function randomItem(ring: FuzzRing, rng: Rng): FuzzItem {
  const x = rng.below(100);
  if (ring === 'kernel') {
    if (x < 6) return pteItem(rng);
    if (x < 8) return pdeItem(rng);
    if (x < 10) return WP_ITEM;
  }
  if (x < 18) return ioItem(rng);
  if (x < 23) return segItem(ring, rng);
  if (x < 29) return jumpItem(rng);
  if (x < 33) return intItem(rng);
  if (x < 37) return stringItem(ring, rng);
  return { kind: 'insn', slots: [hex(randomInstruction(ring, rng))] };
}

/** Random EFLAGS for a phase start: arithmetic flags, DF, IF, AC and IOPL random; never TF, NT or VM. */
function randomEflags(rng: Rng): number {
  return ((rng.u32() & 0x40cd5) | 0x2 | (rng.chance(0.3) ? 0x3000 : 0) | (rng.chance(0.5) ? 0x200 : 0)) >>> 0;
}

/** The program for `seed`. */
export function generateProgram(seed: number, opts: GenerateOptions = {}): FuzzProgram {
  const rng = new Rng(seed);
  const pairs = opts.pairs ?? 2;
  const maxItems = opts.maxItems ?? 48;
  const phases: FuzzPhase[] = [];
  for (let p = 0; p < 2 * pairs; p++) {
    const ring: FuzzRing = p % 2 === 0 ? 'kernel' : 'user';
    const regs = Array.from({ length: 8 }, () => (rng.chance(0.3) ? scratchAddress(rng) : rng.u32()));
    const dataSel = ring === 'kernel' ? (rng.chance(0.9) ? SEL.KDATA : SEL.KDOWN) : rng.chance(0.9) ? SEL.UDATA : rng.pick([0, SEL.USMALL, SEL.UREAD]);
    const n = 8 + rng.below(maxItems - 7);
    const items = Array.from({ length: n }, () => randomItem(ring, rng));
    phases.push({ ring, regs, eflags: randomEflags(rng), dataSel, items });
  }
  return {
    version: 1,
    seed: seed >>> 0,
    wp: rng.chance(0.5),
    pde1: rng.chance(0.9) ? (L.PT1 | 7) : randomPde(rng),
    ptes: Array.from({ length: L.SCRATCH_PAGES }, () => randomPte(rng)),
    dataSeed: rng.u32(),
    phases,
  };
}

/** The slot count a phase takes in the image (its items' slots plus the terminal slot). */
export function phaseSlots(phase: FuzzPhase): number {
  return phase.items.reduce((n, it) => n + it.slots.length, 0) + 1;
}

/** The vector the user phases end with (re-exported for the harness and its tests). */
export const USER_PHASE_END = PHASE_END_VECTOR;
