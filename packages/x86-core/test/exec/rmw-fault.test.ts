/** @file A read-modify-write whose store faults changes nothing, the flags included: the EFLAGS the #PF pushes are those from before the instruction (interpreter forms, handlers, compiled code). */
import { describe, expect, it } from 'vitest';
import { createMachine, poke32 } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** Read-modify-writes of the dword at [EBX], one per read-only page. */
const RMW: Readonly<Record<string, number[]>> = {
  'inc m32': [0xff, 0x03],
  'dec m32': [0xff, 0x0b],
  'neg m32': [0xf7, 0x1b],
  'add m32, ecx': [0x01, 0x0b],
  'sub m32, imm8': [0x83, 0x2b, 0x05],
  'shl m32, 3': [0xc1, 0x23, 0x03],
  'shld m32, ecx, 4': [0x0f, 0xa4, 0x0b, 0x04],
};
const FLAGS_BEFORE = 0x9800;
const FLAGS_PUSHED = 0x9000;
/** CF PF AF ZF SF OF. */
const ARITH = 0x8d5;

function run(jitThreshold: number): { before: number[]; pushed: number[]; values: number[]; faults: number } {
  const code: number[] = [];
  Object.values(RMW).forEach((insn, k) => {
    code.push(0xbb, ...le32(0x40000 + k * 0x1000)); // mov ebx, page k
    code.push(0xb8, ...le32(0x7fffffff), 0x83, 0xc0, 0x01, 0xf9); // mov eax, 0x7fffffff; add eax, 1; stc: OF SF AF PF CF set
    code.push(0x9c, 0x8f, 0x05, ...le32(FLAGS_BEFORE + 4 * k)); // pushfd; pop [before k]
    code.push(...insn);
  });
  code.push(0xf4);
  const m = createMachine({ code, regs: { ecx: 0x12345678, esi: 0 } });
  m.engine.jitThreshold = jitThreshold;
  setupGdt(m);
  setupIdt(m, 0x3000);
  // #PF: store the pushed EFLAGS (above the error code, EIP, CS) at [pushed + 4 * ESI], count, make the page writable, iret.
  m.ram.set(
    [0x8b, 0x54, 0x24, 0x0c, 0x89, 0x14, 0xb5, ...le32(FLAGS_PUSHED), 0x46, 0x0f, 0x20, 0xd2, 0xc1, 0xea, 0x0c, 0x83, 0x0c, 0x95, 0x00, 0x50, 0x03, 0x00, 0x03, 0x0f, 0x20, 0xd2, 0x0f, 0x01, 0x3a, 0x5a, 0xcf],
    0x3000 + 16 * 14,
  );
  poke32(m, 0x34000, 0x35000 | 3);
  for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, p < 0x40 ? (p << 12) | 3 : (p << 12) | 1);
  for (let k = 0; k < Object.keys(RMW).length; k++) poke32(m, 0x40000 + k * 0x1000, 0x80000001 + k);
  m.cpu.cr3 = 0x34000;
  m.cpu.cr0 |= 0x80010000; // PG, WP
  m.engine.run(10_000);
  expect(m.cpu.halted).toBe(true);
  const view = new DataView(m.ram.buffer);
  const n = Object.keys(RMW).length;
  const at = (base: number): number[] => Array.from({ length: n }, (_, k) => view.getUint32(base + 4 * k, true));
  return { before: at(FLAGS_BEFORE), pushed: at(FLAGS_PUSHED), values: Array.from({ length: n }, (_, k) => view.getUint32(0x40000 + k * 0x1000, true)), faults: m.cpu.regs[6]! };
}

describe('a read-modify-write whose store faults', () => {
  it('leaves EFLAGS as they were (the #PF pushes the flags from before the instruction)', () => {
    const interp = run(Infinity);
    expect(interp.faults).toBe(Object.keys(RMW).length);
    const names = Object.keys(RMW);
    expect(Object.fromEntries(names.map((x, k) => [x, interp.pushed[k]! & ARITH]))).toEqual(Object.fromEntries(names.map((x, k) => [x, interp.before[k]! & ARITH])));
    expect(run(1)).toEqual(interp);
  });
});
