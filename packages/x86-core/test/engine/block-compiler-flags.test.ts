/** @file The block compiler's shift, INC/DEC and read-modify-write forms against the interpreter: every count and edge value, each result and the EFLAGS after it stored to memory. */
import { describe, expect, it } from 'vitest';
import { readEflags } from '../../src/cpu/eflags.ts';
import { createMachine, type Machine } from '../helpers/machine.ts';

const DATA = 0x20000;

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
/** mov eax, imm32 */
const movEax = (v: number): number[] => [0xb8, ...le32(v)];
/** ModRM [ebp + disp32] with reg field `reg`, and the disp32. */
const ebp32 = (reg: number, disp: number): number[] => [0x85 | (reg << 3), ...le32(disp)];

/**
 * One test case per entry: EAX (and the memory slot) set up, the instruction, then EFLAGS
 * (pushfd; pop edx) and EAX stored in the entry's two result dwords.
 */
function program(entries: readonly ((slot: number) => number[])[]): number[] {
  const body: number[] = [];
  entries.forEach((make, k) => {
    const slot = 8 * k;
    body.push(...make(slot), 0x9c, 0x5a, 0x89, ...ebp32(0, slot), 0x89, ...ebp32(2, slot + 4));
  });
  // mov esi, 3; l: body; dec esi; jnz l; hlt — three passes, so that the compiled code runs too.
  const back = -(body.length + 1 + 6);
  return [0xbe, ...le32(3), ...body, 0x4e, 0x0f, 0x85, ...le32(back >>> 0), 0xf4];
}

const SHIFTS = [4, 5, 7]; // SHL SHR SAR (ModRM.reg of group 2)
const VALUES = [0x12348001, 0xffff7ffe, 0x80000000, 0x00000001];
const COUNTS = Array.from({ length: 34 }, (_, c) => c);

function entries(): ((slot: number) => number[])[] {
  const out: ((slot: number) => number[])[] = [];
  for (const v of VALUES) {
    for (const g of SHIFTS) {
      for (const c of COUNTS) {
        // r16 by imm8, r32 by CL, m32 by imm8 (read-modify-write, then loaded into EAX).
        out.push(() => [...movEax(v), 0x66, 0xc1, 0xc0 | (g << 3), c]);
        out.push(() => [...movEax(v), 0xb1, c, 0xd3, 0xc0 | (g << 3)]);
        out.push((slot) => [...movEax(v), 0x89, ...ebp32(0, slot), 0xc1, ...ebp32(g, slot), c, 0x8b, ...ebp32(0, slot)]);
      }
      // By 1: r16 and m32.
      out.push(() => [...movEax(v), 0x66, 0xd1, 0xc0 | (g << 3)]);
      out.push((slot) => [...movEax(v), 0x89, ...ebp32(0, slot), 0xd1, ...ebp32(g, slot), 0x8b, ...ebp32(0, slot)]);
    }
    for (const carry of [0xf8, 0xf9]) {
      // CLC / STC, then INC/DEC m32 (CF kept) and INC/DEC r32 in the FF form.
      for (const op of [0, 1]) {
        out.push((slot) => [...movEax(v), carry, 0x89, ...ebp32(0, slot), 0xff, ...ebp32(op, slot), 0x8b, ...ebp32(0, slot)]);
        out.push(() => [...movEax(v), carry, 0xff, 0xc0 | (op << 3)]);
      }
    }
    for (const w of VALUES) {
      // ADD OR AND SUB XOR m32, r32 (ECX = w), and the group-1 imm8 forms.
      for (const op of [0x01, 0x09, 0x21, 0x29, 0x31]) out.push((slot) => [...movEax(v), 0xb9, ...le32(w), 0x89, ...ebp32(0, slot), op, ...ebp32(1, slot), 0x8b, ...ebp32(0, slot)]);
      for (const g of [0, 1, 4, 5, 6]) out.push((slot) => [...movEax(v), 0x89, ...ebp32(0, slot), 0x83, ...ebp32(g, slot), w & 0xff, 0x8b, ...ebp32(0, slot)]);
      // TEST r8, r8 (AL with CL, AH with CH): the byte-sized flags.
      out.push(() => [...movEax(v), 0xb9, ...le32(w), 0x84, 0xc8]);
      out.push(() => [...movEax(v), 0xb9, ...le32(w), 0x84, 0xec]);
      // Byte ALU: ADD OR AND SUB XOR CMP AL, imm8 and TEST AL, imm8 (also with an operand-size prefix).
      for (const op of [0x04, 0x0c, 0x24, 0x2c, 0x34, 0x3c, 0xa8]) out.push(() => [...movEax(v), op, w & 0xff]);
      out.push(() => [...movEax(v), 0x66, 0x2c, w & 0xff]);
      // ADD AH, CH; SUB AL, CH (r8, r/m8); SUB AH, imm8 (group 1); with memory: XOR AL, [m8], ADD AH, [m8 + 1],
      // CMP [m8], imm8, TEST [m8], imm8, CMP [m8], AL; ADD [m8], AL writes memory (the handler).
      out.push(() => [...movEax(v), 0xb9, ...le32(w), 0x00, 0xec]);
      out.push(() => [...movEax(v), 0xb9, ...le32(w), 0x2a, 0xc5]);
      out.push(() => [...movEax(v), 0x80, 0xec, w & 0xff]);
      // ECX stored to the slot first (EAX keeps v).
      const inMem = (insn: (slot: number) => number[]) => (slot: number) => [...movEax(v), 0xb9, ...le32(w), 0x89, ...ebp32(1, slot), ...insn(slot)];
      out.push(inMem((slot) => [0x32, ...ebp32(0, slot)]));
      out.push(inMem((slot) => [0x02, ...ebp32(4, slot + 1)]));
      out.push(inMem((slot) => [0x80, ...ebp32(7, slot), v & 0xff]));
      out.push(inMem((slot) => [0xf6, ...ebp32(0, slot), v & 0xff]));
      out.push(inMem((slot) => [0x38, ...ebp32(0, slot)]));
      out.push(inMem((slot) => [0x00, ...ebp32(0, slot), 0x8b, ...ebp32(0, slot)]));
    }
  }
  return out;
}

function run(jitThreshold: number, code: number[], count: number): { results: number[]; eflags: number; cycles: number; retired: number[] } {
  const m: Machine = createMachine({ code, regs: { ebp: DATA } });
  m.engine.jitThreshold = jitThreshold;
  m.engine.run(1_000_000);
  expect(m.cpu.halted).toBe(true);
  const view = new DataView(m.ram.buffer);
  const results = Array.from({ length: 2 * count }, (_, k) => view.getUint32(DATA + 4 * k, true));
  return { results, eflags: readEflags(m.cpu), cycles: m.cpu.cycles, retired: Array.from(m.cpu.counters.retired) };
}

describe('compiled shift, INC/DEC and read-modify-write forms', () => {
  it('leave the same result and EFLAGS as the interpreter for every count and edge value', () => {
    const list = entries();
    const code = program(list);
    const interp = run(Infinity, code, list.length);
    const jit = run(1, code, list.length);
    // Some shifts set OF and CF, some leave the flags (count 0): the cases do tell the forms apart.
    expect(new Set(interp.results.filter((_, k) => k % 2 === 1)).size).toBeGreaterThan(8);
    expect(jit.results).toEqual(interp.results);
    expect(jit).toEqual(interp);
  });
});
