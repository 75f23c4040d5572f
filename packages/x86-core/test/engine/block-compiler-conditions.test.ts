/** @file The block compiler's SETcc, CMOVcc and Jcc on flags the instruction before them does not answer (the flag locals): all 16 conditions after each kind of flag producer, against the interpreter. */
import { describe, expect, it } from 'vitest';
import { readEflags } from '../../src/cpu/eflags.ts';
import { createMachine } from '../helpers/machine.ts';

const DATA = 0x80000;
/** Offset (from EBP) of a dword holding 1: CMOVcc's memory source. */
const ONE = 0x10000;
/** Bytes of results per case: SETcc, CMOVcc r32, CMOVcc m32, Jcc — 16 conditions each. */
const SLOT = 64;

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** ModRM [ebp + disp32] with reg field `reg`, and the disp32. */
const ebp32 = (reg: number, disp: number): number[] => [0x85 | (reg << 3), ...le32(disp)];
/** mov [ebp + disp32], bl */
const storeBl = (disp: number): number[] => [0x88, ...ebp32(3, disp)];

/** Flag producers: EAX = a, ECX = b set first; each leaves a different lazy record (or concrete flags). */
const PRODUCERS: readonly (readonly number[])[] = [
  [0x01, 0xc8], // add eax, ecx
  [0x29, 0xc8], // sub eax, ecx
  [0x39, 0xc8], // cmp eax, ecx
  [0x21, 0xc8], // and eax, ecx
  [0x31, 0xc8], // xor eax, ecx
  [0xf9, 0x11, 0xc8], // stc; adc eax, ecx
  [0xf9, 0x19, 0xc8], // stc; sbb eax, ecx
  [0xf9, 0x40], // stc; inc eax (CF kept)
  [0xf8, 0x48], // clc; dec eax (CF kept)
  [0xf7, 0xd8], // neg eax
  [0xd3, 0xe0], // shl eax, cl
  [0xd3, 0xf8], // sar eax, cl
  [0x0f, 0xaf, 0xc1], // imul eax, ecx
  [0x00, 0xc8], // add al, cl
  [0x28, 0xc8], // sub al, cl
  [0x38, 0xc8], // cmp al, cl
  [0x84, 0xc8], // test al, cl
  [0x66, 0x01, 0xc8], // add ax, cx
  [0x66, 0x39, 0xc8], // cmp ax, cx
  [0x81, 0xe1, 0xd5, 0x08, 0, 0, 0x51, 0x9d], // and ecx, 0x8d5; push ecx; popfd (the status flags concrete: ECX's)
];
const PAIRS: readonly (readonly [number, number])[] = [
  [0, 0],
  [1, 2],
  [0x7fffffff, 1],
  [0x80000000, 1],
  [0xffffffff, 1],
  [0x80, 0x80],
  [0x8000, 0x7fff],
  [5, 0x8d5],
];

/**
 * One case: EAX and ECX set, EDI = 1, the producer, then for every condition (each after a MOV,
 * whose locals answer none): SETcc BL, CMOVcc EBX, EDI and CMOVcc EBX, [ONE] (EBX zeroed
 * first), and a Jcc over a store of 1 — each result stored as a byte of the case's slot.
 */
function testCase(slot: number, producer: readonly number[], a: number, b: number): number[] {
  const out = [0xb8, ...le32(a), 0xb9, ...le32(b), 0xbf, ...le32(1), ...producer];
  for (let cc = 0; cc < 16; cc++) {
    out.push(0x0f, 0x90 + cc, 0xc3, ...storeBl(slot + cc));
    out.push(0xbb, ...le32(0), 0x0f, 0x40 + cc, 0xdf, ...storeBl(slot + 16 + cc));
    out.push(0xbb, ...le32(0), 0x0f, 0x40 + cc, ...ebp32(3, ONE), ...storeBl(slot + 32 + cc));
    // jcc +7 over: mov byte [ebp + disp32], 1 (the byte stays 0 when the branch is taken).
    out.push(0x70 + cc, 7, 0xc6, ...ebp32(0, slot + 48 + cc), 1);
  }
  return out;
}

function program(): { code: number[]; cases: number } {
  const body: number[] = [];
  let k = 0;
  for (const p of PRODUCERS) for (const [a, b] of PAIRS) body.push(...testCase(SLOT * k++, p, a, b));
  // mov dword [ebp + ONE], 1; mov esi, 3; l: body; dec esi; jnz l; hlt — three passes, so that the compiled code runs too.
  const back = -(body.length + 1 + 6);
  const code = [0xc7, ...ebp32(0, ONE), ...le32(1), 0xbe, ...le32(3), ...body, 0x4e, 0x0f, 0x85, ...le32(back >>> 0), 0xf4];
  return { code, cases: k };
}

function run(jitThreshold: number, code: number[], cases: number): { results: number[]; eflags: number; cycles: number; retired: number[] } {
  const m = createMachine({ code, esp: 0xf0000, regs: { ebp: DATA } });
  m.engine.jitThreshold = jitThreshold;
  m.engine.run(10_000_000);
  expect(m.cpu.halted).toBe(true);
  const results = Array.from(m.ram.subarray(DATA, DATA + SLOT * cases));
  return { results, eflags: readEflags(m.cpu), cycles: m.cpu.cycles, retired: Array.from(m.cpu.counters.retired) };
}

describe('compiled conditions on the flag locals', () => {
  it('SETcc, CMOVcc and Jcc give what the interpreter gives for every condition after every producer', () => {
    const { code, cases } = program();
    const interp = run(Infinity, code, cases);
    const jit = run(1, code, cases);
    // The cases tell the conditions apart: every condition is both true and false somewhere.
    for (let cc = 0; cc < 16; cc++) {
      const seen = new Set(Array.from({ length: cases }, (_, k) => interp.results[SLOT * k + cc]));
      expect(seen).toEqual(new Set([0, 1]));
    }
    for (let k = 0; k < cases; k++) {
      const at = SLOT * k;
      expect(jit.results.slice(at, at + SLOT), `case ${k}`).toEqual(interp.results.slice(at, at + SLOT));
    }
    expect(jit).toEqual(interp);
  });
});
