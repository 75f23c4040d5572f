/** @file Generates the single-instruction test guests from OPCODE_ROWS, runs them under QEMU and writes their goldens (test/fixtures/insn/). */
//
// Usage (from the repository root; needs nasm, ld and qemu-system-i386):
//   npx tsx packages/x86-core/scripts/gen-insn-guests.ts            # generate, build, run QEMU, write goldens + report
//   npx tsx packages/x86-core/scripts/gen-insn-guests.ts --check    # rerun the committed images, pass counts by form
//   npx tsx packages/x86-core/scripts/gen-insn-guests.ts --check --runner 'CMD'   # the same with another machine:
//       CMD is run with the image path appended and must print the guest's COM1 output on stdout
//
// Every integer instruction form of the opcode table that can run alone in ring 0 without
// faulting or transferring control becomes one or more variants (operand size, register or
// memory operand, immediate), each run over seeded edge-case cases that set every general
// register and the arithmetic flags. The guest prints every register after each case, with
// the flags and results the SDM leaves undefined masked (rules below, per mnemonic). Forms
// that are skipped are listed with the reason in report.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPCODE_ROWS, OPF, type OpcodeRow } from '@x86virt/x86-core';

const HERE = import.meta.dirname;
const OUT_DIR = join(HERE, '..', 'test', 'fixtures', 'insn');
const GUESTS = join(HERE, '..', '..', 'bench', 'guests');
const SEED = 0x1dea5eed;
const CASES_PER_VARIANT = 6;
const VARIANTS_PER_GUEST = 120;

/** EFLAGS bits. */
const FL = { CF: 0x001, PF: 0x004, AF: 0x010, ZF: 0x040, SF: 0x080, DF: 0x400, OF: 0x800 } as const;
const ARITH = FL.CF | FL.PF | FL.AF | FL.ZF | FL.SF | FL.OF;
const REG = { EAX: 0, ECX: 1, EDX: 2, EBX: 3, EBP: 5, ESI: 6, EDI: 7 } as const;

/** A deterministic 32-bit generator (xorshift32). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

// ---- which forms run ---------------------------------------------------------------------------

const SKIP_FLAGS: readonly (readonly [number, string])[] = [
  [OPF.FPU, 'x87'],
  [OPF.SSE, 'MMX/SSE'],
  [OPF.SVM, 'SVM'],
  [OPF.UD, 'always #UD'],
  [OPF.TOO_LONG | OPF.TRUNCATED, 'decoder pseudo-row'],
  [OPF.BRANCH, 'control transfer (t-bits has jcc; t-stack call/ret)'],
  [OPF.PRIVILEGED, 'privileged (t-system, t-privilege)'],
  [OPF.IO, 'port I/O (t-privilege)'],
  [OPF.STRING, 'string instruction (t-string)'],
  [OPF.SENSITIVE, 'system state (t-segments, t-system)'],
];

/** Mnemonics skipped whatever their flags, and why. */
const SKIP_MNEMONIC: Readonly<Record<string, string>> = {
  push: 'stack (t-stack)', pop: 'stack (t-stack)', pusha: 'stack (t-stack)', popa: 'stack (t-stack)',
  pushf: 'stack (t-stack)', popf: 'stack (t-stack)', enter: 'stack (t-stack)', leave: 'stack (t-stack)',
  les: 'segment load (t-segments)', lds: 'segment load (t-segments)', lss: 'segment load (t-segments)',
  lfs: 'segment load (t-segments)', lgs: 'segment load (t-segments)',
  bound: 'faulting (t-exceptions)', into: 'faulting (t-exceptions)', int3: 'faulting (t-exceptions)',
  int: 'faulting (t-exceptions)', int1: 'faulting (t-exceptions)', ud2: 'faulting (t-exceptions)',
  hlt: 'halts (t-interrupts)', cli: 'interrupt flag (t-interrupts)', sti: 'interrupt flag (t-interrupts)',
  fwait: 'x87', xlat: 'needs a table address in EBX (address-dependent)',
  nop: 'nothing to observe beyond the register dump of other forms',
  cpuid: 'model-specific results (t-system)', rdtsc: 'time-dependent (t-system)',
};

/** Why a row is not run, or undefined when it is. */
function skipReason(r: OpcodeRow): string | undefined {
  for (const [bits, why] of SKIP_FLAGS) if (r.flags & bits) return why;
  const m = SKIP_MNEMONIC[r.mnemonic];
  if (m !== undefined) return m;
  if (r.mandatory !== 0) return 'mandatory-prefix form';
  if (r.mnemonic === 'test' && r.ext === 1) return 'undocumented TEST alias (F6/F7 /1): QEMU raises #UD for it';
  if (typeof r.modForm === 'number') return 'fixed ModRM form';
  if (r.operands.split(',').some((c) => c.startsWith('S') || c === 'DX' || c.startsWith('M') && c !== 'M' && c !== 'Mq')) {
    return 'segment/system operand';
  }
  if (!(r.mnemonic in FLAG_RULE) && flagRuleOf(r.mnemonic) === undefined) return 'no flag rule written for it';
  return undefined;
}

// ---- undefined flags (SDM Vol. 2, "Flags Affected" of each instruction) ---------------------------

/** Defined-flag masks for mnemonics whose rule does not depend on the operands. */
const FLAG_RULE: Readonly<Record<string, number>> = {
  add: ARITH, adc: ARITH, sub: ARITH, sbb: ARITH, cmp: ARITH, neg: ARITH, inc: ARITH, dec: ARITH,
  xadd: ARITH, cmpxchg: ARITH,
  // AND OR XOR TEST: "The state of the AF flag is undefined."
  and: ARITH & ~FL.AF, or: ARITH & ~FL.AF, xor: ARITH & ~FL.AF, test: ARITH & ~FL.AF,
  // no flag affected: every flag printed, so an unwanted write shows
  not: ARITH, mov: ARITH, movzx: ARITH, movsx: ARITH, lea: ARITH, xchg: ARITH, bswap: ARITH,
  cwde: ARITH, cdq: ARITH, pause: ARITH, lahf: ARITH, sahf: ARITH, cmpxchg8b: ARITH, arpl: ARITH,
  clc: ARITH | FL.DF, stc: ARITH | FL.DF, cmc: ARITH | FL.DF, cld: ARITH | FL.DF, std: ARITH | FL.DF,
  // MUL/IMUL: "The SF, ZF, AF, and PF flags are undefined."
  mul: FL.OF | FL.CF, imul: FL.OF | FL.CF,
  // DIV/IDIV: "The CF, OF, SF, ZF, AF, and PF flags are undefined."
  div: 0, idiv: 0,
  // BT BTS BTR BTC: "The OF, SF, AF, and PF flags are undefined" (ZF unaffected)
  bt: FL.CF | FL.ZF, bts: FL.CF | FL.ZF, btr: FL.CF | FL.ZF, btc: FL.CF | FL.ZF,
  // BSF/BSR: "The CF, OF, SF, AF, and PF flags are undefined."
  bsf: FL.ZF, bsr: FL.ZF,
  // DAA/DAS: "The OF flag is undefined"; AAA/AAS: "OF, SF, ZF, and PF flags are undefined";
  // AAM/AAD: "The OF, AF, and CF flags are undefined."
  daa: ARITH & ~FL.OF, das: ARITH & ~FL.OF, aaa: FL.AF | FL.CF, aas: FL.AF | FL.CF,
  aam: FL.SF | FL.ZF | FL.PF, aad: FL.SF | FL.ZF | FL.PF,
};

const SHIFTS = new Set(['shl', 'shr', 'sar', 'sal']);
const ROTATES = new Set(['rol', 'ror', 'rcl', 'rcr']);

/** The rule family of a mnemonic that needs the operands (shifts, rotates, setcc, cmovcc). */
function flagRuleOf(mn: string): 'shift' | 'rotate' | 'dshift' | 'none' | undefined {
  if (SHIFTS.has(mn)) return 'shift';
  if (ROTATES.has(mn)) return 'rotate';
  if (mn === 'shld' || mn === 'shrd') return 'dshift';
  if (/^(set|cmov)(n?[oszp]|n?[bl]e?|n?a|ae|ge|g|nb|nbe|nge|nl|nle|nae|e|ne|b|l|be|le|np|p)$/.test(mn)) return 'none';
  return undefined;
}

/** The defined-flag mask of a shift/rotate by `count` (already masked to 5 bits) at `bits`. */
function shiftMask(kind: 'shift' | 'rotate' | 'dshift', mn: string, count: number, bits: number): { flags: number; resultDefined: boolean } {
  if (count === 0) return { flags: ARITH, resultDefined: true }; // "If the count is 0, the flags are not affected."
  if (kind === 'rotate') return { flags: count === 1 ? ARITH : ARITH & ~FL.OF, resultDefined: true }; // OF only for 1-bit rotates
  if (kind === 'dshift') {
    // "If the count is greater than the operand size, the result is undefined" (and the flags).
    if (count > bits) return { flags: 0, resultDefined: false };
    return { flags: count === 1 ? ARITH & ~FL.AF : ARITH & ~FL.AF & ~FL.OF, resultDefined: true };
  }
  let flags = count === 1 ? ARITH & ~FL.AF : ARITH & ~FL.AF & ~FL.OF;
  // SHL/SHR: CF "is undefined ... where the count is greater than or equal to the size".
  if (mn !== 'sar' && count >= bits) flags &= ~FL.CF;
  return { flags, resultDefined: true };
}

// ---- variants ------------------------------------------------------------------------------------

interface Operand {
  readonly code: string;
  /** Size in bytes (0: none, e.g. lea's M). */
  readonly size: number;
}

/** One encoding of a form, with the registers its operands use. */
interface Variant {
  readonly row: OpcodeRow;
  readonly name: string;
  readonly asm: string[];
  readonly opsize: 2 | 4;
  readonly mem: boolean;
  /** Register numbers of the E (when a register), G and Z operands; -1 when absent. */
  readonly rE: number;
  readonly rG: number;
  readonly rZ: number;
  readonly imm: number;
  readonly ops: readonly Operand[];
}

const sizeOf = (code: string, opsize: 2 | 4): number => {
  if (code === '1' || code === 'CL' || code === 'AL') return 1;
  if (code === 'eAX') return opsize;
  if (code === 'M') return 0;
  const s = code.slice(1);
  if (s === 'b') return 1;
  if (s === 'w') return 2;
  if (s === 'd') return 4;
  if (s === 'q') return 8;
  if (s === 'v' || s === 'z') return opsize;
  return 0;
};

const hex2 = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;
const le = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => (v >>> (8 * i)) & 0xff);

/** Immediate values to try for a row's immediate operand. */
function immValues(r: OpcodeRow, code: string): number[] {
  if (r.mnemonic === 'aam' || r.mnemonic === 'aad') return [10, 16, 7];
  if (SHIFTS.has(r.mnemonic) || ROTATES.has(r.mnemonic) || r.mnemonic === 'shld' || r.mnemonic === 'shrd') return [1, 4, 17, 31];
  if (['bt', 'bts', 'btr', 'btc'].includes(r.mnemonic)) return [3, 35];
  if (code === 'Ib') return [0x7f, 0x80];
  return [0x00000001, 0x8000ff7f];
}

/** The variants of one row. */
function variantsOf(r: OpcodeRow): Variant[] {
  const codes = r.operands === '' ? [] : r.operands.split(',');
  const sized = codes.some((c) => /^[A-Z][vz]$/.test(c) || c === 'eAX') || ['cwde', 'cdq'].includes(r.mnemonic);
  const out: Variant[] = [];
  for (const opsize of sized ? ([4, 2] as const) : ([4] as const)) {
    if (r.mnemonic === 'bswap' && opsize === 2) continue; // 16-bit BSWAP: "the result is undefined"
    const hasE = codes.some((c) => c.startsWith('E'));
    const modes: boolean[] = [];
    if (codes.some((c) => c === 'Mq')) modes.push(true);
    else if (hasE) {
      if (r.modForm !== 'mem') modes.push(false);
      if (r.modForm !== 'reg' && opsize === 4) modes.push(true);
    } else modes.push(false);
    const immCode = codes.find((c) => c.startsWith('I'));
    const imms = immCode === undefined ? [0] : immValues(r, immCode);
    const byteForm = codes.some((c) => /^[EGZ]b$/.test(c));
    const regSets: (readonly [number, number])[] = [[1, 2]];
    if (byteForm) regSets.push([5, 7]); // CH, BH: the high-byte encodings
    for (const mem of modes) {
      for (const imm of imms) {
        for (const [setE, setG] of regSets) {
          if (mem && setE !== 1) continue;
          const v = encode(r, codes, opsize, mem, imm, setE, setG);
          if (v !== undefined) out.push(v);
        }
      }
    }
  }
  return out;
}

/** Builds one variant's bytes (as nasm data) and names it. */
function encode(r: OpcodeRow, codes: readonly string[], opsize: 2 | 4, mem: boolean, imm: number, setE: number, setG: number): Variant | undefined {
  const ops = codes.map((code) => ({ code, size: sizeOf(code, opsize) }));
  const usesCl = codes.includes('CL');
  let rE = codes.some((c) => c.startsWith('E')) && !mem ? setE : -1;
  const rG = codes.some((c) => c.startsWith('G')) ? setG : -1;
  if (usesCl && rE === REG.ECX) rE = REG.EBX; // the count lives in CL
  let rZ = -1;
  const bytes: string[] = [];
  const sized = codes.some((c) => /^[A-Z][vz]$/.test(c) || c === 'eAX') || ['cwde', 'cdq'].includes(r.mnemonic);
  if (sized && opsize === 2) bytes.push('0x66');
  const opcode = [...r.opcode];
  if (r.regInOpcode) {
    rZ = setE === 1 ? 1 : 5; // never 0: xchg eAX,eAX is nop
    opcode[opcode.length - 1] = (opcode[opcode.length - 1] as number) + rZ;
  }
  bytes.push(...opcode.map(hex2));
  let memRef = false;
  let tail: string[] = [];
  if (r.flags & OPF.MODRM) {
    const reg = r.ext >= 0 ? r.ext : Math.max(rG, 0);
    if (codes.includes('M')) {
      // lea: [ebx + esi*4 + 0x12345678], computed from the case's registers
      bytes.push(hex2((2 << 6) | (reg << 3) | 4), hex2((2 << 6) | (REG.ESI << 3) | REG.EBX), ...le(0x12345678, 4).map(hex2));
    } else if (mem || codes.includes('Mq')) {
      bytes.push(hex2((reg << 3) | 5));
      memRef = true;
    } else {
      bytes.push(hex2((3 << 6) | (reg << 3) | Math.max(rE, 0)));
    }
  }
  if (codes.includes('Ob') || codes.includes('Ov')) memRef = true;
  const immCode = codes.find((c) => c.startsWith('I'));
  if (immCode !== undefined) {
    const n = immCode === 'Ib' ? 1 : immCode === 'Iw' ? 2 : opsize;
    tail = le(imm, n).map(hex2);
  }
  const asm: string[] = [];
  if (memRef) {
    asm.push(`    db ${bytes.join(', ')}`, '    dd t_insn_mem');
    if (tail.length) asm.push(`    db ${tail.join(', ')}`);
  } else {
    asm.push(`    db ${[...bytes, ...tail].join(', ')}`);
  }
  const shown = [...bytes, ...(memRef ? ['<m32>'] : []), ...tail].map((b) => b.replace('0x', '')).join(' ');
  const regName = (n: number, size: number): string =>
    size === 1 ? (['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'][n] as string)
      : size === 2 ? (['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'][n] as string)
        : (['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'][n] as string);
  const text = ops.map((o) => {
    if (o.code.startsWith('E')) return mem ? `[m${o.size * 8}]` : regName(rE, o.size);
    if (o.code.startsWith('G')) return regName(rG, o.size);
    if (o.code.startsWith('Z')) return regName(rZ, o.size);
    if (o.code.startsWith('I')) return `0x${(o.code === 'Ib' ? imm & 0xff : o.code === 'Iw' || opsize === 2 ? imm & 0xffff : imm >>> 0).toString(16)}`;
    if (o.code === 'Mq') return '[m64]';
    if (o.code === 'M') return '[ebx+esi*4+0x12345678]';
    if (o.code.startsWith('O')) return `[m${o.size * 8}]`;
    if (o.code === 'eAX') return regName(0, opsize);
    return o.code.toLowerCase();
  });
  const name = `${r.mnemonic}${text.length ? ' ' + text.join(',') : ''} ; row ${r.id} ${r.mnemonic} ${r.operands} o${opsize * 8} : ${shown}`;
  return { row: r, name, asm, opsize, mem: memRef, rE, rG, rZ, imm, ops };
}

// ---- cases -----------------------------------------------------------------------------------------

interface Case {
  readonly regs: number[];
  readonly flags: number;
  readonly m0: number;
  readonly m1: number;
  readonly hide: number;
  readonly flagMask: number;
}

const EDGES: Readonly<Record<number, readonly number[]>> = {
  1: [0x00, 0x01, 0x7f, 0x80, 0xff],
  2: [0x0000, 0x0001, 0x7fff, 0x8000, 0xffff],
  4: [0x00000000, 0x00000001, 0x7fffffff, 0x80000000, 0xffffffff],
  8: [0, 1, 0x7fffffff, 0x80000000, 0xffffffff],
};

/** Writes `value` (size bytes) into the register `n` of `regs` as that size's encoding names it. */
function setReg(regs: number[], n: number, size: number, value: number): void {
  if (size === 1) {
    const r = n & 3;
    const shift = n >= 4 ? 8 : 0;
    regs[r] = (((regs[r] as number) & ~(0xff << shift)) | ((value & 0xff) << shift)) >>> 0;
  } else if (size === 2) {
    regs[n] = (((regs[n] as number) & 0xffff0000) | (value & 0xffff)) >>> 0;
  } else {
    regs[n] = value >>> 0;
  }
}
function getReg(regs: readonly number[], n: number, size: number): number {
  if (size === 1) return ((regs[n & 3] as number) >>> (n >= 4 ? 8 : 0)) & 0xff;
  if (size === 2) return (regs[n] as number) & 0xffff;
  return (regs[n] as number) >>> 0;
}
const signed = (v: number, size: number): number => (size === 4 ? v | 0 : size === 2 ? (v << 16) >> 16 : (v << 24) >> 24);

function casesOf(v: Variant, next: () => number): Case[] {
  const out: Case[] = [];
  const mn = v.row.mnemonic;
  const e = v.ops.find((o) => o.code.startsWith('E') || o.code.startsWith('O') || o.code === 'Mq');
  const g = v.ops.find((o) => o.code.startsWith('G') || o.code.startsWith('Z') || o.code === 'eAX' || o.code === 'AL');
  for (let k = 0; k < CASES_PER_VARIANT; k++) {
    const regs = Array.from({ length: 8 }, () => next());
    regs[4] = 0;
    let m0 = next();
    let m1 = next();
    const edge = (size: number, i: number): number => {
      const list = EDGES[size] ?? EDGES[4] as readonly number[];
      return i < list.length ? (list[i] as number) : next();
    };
    const a = edge(e?.size ?? g?.size ?? 4, k);
    const b = edge(g?.size ?? 4, (k * 3 + 1) % (CASES_PER_VARIANT + 1));
    // the E operand (register or memory) gets A, the G/Z/accumulator operand B
    if (e !== undefined) {
      if (v.mem) {
        if (e.size === 1) m0 = ((m0 & ~0xff) | (a & 0xff)) >>> 0;
        else if (e.size === 2) m0 = ((m0 & ~0xffff) | (a & 0xffff)) >>> 0;
        else m0 = a >>> 0;
      } else if (v.rE >= 0) setReg(regs, v.rE, e.size, a);
    }
    if (g !== undefined) {
      const n = g.code.startsWith('G') ? v.rG : g.code.startsWith('Z') ? v.rZ : 0;
      if (n >= 0) setReg(regs, n, g.size, b);
    }
    if (v.mem && ['bt', 'bts', 'btr', 'btc'].includes(mn) && v.rG >= 0) {
      setReg(regs, v.rG, 4, [0, 1, 31, 32, 63, 17][k % 6] as number); // bit offsets inside the 8-byte operand
    }
    if (v.ops.some((o) => o.code === 'CL')) setReg(regs, REG.ECX, 1, [0, 1, 7, 8, 16, 17, 31, 32, 33][k % 9] as number);
    if (mn === 'cmpxchg' && k % 2 === 0 && e !== undefined) {
      const value = v.mem ? m0 : getReg(regs, v.rE, e.size);
      setReg(regs, 0, e.size, value); // accumulator equal to the destination: the exchange happens
    }
    if (mn === 'cmpxchg8b' && k % 2 === 0) {
      regs[REG.EAX] = m0;
      regs[REG.EDX] = m1;
    }
    if (mn === 'div' || mn === 'idiv') fixDivision(v, regs, mn === 'idiv', (x) => { m0 = x; }, m0);
    let flags = (next() & ARITH) | 0x2;
    if (k === 0) flags = 0x2;
    if (k === 1) flags = ARITH | 0x2;
    // masks
    let flagMask = FLAG_RULE[mn] ?? ARITH;
    let hide = 0;
    const rule = flagRuleOf(mn);
    const bits = (e?.size ?? v.opsize) * 8;
    if (rule === 'shift' || rule === 'rotate' || rule === 'dshift') {
      const countOp = v.ops.find((o) => o.code === 'CL' || o.code === '1' || o.code.startsWith('I'));
      const raw = countOp === undefined ? 1 : countOp.code === 'CL' ? getReg(regs, REG.ECX, 1) : countOp.code === '1' ? 1 : v.imm;
      const m = shiftMask(rule, mn, raw & 0x1f, bits);
      flagMask = m.flags;
      if (!m.resultDefined) hide |= 1 << v.rE; // 16-bit register forms only: memory forms are 32-bit
    } else if (rule === 'none') {
      flagMask = ARITH;
    }
    if ((mn === 'bsf' || mn === 'bsr') && e !== undefined) {
      const src = v.mem ? (e.size === 2 ? m0 & 0xffff : m0) : getReg(regs, v.rE, e.size);
      if (src === 0) hide |= 1 << v.rG; // "the content of the destination operand is undefined"
    }
    out.push({ regs, flags, m0, m1, hide, flagMask });
  }
  return out;
}

/** Keeps a division case clear of #DE: the high half is the zero/sign extension of the low, divisor non-zero. */
function fixDivision(v: Variant, regs: number[], isSigned: boolean, setMem: (x: number) => void, m0: number): void {
  const e = v.ops.find((o) => o.code.startsWith('E')) as Operand;
  const size = e.size;
  let divisor = v.mem ? (size === 1 ? m0 & 0xff : size === 2 ? m0 & 0xffff : m0 >>> 0) : getReg(regs, v.rE, size);
  if (divisor === 0) divisor = 1;
  const low = size === 1 ? getReg(regs, 0, 1) : getReg(regs, 0, size);
  if (isSigned && signed(divisor, size) === -1 && signed(low, size) === -(2 ** (size * 8 - 1))) divisor = 1;
  if (v.mem) setMem(size === 1 ? ((m0 & ~0xff) | divisor) >>> 0 : size === 2 ? ((m0 & ~0xffff) | divisor) >>> 0 : divisor);
  else setReg(regs, v.rE, size, divisor);
  const high = isSigned && signed(low, size) < 0 ? 0xffffffff : 0;
  if (size === 1) setReg(regs, 4, 1, high); // AH
  else setReg(regs, REG.EDX, size, high);
}

// ---- output ----------------------------------------------------------------------------------------

function guestSource(index: number, variants: readonly Variant[], cases: readonly (readonly Case[])[]): string {
  const w = (n: number): string => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
  const lines = [
    `; insn-${String(index).padStart(2, '0')}.asm: generated by packages/x86-core/scripts/gen-insn-guests.ts: single-instruction cases.`,
    '%include "t-lib.inc"',
    '%include "t-insn.inc"',
    '',
    'section .text',
  ];
  variants.forEach((v, i) => lines.push(`v${i}:`, ...v.asm, '    ret'));
  lines.push('', 'section .rodata');
  variants.forEach((v, i) => lines.push(`n${i}: db ${JSON.stringify(v.name)}, 0`));
  lines.push('', 'section .data', 'align 4', 't_insn_variants:');
  variants.forEach((v, i) => {
    const printMem = v.mem ? (v.ops.some((o) => o.code === 'Mq') ? 3 : 1) : 0;
    lines.push(`    dd n${i}, v${i}, c${i}, ${(cases[i] as readonly Case[]).length}, ${printMem}`);
  });
  lines.push('t_insn_variants_end:');
  variants.forEach((_, i) => {
    lines.push(`c${i}:`);
    for (const c of cases[i] as readonly Case[]) {
      const r = c.regs;
      const ordered = [r[0], r[1], r[2], r[3], r[5], r[6], r[7]].map((x) => w(x as number));
      lines.push(`    dd ${[...ordered, w(c.flags), w(c.m0), w(c.m1), w(c.hide), w(c.flagMask)].join(', ')}`);
    }
  });
  lines.push(
    '',
    'section .text',
    'global test_main',
    'test_main:',
    `    PUTSL "insn-${String(index).padStart(2, '0')}: single-instruction cases (eax ecx edx ebx ebp esi edi [m] fl)"`,
    '    call t_insn_run',
    '    ret',
    '',
  );
  return lines.join('\n');
}

function build(name: string): void {
  const env = { ...process.env, LC_ALL: 'C', SOURCE_DATE_EPOCH: '0' };
  execFileSync('nasm', ['-f', 'elf32', '-w+all', '-I', `${join(GUESTS, 'include')}/`, '-o', `${name}.o`, `${name}.asm`], { cwd: OUT_DIR, env });
  execFileSync('ld', ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '--no-warn-rwx-segments', '-T', join(GUESTS, 'link.ld'), '-o', `${name}.elf`, `${name}.o`], { cwd: OUT_DIR, env });
  rmSync(join(OUT_DIR, `${name}.o`));
}

/** Runs an image with the runner (default: QEMU through guests/qemu-run) and renders the golden format. */
function run(image: string, runner: string | undefined): string {
  const r = runner === undefined
    ? spawnSync(join(GUESTS, 'qemu-run'), [image, '--timeout', '120'], { encoding: 'utf8', maxBuffer: 256 << 20 })
    : spawnSync('sh', ['-c', `${runner} "$0"`, image], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const out = r.stdout === '' || r.stdout.endsWith('\n') ? r.stdout : `${r.stdout}\n`;
  return `${out}exit=${String(r.status)}\n`;
}

function generate(): void {
  const next = rng(SEED);
  const covered: { row: OpcodeRow; variants: number; cases: number }[] = [];
  const skipped: { row: OpcodeRow; why: string }[] = [];
  const all: Variant[] = [];
  const allCases: Case[][] = [];
  for (const r of OPCODE_ROWS) {
    const why = skipReason(r);
    if (why !== undefined) {
      skipped.push({ row: r, why });
      continue;
    }
    const vs = variantsOf(r);
    if (vs.length === 0) {
      skipped.push({ row: r, why: 'no encodable variant' });
      continue;
    }
    let n = 0;
    for (const v of vs) {
      const cs = casesOf(v, next);
      all.push(v);
      allCases.push(cs);
      n += cs.length;
    }
    covered.push({ row: r, variants: vs.length, cases: n });
  }
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const guests = Math.ceil(all.length / VARIANTS_PER_GUEST);
  for (let gi = 0; gi < guests; gi++) {
    const name = `insn-${String(gi).padStart(2, '0')}`;
    const lo = gi * VARIANTS_PER_GUEST;
    writeFileSync(join(OUT_DIR, `${name}.asm`), guestSource(gi, all.slice(lo, lo + VARIANTS_PER_GUEST), allCases.slice(lo, lo + VARIANTS_PER_GUEST)));
    build(name);
    const golden = run(join(OUT_DIR, `${name}.elf`), undefined);
    if (!golden.endsWith('\nexit=0\n')) throw new Error(`${name}: QEMU run did not end with exit=0:\n${golden.slice(-400)}`);
    writeFileSync(join(OUT_DIR, `${name}.golden.txt`), golden);
    console.log(`gen-insn-guests: ${name}: ${Math.min(VARIANTS_PER_GUEST, all.length - lo)} variants`);
  }
  const report = [
    '# Single-instruction guests: forms covered and skipped',
    '',
    'Generated by `packages/x86-core/scripts/gen-insn-guests.ts` from `OPCODE_ROWS` (seed',
    `0x${SEED.toString(16)}); goldens from qemu-system-i386 (\`-cpu pentium3\`). ${covered.length} forms covered`,
    `(${all.length} variants, ${allCases.reduce((s, c) => s + c.length, 0)} cases in ${guests} guests), ${skipped.length} rows skipped.`,
    '',
    '## Covered',
    '',
    '| row | form | handler | variants | cases |',
    '|---|---|---|---|---|',
    ...covered.map((c) => `| ${c.row.id} | \`${c.row.mnemonic} ${c.row.operands}\` | \`${c.row.handler}\` | ${c.variants} | ${c.cases} |`),
    '',
    '## Skipped',
    '',
    '| reason | rows |',
    '|---|---|',
    ...[...groupBy(skipped)].map(([why, rows]) => `| ${why} | ${rows.length}: ${rows.slice(0, 40).map((r) => `\`${r.mnemonic}${r.operands ? ' ' + r.operands : ''}\``).join(', ')}${rows.length > 40 ? ', …' : ''} |`),
    '',
  ];
  writeFileSync(join(OUT_DIR, 'report.md'), report.join('\n'));
  console.log(`gen-insn-guests: ${covered.length} forms, ${all.length} variants, ${guests} guests; ${skipped.length} rows skipped (report.md)`);
}

function groupBy(skipped: readonly { row: OpcodeRow; why: string }[]): Map<string, OpcodeRow[]> {
  const m = new Map<string, OpcodeRow[]>();
  for (const s of skipped) m.set(s.why, [...(m.get(s.why) ?? []), s.row]);
  return m;
}

/** Splits a golden into its variants: name -> case lines. */
function variantsIn(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let cur: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# ')) {
      cur = [];
      m.set(line.slice(2), cur);
    } else if (cur !== undefined && /^[0-9a-f]{2} /.test(line)) cur.push(line);
  }
  return m;
}

/** Reruns every committed image and prints the pass counts by form; exit status 1 on any difference. */
function check(runner: string | undefined): void {
  const byForm = new Map<string, { pass: number; total: number }>();
  let failed = 0;
  for (const f of readdirSync(OUT_DIR).filter((n) => n.endsWith('.elf')).sort()) {
    const golden = variantsIn(readFileSync(join(OUT_DIR, f.replace(/\.elf$/, '.golden.txt')), 'utf8'));
    const actual = variantsIn(run(join(OUT_DIR, f), runner));
    for (const [name, lines] of golden) {
      const form = name.slice(name.indexOf(' ; ') + 3, name.lastIndexOf(' o'));
      const got = actual.get(name) ?? [];
      const entry = byForm.get(form) ?? { pass: 0, total: 0 };
      lines.forEach((line, i) => {
        entry.total++;
        if (got[i] === line) entry.pass++;
        else failed++;
      });
      byForm.set(form, entry);
    }
  }
  const rowOf = (form: string): number => Number(/^row (\d+)/.exec(form)?.[1] ?? 0);
  for (const [form, { pass, total }] of [...byForm].sort((x, y) => rowOf(x[0]) - rowOf(y[0]))) console.log(`${pass === total ? 'ok  ' : 'FAIL'} ${form}: ${pass}/${total}`);
  const total = [...byForm.values()].reduce((s, e) => s + e.total, 0);
  console.log(`gen-insn-guests --check: ${total - failed}/${total} cases pass over ${byForm.size} forms`);
  process.exitCode = failed === 0 ? 0 : 1;
}

const argv = process.argv.slice(2);
if (argv.includes('--check')) {
  const i = argv.indexOf('--runner');
  check(i >= 0 ? argv[i + 1] : undefined);
} else {
  generate();
}
