/** @file Random single instructions drawn from the opcode table, with random operands, under the constraints of a kernel or a user phase. */
import { decode, OPCODE_ROWS, OPF, OPK, type Instruction, type OpcodeRow } from '@x86virt/x86-core';
import { FUZZ_LAYOUT as L } from './layout.ts';
import type { Rng } from './rng.ts';

/** Which privilege level the instruction will run at: it decides which forms and operands are safe to draw. */
export type FuzzRing = 'kernel' | 'user';

/**
 * Mnemonics never drawn: their results depend on the modeled clock (which legitimately differs
 * between modes), so they would make every case diverge.
 */
const CLOCK_DEPENDENT = new Set(['rdtsc', 'rdtscp', 'rdpmc']);

/**
 * Kernel phases run at CPL 0 and must reach their end: nothing that moves ESP arbitrarily, halts,
 * replaces the descriptor tables, or writes control/debug registers and MSRs (those are drawn
 * as the generator's composite items instead, where the harness can keep them well-defined).
 */
const KERNEL_BANNED = new Set(['hlt', 'lss', 'enter', 'leave', 'xlat', 'xlatb', 'lgdt', 'lidt', 'lldt', 'ltr', 'wrmsr', 'rdmsr', 'rsm']);

/** Privileged forms a kernel phase may draw (the rest of OPF.PRIVILEGED is banned there). */
const KERNEL_PRIVILEGED_OK = new Set(['clts', 'invlpg', 'wbinvd', 'invd', 'lmsw', 'sysexit']);

/**
 * Forms left out of user phases because they show a known, inherent difference between modes
 * (see known-divergences.ts): SGDT/SIDT/SLDT/STR/SMSW reveal the bt monitor's host tables to
 * directly executed user code; SVM instructions fault #GP instead of #UD in SVM guest mode.
 */
const USER_REVEALING = new Set(['sgdt', 'sidt', 'sldt', 'str', 'smsw']);

function eligible(r: OpcodeRow, ring: FuzzRing): boolean {
  if (r.id < 4 && r.id !== 0 && r.id !== 3) return false; // TRUNCATED / TOO_LONG pseudo-rows
  if (r.flags & (OPF.BRANCH | OPF.IO | OPF.TOO_LONG | OPF.TRUNCATED)) return false;
  if (CLOCK_DEPENDENT.has(r.mnemonic)) return false;
  if (ring === 'user') return !USER_REVEALING.has(r.mnemonic) && (r.flags & OPF.SVM) === 0;
  if (r.flags & OPF.STRING) return false;
  if (KERNEL_BANNED.has(r.mnemonic)) return false;
  if (r.flags & OPF.PRIVILEGED) return KERNEL_PRIVILEGED_OK.has(r.mnemonic);
  return true;
}

const ROWS: Record<FuzzRing, readonly OpcodeRow[]> = {
  kernel: OPCODE_ROWS.filter((r) => r.id >= 4 && eligible(r, 'kernel')),
  user: OPCODE_ROWS.filter((r) => r.id >= 4 && eligible(r, 'user')),
};

/** How many table rows each ring draws from (for reports). */
export function eligibleRowCount(ring: FuzzRing): number {
  return ROWS[ring].length;
}

/** A scratch-region address: mostly inside the mapped pages, sometimes near a page end or past the mapped pages. */
export function scratchAddress(rng: Rng): number {
  const page = rng.chance(0.1) ? L.SCRATCH_PAGES + rng.below(4) : rng.below(L.SCRATCH_PAGES);
  const off = rng.chance(0.15) ? 0x1000 - 1 - rng.below(8) : rng.below(0x1000 - 8) & ~(rng.chance(0.7) ? 3 : 0);
  return L.SCRATCH + page * 0x1000 + off;
}

const SEG_PREFIXES = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65] as const;
const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Immediate-ish random values: edge values and small numbers as often as random ones. */
function randomValue(rng: Rng): number {
  switch (rng.below(4)) {
    case 0: return rng.pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff]);
    case 1: return rng.below(64);
    case 2: return scratchAddress(rng);
    default: return rng.u32();
  }
}

/** Builds the bytes of one drawn row (prefixes, opcode, ModRM/SIB/displacement, then spare immediate bytes). */
function build(r: OpcodeRow, ring: FuzzRing, rng: Rng): number[] {
  const b: number[] = [];
  if (rng.chance(0.15)) b.push(0x66);
  if (rng.chance(0.1)) b.push(rng.pick(SEG_PREFIXES));
  if (rng.chance(0.03)) b.push(0xf0);
  if (rng.chance(0.03)) b.push(rng.pick([0xf2, 0xf3]));
  if (ring === 'user' && rng.chance(0.05)) b.push(0x67);
  if (r.mandatory !== 0) b.push(r.mandatory);
  const op = [...r.opcode];
  if (r.regInOpcode) op[op.length - 1] = (op[op.length - 1] as number) + rng.below(8);
  b.push(...op);
  const moffs = r.operands.split(',').some((c) => c === 'Ob' || c === 'Ov');
  if (typeof r.modForm === 'number') b.push(r.modForm);
  else if (r.flags & OPF.MODRM) {
    const reg = r.ext >= 0 ? r.ext : rng.below(8);
    const wantMem = r.modForm === 'mem' || (r.modForm === 'any' && rng.chance(0.5));
    if (!wantMem) b.push(0xc0 | (reg << 3) | rng.below(8));
    else if (ring === 'kernel' || rng.chance(0.5)) b.push((reg << 3) | 5, ...le32(scratchAddress(rng)));
    else {
      const mod = rng.below(3);
      const rm = rng.below(8);
      b.push((mod << 6) | (reg << 3) | rm);
      if (rm === 4) b.push(rng.below(256));
      if (mod === 1) b.push(rng.below(256));
      else if (mod === 2 || (mod === 0 && rm === 5)) b.push(...le32(randomValue(rng)));
    }
  }
  if (moffs) b.push(...le32(scratchAddress(rng)));
  // Immediates: random bytes; decode says how many belong to the instruction.
  const v = randomValue(rng);
  b.push(...le32(v), rng.below(256), rng.below(256), 0, 0);
  return b;
}

function kernelSafe(i: Instruction): boolean {
  if (i.adsize !== 4) return false;
  if (i.hasMem && (i.base >= 0 || i.index >= 0)) return false;
  for (const o of i.operands) if (o.kind === OPK.GPR && o.reg === 4 && o.size >= 2) return false;
  return true;
}

/** One random instruction for `ring`, as its bytes (1–15). */
export function randomInstruction(ring: FuzzRing, rng: Rng): Uint8Array {
  const rows = ROWS[ring];
  for (;;) {
    const r = rng.pick(rows);
    const bytes = Uint8Array.from(build(r, ring, rng));
    const insn = decode(bytes, 0, 32);
    if (insn.length === 0 || insn.length > 15) continue;
    if (!eligible(insn.row, ring)) continue;
    if (ring === 'kernel' && !kernelSafe(insn)) continue;
    return bytes.slice(0, insn.length);
  }
}
