/** @file The block compiler against its reference, the interpreter: seeded random programs of every inlined form, faults inside compiled blocks, self-modifying stores, REP yields — same registers, flags, memory, cycles and counters. */
import { describe, expect, it } from 'vitest';
import { TlbBit } from '@x86virt/mmu';
import { compileBlock, compileRegions, type RegionExit } from '../../src/engine/block-compiler.ts';
import { runBlocks } from '../../src/engine/interpret.ts';
import { VECTOR } from '../../src/cpu/fault.ts';
import type { Block } from '../../src/engine/block.ts';
import { createMachine, poke32, type Machine } from '../helpers/machine.ts';
import { cyclingBudgets, engineState, expectSameAfterRuns } from '../helpers/engine-state.ts';
import { xorshift } from '../helpers/random.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

/** Registers a random instruction may write: EAX ECX EDX EBX ESI EDI (ESP is the stack, EBP the data base). */
const DST = [0, 1, 2, 3, 6, 7];
const DATA = 0x20000;

/** One random instruction (bytes) from the forms the compiler inlines, plus a few it does not (flag readers). */
function randomInstruction(rnd: () => number): number[] {
  const pick = <T>(a: readonly T[]): T => a[rnd() % a.length]!;
  const d = pick(DST);
  const s = rnd() % 8;
  const imm32 = (): number[] => {
    const v = rnd();
    return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
  };
  const disp = (rnd() % 64) * 4;
  const memSlot = [0x45 | (d << 3), disp]; // [ebp + disp8], reg = d
  switch (rnd() % 35) {
    case 0: // add/or/and/sub/xor/cmp Ev,Gv (register)
      return [pick([0x01, 0x09, 0x21, 0x29, 0x31, 0x39, 0x85, 0x89]), 0xc0 | (s << 3) | d];
    case 1: // … Gv,Ev (register)
      return [pick([0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b, 0x8b]), 0xc0 | (d << 3) | s];
    case 2: // group 1, imm8 sign-extended
      return [0x83, 0xc0 | ((rnd() % 8) << 3) | d, rnd() & 0xff];
    case 3: // group 1, imm32
      return [0x81, 0xc0 | ((rnd() % 8) << 3) | d, ...imm32()];
    case 4: // eAX, imm32
      return [pick([0x05, 0x0d, 0x25, 0x2d, 0x35, 0x3d, 0xa9]), ...imm32()];
    case 5: // mov r32, imm32
      return [0xb8 + d, ...imm32()];
    case 6: // inc/dec r32 (one-byte and FF /0, /1 forms)
      return rnd() % 2 === 0 ? [pick([0x40, 0x48]) + d] : [0xff, 0xc0 | (pick([0, 1]) << 3) | d];
    case 7: // shl/shr/sar r32, imm8 (any count, zero included), by 1, and by CL (counts 0, 32 and others), sometimes a Jcc after
      return pick([
        [0xc1, 0xc0 | (pick([4, 5, 6, 7]) << 3) | d, rnd() % 40],
        [0xd1, 0xc0 | (pick([4, 5, 7]) << 3) | d],
        [0xb1, pick([0, 1, 31, 32, rnd() & 0xff]), 0xd3, 0xc0 | (pick([4, 5, 7]) << 3) | pick([0, 2, 3, 6, 7]), ...(rnd() % 2 === 0 ? [0x70 + (rnd() % 16), 0x01, 0x40 + d] : [])],
      ]);
    case 8: // lea r32, [base + index*scale + disp8]
      return [0x8d, 0x44 | (d << 3), ((rnd() % 4) << 6) | (pick(DST) << 3) | pick(DST), rnd() & 0xff];
    case 9: // movzx/movsx r32, r8 / r16
      return [0x0f, pick([0xb6, 0xbe, 0xb7]), 0xc0 | (d << 3) | s];
    case 10: // mov [ebp+d], r / mov r, [ebp+d]
      return [pick([0x89, 0x8b]), ...memSlot];
    case 11: // ALU with a memory source, cmp/test with a memory destination
      return [pick([0x03, 0x0b, 0x23, 0x2b, 0x33, 0x3b, 0x39, 0x85]), ...memSlot];
    case 12: // read-modify-write of a dword in memory: ALU with a register or an immediate, INC/DEC, shifts by 1 or an immediate (count 0 included)
      return pick([
        [pick([0x01, 0x09, 0x21, 0x29, 0x31]), ...memSlot],
        [0x83, 0x45 | (pick([0, 1, 4, 5, 6]) << 3), disp, rnd() & 0xff],
        [0x81, 0x45 | (pick([0, 1, 4, 5, 6]) << 3), disp, ...imm32()],
        [0xff, 0x45 | (pick([0, 1]) << 3), disp],
        [0xc1, 0x45 | (pick([4, 5, 7]) << 3), disp, rnd() % 40],
        [0xd1, 0x45 | (pick([4, 5, 7]) << 3), disp],
      ]);
    case 13: // movzx/movsx r32, byte/word [ebp+d]
      return [0x0f, pick([0xb6, 0xbe, 0xb7]), ...memSlot];
    case 14: // mov dword [ebp+d], imm32; cmp dword [ebp+d], imm8
      return rnd() % 2 === 0 ? [0xc7, 0x45, disp, ...imm32()] : [0x83, 0x7d, disp, rnd() & 0xff];
    case 15: // push r; pop r'
      return [0x50 + s, 0x58 + d];
    case 16: // flag readers: adc/sbb r,r; setcc r8; pushfd; pop r
      return pick([[0x11, 0xc0 | (s << 3) | d], [0x19, 0xc0 | (s << 3) | d], [0x0f, 0x90 + (rnd() % 16), 0xc0 | (d & 3)], [0x9c, 0x58 + d]]);
    case 17: // jcc over the next (one-byte) instruction
      return [0x70 + (rnd() % 16), 0x01, 0x40 + d];
    case 18: // 16-bit operand size: add (not inlined); shl/shr/sar r16 by imm8 (any count) or 1 (inlined), sometimes a Jcc after
      return pick([
        [0x66, 0x01, 0xc0 | (s << 3) | d],
        [0x66, 0xc1, 0xc0 | (pick([4, 5, 7]) << 3) | d, pick([0, 1, 15, 16, 17, rnd() % 40]), ...(rnd() % 2 === 0 ? [0x70 + (rnd() % 16), 0x01, 0x40 + d] : [])],
        [0x66, 0xd1, 0xc0 | (pick([4, 5, 7]) << 3) | d],
      ]);
    case 19: // imul r32, r/m32 (not inlined)
      return [0x0f, 0xaf, 0xc0 | (d << 3) | s];
    case 20: // neg/not r32
      return [0xf7, 0xc0 | (pick([2, 3]) << 3) | d];
    case 21: // test al, imm8 / test r8, r8 / test m8, r8 (byte-sized lazy flags), often followed by a Jcc
      return [
        ...pick([[0xa8, rnd() & 0xff], [0x84, 0xc0 | ((rnd() % 8) << 3) | (rnd() % 8)], [0x84, 0x45 | ((rnd() % 8) << 3), disp + (rnd() % 4)]]),
        ...(rnd() % 2 === 0 ? [0x70 + (rnd() % 16), 0x01, 0x40 + d] : []),
      ];
    case 22: // rol/ror r32 by imm8 (any count) and by 1, often followed by a Jcc on the flags they keep
      return [...(rnd() % 2 === 0 ? [0xc1, 0xc0 | (pick([0, 1]) << 3) | d, rnd() % 40] : [0xd1, 0xc0 | (pick([0, 1]) << 3) | d]), ...(rnd() % 2 === 0 ? [0x70 + (rnd() % 16), 0x01, 0x40 + d] : [])];
    case 23: // mov word [ebp+d], r16
      return [0x66, 0x89, ...memSlot];
    case 24: // call $+5; pop r (the return address) — or loop $+2 (ECX counts down, either way to the next instruction)
      return rnd() % 2 === 0 ? [0xe8, 0, 0, 0, 0, 0x58 + d] : [0xe2, 0x00];
    case 25: // call L; jmp over; L: ret (or ret 0); over:
      return rnd() % 2 === 0 ? [0xe8, 0x02, 0, 0, 0, 0xeb, 0x01, 0xc3] : [0xe8, 0x02, 0, 0, 0, 0xeb, 0x03, 0xc2, 0x00, 0x00];
    case 27: // imul r32, r/m32 (register or memory), imul r32, r/m32, imm8 / imm32 — small and large factors (CF=OF set or not)
      return pick([[0x0f, 0xaf, 0xc0 | (d << 3) | s], [0x0f, 0xaf, ...memSlot], [0x6b, 0xc0 | (d << 3) | s, rnd() & 0xff], [0x69, ...memSlot, ...imm32()], [0x69, 0xc0 | (d << 3) | s, rnd() & 0xff, 0, 0, 0]]);
    case 28: // adc/sbb r,r / r,m / r,imm8 — after a flag writer whose CF they take (or the lazy record's)
      return [...pick([[0x01, 0xc0 | (s << 3) | d], [0x29, 0xc0 | (s << 3) | d], [0x83, 0xe0 | d, rnd() & 0xff], []]), ...pick([[0x11, 0xc0 | (s << 3) | d], [0x19, 0xc0 | (s << 3) | d], [0x13, ...memSlot], [0x1b, ...memSlot], [0x83, 0xd0 | d, rnd() & 0xff], [0x83, 0xd8 | d, rnd() & 0xff]])];
    case 29: // mov r8, r8 / r8, m8 / m8, r8 / r8, imm8 / m8, imm8 (all eight byte registers)
      return pick([[0x88, 0xc0 | (rnd() % 8 << 3) | (rnd() % 8)], [0x8a, 0xc0 | (rnd() % 8 << 3) | (rnd() % 8)], [0x8a, 0x45 | ((rnd() % 8) << 3), disp + (rnd() % 4)], [0x88, 0x45 | ((rnd() % 8) << 3), disp + (rnd() % 4)], [0xb0 + (rnd() % 8), rnd() & 0xff], [0xc6, 0x45, disp + 1, rnd() & 0xff]]);
    case 30: // cmp/sub/test/add then setcc r8 (any byte register), sometimes a Jcc on the same flags after it
      return [pick([0x39, 0x29, 0x85, 0x01, 0x31]), 0xc0 | (s << 3) | d, 0x0f, 0x90 + (rnd() % 16), 0xc0 | (rnd() % 8), ...(rnd() % 2 === 0 ? [0x70 + (rnd() % 16), 0x01, 0x40 + d] : [])];
    case 31: // cmp/sub/test/add/shl then cmovcc r32, r32 / r32, m32
      return [...pick([[0x39, 0xc0 | (s << 3) | d], [0x29, 0xc0 | (s << 3) | d], [0x85, 0xc0 | (s << 3) | d], [0x01, 0xc0 | (s << 3) | d], [0xc1, 0xe0 | d, 1 + (rnd() % 31)]]), 0x0f, 0x40 + (rnd() % 16), ...(rnd() % 2 === 0 ? [0xc0 | (pick(DST) << 3) | s] : memSlot)];
    case 32: // mov r16, m16 (the upper half kept), then a 32-bit use of the register
      return [0x66, 0x8b, ...memSlot, 0x01, 0xc0 | (d << 3) | s];
    case 33: {
      // byte ALU (AL/imm8, r8/r8 both ways, group 1 r8/imm8, r8 from memory, cmp/test/add of memory), then after a flagless
      // mov a reader of the flags it left: setcc r8, cmovcc r32, or a jcc over the next one-byte instruction
      const op = rnd() % 8; // add or adc sbb and sub xor cmp (adc/sbb: the handler)
      const alu = pick([
        [(op << 3) | 4, rnd() & 0xff],
        [0xa8, rnd() & 0xff],
        [(op << 3) | 0, 0xc0 | (rnd() % 8 << 3) | (rnd() % 8)],
        [(op << 3) | 2, 0xc0 | (rnd() % 8 << 3) | (rnd() % 8)],
        [0x80, 0xc0 | (op << 3) | (rnd() % 8), rnd() & 0xff],
        [(op << 3) | 2, 0x45 | ((rnd() % 8) << 3), disp + (rnd() % 4)],
        [0x80, 0x45 | (op << 3), disp + (rnd() % 4), rnd() & 0xff],
        [0xf6, 0x45, disp + (rnd() % 4), rnd() & 0xff],
        [0x84, 0x45 | ((rnd() % 8) << 3), disp + (rnd() % 4)],
      ]);
      const reader = pick([[0x0f, 0x90 + (rnd() % 16), 0xc0 | (rnd() % 8)], [0x0f, 0x40 + (rnd() % 16), 0xc0 | (d << 3) | s], [0x0f, 0x40 + (rnd() % 16), ...memSlot], [0x70 + (rnd() % 16), 0x01, 0x40 + d]]);
      return [...alu, 0x89, 0xc0 | (s << 3) | pick(DST), ...reader];
    }
    default: // mov [ebp+d] then read it back in the same block
      return [0x89, ...memSlot, 0x8b, 0x45 | (s === 4 || s === 5 ? 0 : s << 3), disp];
  }
}

/** A random loop body of `count` instructions, ending in `jmp start`. */
function randomProgram(seed: number, count: number): number[] {
  const rnd = xorshift(seed);
  const code: number[] = [];
  for (let k = 0; k < count; k++) code.push(...randomInstruction(rnd));
  const back = -(code.length + 5);
  code.push(0xe9, back & 0xff, (back >>> 8) & 0xff, (back >>> 16) & 0xff, (back >>> 24) & 0xff);
  return code;
}

/** Everything the two engines must agree on. */
function snapshot(m: Machine): unknown {
  return engineState(m, { data: [DATA, DATA + 0x200], stack: [0x7f00, 0x8000] });
}

function machine(code: number[], jitThreshold: number): Machine {
  const m = createMachine({ code, regs: { ebp: DATA, eax: 0x12345678, ecx: 0x80000000, edx: 7, ebx: 0xffffffff, esi: 3, edi: 0x7fffffff } });
  // The data slots start out non-zero (the same bytes for both engines), so that loads of every size see data.
  const fill = xorshift(0x5eed);
  for (let a = DATA; a < DATA + 0x200; a++) m.ram[a] = fill() & 0xff;
  m.engine.jitThreshold = jitThreshold;
  return m;
}

describe('compiled blocks behave exactly as interpreted ones', () => {
  it('compiles blocks of 32-bit code only', () => {
    expect(compileBlock([], 0xffff)).toBeNull();
    const m = createMachine({ code: /* l: inc eax; jmp l */ [0x40, 0xeb, 0xfd] });
    m.engine.jitThreshold = 3;
    m.engine.run(4);
    expect(m.engine.compiledBlocks).toBe(0);
    m.engine.run(2);
    expect(m.engine.compiledBlocks).toBe(1);
  });
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    it(`random program ${seed}: registers, EFLAGS, memory, cycles and counters agree after 20 000 instructions`, () => {
      const code = randomProgram(seed * 0x9e3779b1, 40);
      const interp = machine(code, Infinity);
      const jit = machine(code, 1);
      // Several budgets: a compiled block is only entered when the whole block fits in the budget.
      expectSameAfterRuns(interp, jit, [1, 7, 100, 5000, 14892], snapshot);
      expect(jit.engine.compiledBlocks).toBeGreaterThan(3);
      expect(interp.engine.compiledBlocks).toBe(0);
    });
  }
  for (const seed of [11, 12, 13, 14]) {
    it(`random program ${seed} in budgets of 1-7 instructions: the same state after every run (regions stop at every kind of boundary)`, () => {
      const code = randomProgram(seed * 0x9e3779b1, 40);
      const interp = machine(code, Infinity);
      const jit = machine(code, 1);
      expectSameAfterRuns(interp, jit, cyclingBudgets(2000, 7), snapshot);
    });
  }
  for (const seed of [21, 22, 23]) {
    it(`random program ${seed} with pages split into regions of at most 2 blocks (exits between a page's regions): the same state`, () => {
      const code = randomProgram(seed * 0x9e3779b1, 40);
      const interp = machine(code, Infinity);
      const jit = machine(code, 1);
      jit.engine.regionBlocks = 2;
      expectSameAfterRuns(interp, jit, [1, 7, 100, 5000, 14892], snapshot);
      expect(jit.engine.compiledBlocks).toBeGreaterThan(3);
    });
  }
  for (const seed of [41, 42, 43, 44]) {
    it(`random one-block loop ${seed} (its own successor: a loop inside the region, slow paths inline): the same state`, () => {
      const rnd = xorshift(seed * 0x9e3779b1);
      const code: number[] = [];
      // No branch, call, loop or return opcode anywhere in an instruction (immediates included): one block.
      const branchy = (ins: number[]): boolean => ins.some((x) => (x >= 0x70 && x <= 0x7f) || x === 0xe8 || x === 0xe2 || x === 0xeb || x === 0xc3 || x === 0xc2 || x === 0xe9);
      while (code.length < 60) {
        const ins = randomInstruction(rnd);
        if (!branchy(ins)) code.push(...ins);
      }
      const back = -(code.length + 2);
      code.push(0xeb, back & 0xff);
      const interp = machine(code, Infinity);
      const jit = machine(code, 1);
      expectSameAfterRuns(interp, jit, [1, 7, 100, 5000, 14892], snapshot);
      expect(jit.engine.compiledBlocks).toBeGreaterThan(0);
      expectSameAfterRuns(interp, jit, cyclingBudgets(1000, 7), snapshot);
    });
  }
  for (const seed of [31, 32, 33]) {
    it(`random program ${seed} under a device deadline every few dozen cycles: the callback sees the same clock at the same points`, () => {
      const code = randomProgram(seed * 0x9e3779b1, 40);
      const run = (threshold: number): unknown => {
        const m = machine(code, threshold);
        const calls: number[] = [];
        m.engine.setDeadline(50, (now) => {
          calls.push(now, m.cpu.counters.retired[0]!);
          return now + 23 + (calls.length % 41);
        });
        const states: unknown[] = [];
        for (const budget of [1, 7, 100, 5000, 14892]) {
          m.engine.run(budget);
          states.push(snapshot(m));
        }
        return { states, calls };
      };
      const interp = run(Infinity);
      expect((interp as { calls: number[] }).calls.length).toBeGreaterThan(500);
      expect(run(1)).toEqual(interp);
    });
  }
  it('an indirect-dispatch loop (constant edges back to an earlier case, taken untested) keeps the budget exact', () => {
    // l: mov edx, eax; and edx, 3; jmp [edx*4 + 0x2000]; t0: add eax, 0x9e3779b9; jmp n; t1: xor eax, 0x5bd1e995; jmp n;
    // t2: not eax; jmp n; t3: neg eax; n: rol eax, 5; add eax, ecx; dec ecx; jnz l; mov ecx, 1000; jmp l
    const code = [
      0x89, 0xc2, 0x83, 0xe2, 0x03, 0xff, 0x24, 0x95, 0x00, 0x20, 0x00, 0x00, 0x05, 0xb9, 0x79, 0x37, 0x9e, 0xeb, 0x0d, 0x35, 0x95, 0xe9, 0xd1, 0x5b,
      0xeb, 0x06, 0xf7, 0xd0, 0xeb, 0x02, 0xf7, 0xd8, 0xc1, 0xc0, 0x05, 0x01, 0xc8, 0x49, 0x75, 0xd8, 0xb9, 0xe8, 0x03, 0x00, 0x00, 0xeb, 0xd2,
    ];
    const make = (threshold: number): Machine => {
      const m = machine(code, threshold);
      [0x100c, 0x1013, 0x101a, 0x101e].forEach((t, k) => poke32(m, 0x2000 + 4 * k, t));
      m.cpu.regs[1] = 1000;
      return m;
    };
    const interp = make(Infinity);
    const jit = make(1);
    expectSameAfterRuns(interp, jit, cyclingBudgets(3000, 7), snapshot);
    expectSameAfterRuns(interp, jit, [100, 5000, 14893, 200_000], snapshot);
    expect(jit.engine.compiledBlocks).toBeGreaterThan(3);
  });
  it('a page split into parts keeps each loop in one part (parts grown along the edges taken, not halved by address)', () => {
    // Two loops whose blocks interleave in the page: A at 0x1000, 0x1100, 0x1200 and B at 0x1020, 0x1120, 0x1220.
    const m = createMachine({ code: [], regs: { esi: 1000, edi: 1000 } });
    const rel32 = (from: number, to: number): number[] => [0, 8, 16, 24].map((k) => ((to - from) >>> k) & 0xff);
    const put = (at: number, bytes: number[]): void => m.ram.set(bytes, at);
    put(0x1000, [0x40, 0xe9, ...rel32(0x1006, 0x1100)]); // A1: inc eax; jmp A2
    put(0x1020, [0x43, 0xe9, ...rel32(0x1026, 0x1120)]); // B1: inc ebx; jmp B2
    put(0x1100, [0x41, 0xe9, ...rel32(0x1106, 0x1200)]); // A2: inc ecx; jmp A3
    put(0x1120, [0x42, 0xe9, ...rel32(0x1126, 0x1220)]); // B2: inc edx; jmp B3
    put(0x1200, [0x4e, 0x0f, 0x85, ...rel32(0x1207, 0x1000), 0xbe, 0xe8, 0x03, 0, 0, 0xe9, ...rel32(0x1211, 0x1020)]); // A3: dec esi; jnz A1; mov esi, 1000; jmp B1
    put(0x1220, [0x4f, 0x0f, 0x85, ...rel32(0x1227, 0x1020), 0xbf, 0xe8, 0x03, 0, 0, 0xe9, ...rel32(0x1231, 0x1000)]); // B3: dec edi; jnz B1; mov edi, 1000; jmp A1
    expect(m.engine.run(50_000).kind).toBe('budget');
    const blocks = [...(m.engine as unknown as { blocks: Map<number, Block> }).blocks.values()].filter((b) => b.phys >>> 12 === 1);
    expect(blocks.length).toBe(8);
    const parts = compileRegions(blocks, TlbBit.FETCH_S, 3);
    // Every block in exactly one part; each loop's three blocks in one part.
    expect(parts.flatMap((p) => p.members).sort((a, b) => a.phys - b.phys)).toEqual([...blocks].sort((a, b) => a.phys - b.phys));
    const partOf = (phys: number): number => parts.findIndex((p) => p.members.some((b) => b.phys === phys));
    expect(new Set([0x1000, 0x1100, 0x1200].map(partOf)).size).toBe(1);
    expect(new Set([0x1020, 0x1120, 0x1220].map(partOf)).size).toBe(1);
    expect(partOf(0x1000)).not.toBe(partOf(0x1020));
  });
  it('a page split into parts takes a hot cycle whole before a cold neighbour of it (best-first, not breadth-first)', () => {
    // Hot cycle L1 → J → L2 → L3 → L4 → L1, five blocks; C (cold: once per 1000 turns) next to L1 both ways.
    const m = createMachine({ code: [], regs: { esi: 1000 } });
    const rel32 = (from: number, to: number): number[] => [0, 8, 16, 24].map((k) => ((to - from) >>> k) & 0xff);
    const put = (at: number, bytes: number[]): void => m.ram.set(bytes, at);
    put(0x1000, [0x4e, 0x0f, 0x84, ...rel32(0x1007, 0x1400), 0xe9, ...rel32(0x100c, 0x1100)]); // L1: dec esi; jz C — J: jmp L2
    put(0x1100, [0x40, 0xe9, ...rel32(0x1106, 0x1200)]); // L2: inc eax; jmp L3
    put(0x1200, [0x41, 0xe9, ...rel32(0x1206, 0x1300)]); // L3: inc ecx; jmp L4
    put(0x1300, [0x42, 0xe9, ...rel32(0x1306, 0x1000)]); // L4: inc edx; jmp L1
    put(0x1400, [0xbe, 0xe8, 0x03, 0, 0, 0xe9, ...rel32(0x140a, 0x1000)]); // C: mov esi, 1000; jmp L1
    expect(m.engine.run(50_000).kind).toBe('budget');
    const blocks = [...(m.engine as unknown as { blocks: Map<number, Block> }).blocks.values()].filter((b) => b.phys >>> 12 === 1);
    expect(blocks.map((b) => b.phys).sort()).toEqual([0x1000, 0x1007, 0x1100, 0x1200, 0x1300, 0x1400]);
    const parts = compileRegions(blocks, TlbBit.FETCH_S, 5);
    const hot = parts.find((p) => p.members.some((b) => b.phys === 0x1000))!;
    expect(hot.members.map((b) => b.phys)).toEqual([0x1000, 0x1007, 0x1100, 0x1200, 0x1300]);
  });
  it('a fault ends a region call, and a runBlocks call, with a return (RegionExit.at): no exception leaves them', () => {
    // A block of two: add ecx, 1 (a block of its own, ended by the jmp); then inc ecx; xor edx, edx; div ebx (EBX = 0: #DE); hlt
    const m = createMachine({ code: [0x83, 0xc1, 0x01, 0xeb, 0x00, 0x41, 0x31, 0xd2, 0xf7, 0xf3, 0xf4], regs: { ebx: 0 } });
    const lookup = (): Block => (m.engine as unknown as { lookup(): Block }).lookup();
    const first = lookup();
    m.cpu.eip = 0x1005;
    const faulting = lookup();
    m.cpu.eip = 0x1000;
    const [part] = compileRegions([first, faulting], TlbBit.FETCH_S, 96);
    const st: RegionExit = { block: null, last: null, at: null, done: 0, eip: 0 };
    // The region runs the first block (accounted: 2 instructions), then faults in the second at the DIV.
    expect(part!.region(m.cpu, 1000, m.engine, st)).toBe(2);
    expect(st.at).toBe(faulting);
    expect(st.eip).toBe(0x1005);
    expect(m.cpu.eip).toBe(0x1008);
    expect(m.cpu.excVector).toBe(VECTOR.DE);
    expect(m.cpu.regs[1]).toBe(2);
    // The interpreter's block runner: the same report for the faulting block alone.
    m.cpu.eip = 0x1005;
    const st2: RegionExit = { block: null, last: null, at: null, done: 0, eip: 0 };
    expect(runBlocks(m.cpu, faulting, faulting.insns.length, true, 1000, Infinity, m.engine, st2)).toBe(0);
    expect(st2.at).toBe(faulting);
    expect(st2.eip).toBe(0x1005);
    expect(m.cpu.eip).toBe(0x1008);
    expect(m.cpu.regs[1]).toBe(3);
  });
  it('a #PF inside a compiled block: same EIP pushed, same instructions counted, same cycles', () => {
    // l: mov eax, [ebx]; add ebx, 0x1000; inc ecx; mov [0x9000], ecx; cmp ebx, 0x80000; jne l; hlt
    const code = [0x8b, 0x03, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, 0x41, 0x89, 0x0d, 0x00, 0x90, 0x00, 0x00, 0x81, 0xfb, 0x00, 0x00, 0x08, 0x00, 0x75, 0xe9, 0xf4];
    const run = (threshold: number): unknown => {
      const m = machine(code, threshold);
      m.cpu.regs[3] = 0x40000;
      setupGdt(m);
      setupIdt(m, 0x3000);
      // #PF: count in ESI, map the page (identity, present, writable), pop the error code, iret.
      m.ram.set(/* inc esi; mov edx, cr2; shr edx, 12; or dword [0x35000 + edx*4], 3; pop edx; mov edx, cr2; invlpg [edx]; iret */ [0x46, 0x0f, 0x20, 0xd2, 0xc1, 0xea, 0x0c, 0x83, 0x0c, 0x95, 0x00, 0x50, 0x03, 0x00, 0x03, 0x5a, 0x0f, 0x20, 0xd2, 0x0f, 0x01, 0x3a, 0xcf], 0x3000 + 16 * 14);
      poke32(m, 0x34000, 0x35000 | 3);
      for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, p < 0x40 ? (p << 12) | 3 : p << 12);
      m.cpu.cr3 = 0x34000;
      m.cpu.cr0 |= 0x80000000;
      m.engine.run(5000);
      expect(m.cpu.halted).toBe(true);
      return { ...(snapshot(m) as object), pf: m.cpu.regs[6], pagesMapped: Array.from(m.ram.subarray(0x35100, 0x35200)) };
    };
    const interp = run(Infinity);
    expect((interp as { pf: number }).pf).toBe(3 + 0x40); // ESI started at 3; one #PF per page 0x40000–0x7f000
    expect(run(1)).toEqual(interp);
  });
  it('a read-modify-write of a page mapped read-only (its translation in the TLB from a load) faults as a write: same error code, EIP, counts and cycles', () => {
    // l: mov eax, [ebx]; add [ebx], ecx; add ebx, 0x1000; inc ecx; cmp ebx, 0x80000; jne l; hlt
    const code = [0x8b, 0x03, 0x01, 0x0b, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00, 0x41, 0x81, 0xfb, 0x00, 0x00, 0x08, 0x00, 0x75, 0xed, 0xf4];
    const run = (threshold: number): unknown => {
      const m = machine(code, threshold);
      m.cpu.regs[3] = 0x40000;
      setupGdt(m);
      setupIdt(m, 0x3000);
      // #PF: count in ESI, the error code in EDI, make the page writable, iret.
      m.ram.set(/* inc esi; pop edi; mov edx, cr2; shr edx, 12; or dword [0x35000 + edx*4], 3; mov edx, cr2; invlpg [edx]; iret */ [0x46, 0x5f, 0x0f, 0x20, 0xd2, 0xc1, 0xea, 0x0c, 0x83, 0x0c, 0x95, 0x00, 0x50, 0x03, 0x00, 0x03, 0x0f, 0x20, 0xd2, 0x0f, 0x01, 0x3a, 0xcf], 0x3000 + 16 * 14);
      poke32(m, 0x34000, 0x35000 | 3);
      // Below 0x40000 present and writable; above, present and read-only (CR0.WP: supervisor writes fault too).
      for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, p < 0x40 ? (p << 12) | 3 : (p << 12) | 1);
      m.cpu.cr3 = 0x34000;
      m.cpu.cr0 |= 0x80010000;
      m.engine.run(5000);
      expect(m.cpu.halted).toBe(true);
      return { ...(snapshot(m) as object), faults: m.cpu.regs[6], errorCode: m.cpu.regs[7], sum: m.ram[0x40000] };
    };
    const interp = run(Infinity) as { faults: number; errorCode: number };
    expect(interp.faults).toBe(3 + 0x40); // ESI started at 3; one #PF per page 0x40000–0x7f000
    expect(interp.errorCode).toBe(3); // present, write
    expect(run(1)).toEqual(interp);
  });
  it('a read-modify-write of the compiled block itself ends it after the store (self-modifying code)', () => {
    // l: add dword [0x1008], 0 (rewrites inc ecx; dec edx; jnz l with the same bytes); nop; inc ecx; dec edx; jnz l; hlt
    const code = [0x83, 0x05, 0x08, 0x10, 0x00, 0x00, 0x00, 0x90, 0x41, 0x4a, 0x75, 0xf4, 0xf4];
    const run = (threshold: number): unknown => {
      const m = machine(code, threshold);
      m.cpu.regs[1] = 0;
      m.cpu.regs[2] = 50;
      m.engine.run(10_000);
      expect(m.cpu.halted).toBe(true);
      return { ...(snapshot(m) as object), built: m.cpu.counters.blocksBuilt, invalidated: m.cpu.counters.blocksInvalidated };
    };
    const interp = run(Infinity) as { invalidated: number; regs: number[] };
    // Each pass drops the block at 0x1000 and the one after the store (from 0x1007), except the first pass's second.
    expect(interp.invalidated).toBe(99);
    expect(run(1)).toEqual(interp);
  });
  it('a store into the compiled block itself ends it after the store (self-modifying code)', () => {
    // l: mov [0x100a], al; 5 x nop; inc ecx (rewritten, with the same byte, by the store); dec edx; jnz l; hlt
    const code = [0xa2, 0x0a, 0x10, 0x00, 0x00, 0x90, 0x90, 0x90, 0x90, 0x90, 0x41, 0x4a, 0x75, 0xf2, 0xf4];
    const run = (threshold: number): unknown => {
      const m = machine(code, threshold);
      m.cpu.regs[0] = 0x41; // AL = inc ecx
      m.cpu.regs[1] = 0;
      m.cpu.regs[2] = 50;
      m.engine.run(10_000);
      return { ...(snapshot(m) as object), built: m.cpu.counters.blocksBuilt, invalidated: m.cpu.counters.blocksInvalidated, patched: m.ram[0x100a] };
    };
    const interp = run(Infinity);
    // Each pass drops the block at 0x1000 and the one after the store (from 0x1005), except the first pass's second.
    expect((interp as { invalidated: number }).invalidated).toBe(99);
    expect(run(1)).toEqual(interp);
  });
  it('a REP that yields inside a compiled block is retired once, by its completing execution', () => {
    // l: mov edi, 0x30000; mov ecx, 10000; rep stosb; inc edx; jmp l
    const code = [0xbf, 0x00, 0x00, 0x03, 0x00, 0xb9, 0x10, 0x27, 0x00, 0x00, 0xf3, 0xaa, 0x42, 0xeb, 0xf0];
    const run = (threshold: number): unknown => {
      const m = machine(code, threshold);
      m.engine.run(50);
      return snapshot(m);
    };
    const interp = run(Infinity);
    expect((interp as { retired: number[] }).retired[0]).toBe(50);
    expect(run(1)).toEqual(interp);
  });
});
