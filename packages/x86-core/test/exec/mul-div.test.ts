/** @file MUL IMUL DIV IDIV: 64-bit products and quotients, CF/OF, #DE on zero divisors and on quotient overflow. */
import { describe, expect, it } from 'vitest';
import { createMachine, eflags, exec, peek32, regs, run } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

describe('multiply', () => {
  it('MUL r32: EDX:EAX, CF=OF=1 when EDX != 0', () => {
    const m = exec(/* mov eax, 0x80000000; mov ecx, 4; mul ecx */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0xb9, 0x04, 0x00, 0x00, 0x00, 0xf7, 0xe1], 3);
    expect(regs(m).eax).toBe(0);
    expect(regs(m).edx).toBe(2);
    expect(eflags(m) & 0x801).toBe(0x801);
  });
  it('MUL full 32x32 product', () => {
    const m = exec(/* mov eax, 0xffffffff; mov ecx, 0xffffffff; mul ecx */ [0xb8, 0xff, 0xff, 0xff, 0xff, 0xb9, 0xff, 0xff, 0xff, 0xff, 0xf7, 0xe1], 3);
    expect(regs(m).eax).toBe(1);
    expect(regs(m).edx).toBe(0xfffffffe);
  });
  it('IMUL one operand: signed, CF=OF=0 when EDX is the sign extension', () => {
    const m = exec(/* mov eax, -3; mov ecx, 7; imul ecx */ [0xb8, 0xfd, 0xff, 0xff, 0xff, 0xb9, 0x07, 0x00, 0x00, 0x00, 0xf7, 0xe9], 3);
    expect(regs(m).eax).toBe(0xffffffeb);
    expect(regs(m).edx).toBe(0xffffffff);
    expect(eflags(m) & 0x801).toBe(0);
  });
  it('IMUL three operands truncates and flags the overflow', () => {
    const m = exec(/* mov ecx, 0x10000; imul eax, ecx, 0x10000 */ [0xb9, 0x00, 0x00, 0x01, 0x00, 0x69, 0xc1, 0x00, 0x00, 0x01, 0x00], 2);
    expect(regs(m).eax).toBe(0);
    expect(eflags(m) & 0x801).toBe(0x801);
  });
  it('MUL r8 and IMUL r16', () => {
    let m = exec(/* mov al, 200; mov cl, 3; mul cl */ [0xb0, 0xc8, 0xb1, 0x03, 0xf6, 0xe1], 3);
    expect(regs(m).eax & 0xffff).toBe(600);
    m = exec(/* mov ax, -300; mov cx, 300; imul cx */ [0x66, 0xb8, 0xd4, 0xfe, 0x66, 0xb9, 0x2c, 0x01, 0x66, 0xf7, 0xe9], 3);
    expect(regs(m).eax & 0xffff).toBe((-90000 & 0xffff) >>> 0);
    expect(regs(m).edx & 0xffff).toBe(((-90000 >> 16) & 0xffff) >>> 0);
  });
});

describe('divide', () => {
  it('DIV r32 with a 64-bit dividend', () => {
    const m = exec(/* mov edx, 1; mov eax, 0; mov ecx, 2; div ecx */ [0xba, 0x01, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xf7, 0xf1], 4);
    expect(regs(m).eax).toBe(0x80000000);
    expect(regs(m).edx).toBe(0);
    const m2 = exec(/* mov edx, 0x12345; mov eax, 0x6789abcd; mov ecx, 0xfedcba98; div ecx */ [0xba, 0x45, 0x23, 0x01, 0x00, 0xb8, 0xcd, 0xab, 0x89, 0x67, 0xb9, 0x98, 0xba, 0xdc, 0xfe, 0xf7, 0xf1], 4);
    const n = (0x12345n << 32n) | 0x6789abcdn;
    expect(regs(m2).eax).toBe(Number(n / 0xfedcba98n));
    expect(regs(m2).edx).toBe(Number(n % 0xfedcba98n));
  });
  it('IDIV truncates toward zero; remainder takes the dividend sign', () => {
    const m = exec(/* mov eax, -7; cdq; mov ecx, 2; idiv ecx */ [0xb8, 0xf9, 0xff, 0xff, 0xff, 0x99, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xf7, 0xf9], 4);
    expect(regs(m).eax).toBe(0xfffffffd);
    expect(regs(m).edx).toBe(0xffffffff);
  });
  it('DIV r8 and r16', () => {
    let m = exec(/* mov ax, 1000; mov cl, 7; div cl */ [0x66, 0xb8, 0xe8, 0x03, 0xb1, 0x07, 0xf6, 0xf1], 3);
    expect(regs(m).eax & 0xffff).toBe((6 << 8) | 142);
    m = exec(/* mov dx, 1; mov ax, 0; mov cx, 3; div cx */ [0x66, 0xba, 0x01, 0x00, 0x66, 0xb8, 0x00, 0x00, 0x66, 0xb9, 0x03, 0x00, 0x66, 0xf7, 0xf1], 4);
    expect(regs(m).eax & 0xffff).toBe(21845);
    expect(regs(m).edx & 0xffff).toBe(1);
  });

  function withIdt(code: number[]) {
    const m = createMachine({ code });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram[0x3000] = 0xf4; // #DE handler: hlt
    return m;
  }
  it('#DE on division by zero: EIP of the DIV is pushed, registers unchanged', () => {
    const m = withIdt(/* mov eax, 5; xor ecx, ecx; div ecx */ [0xb8, 0x05, 0x00, 0x00, 0x00, 0x31, 0xc9, 0xf7, 0xf1]);
    run(m, 10);
    expect(m.cpu.counters.vectors[0]).toBe(1);
    expect(m.cpu.eip).toBe(0x3001);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1007);
    expect(regs(m).eax).toBe(5);
  });
  it('#DE on quotient overflow (DIV and IDIV)', () => {
    let m = withIdt(/* mov edx, 2; mov eax, 0; mov ecx, 2; div ecx */ [0xba, 0x02, 0x00, 0x00, 0x00, 0xb8, 0x00, 0x00, 0x00, 0x00, 0xb9, 0x02, 0x00, 0x00, 0x00, 0xf7, 0xf1]);
    run(m, 10);
    expect(m.cpu.counters.vectors[0]).toBe(1);
    expect(regs(m).edx).toBe(2);
    m = withIdt(/* mov eax, 0x80000000; cdq; mov ecx, -1; idiv ecx */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0x99, 0xb9, 0xff, 0xff, 0xff, 0xff, 0xf7, 0xf9]);
    run(m, 10);
    expect(m.cpu.counters.vectors[0]).toBe(1);
    m = withIdt(/* mov ax, 0x8000; mov cl, 0x80; idiv cl */ [0x66, 0xb8, 0x00, 0x80, 0xb1, 0x80, 0xf6, 0xf9]);
    run(m, 10);
    expect(m.cpu.counters.vectors[0]).toBe(1);
  });
});

describe('64-bit DIV/IDIV in exact Number arithmetic, against a BigInt oracle', () => {
  // One machine for every case: div ebx at 0x1000, idiv ebx at 0x1002, #DE handler = hlt.
  const m = createMachine({ code: /* div ebx; idiv ebx */ [0xf7, 0xf3, 0xf7, 0xfb] });
  setupGdt(m);
  setupIdt(m, 0x3000);
  m.ram[0x3000] = 0xf4;
  /** Runs `div ebx` / `idiv ebx` with EDX:EAX and EBX; returns [EAX, EDX] or 'DE'. */
  function divide(signed: boolean, hi: number, lo: number, d: number): [number, number] | 'DE' {
    const faults = m.cpu.counters.vectors[0]!;
    m.cpu.halted = false;
    m.cpu.eip = signed ? 0x1002 : 0x1000;
    m.cpu.regs[4] = 0x8000;
    m.cpu.regs[2] = hi;
    m.cpu.regs[0] = lo;
    m.cpu.regs[3] = d;
    run(m, 1);
    return m.cpu.counters.vectors[0] !== faults ? 'DE' : [regs(m).eax, regs(m).edx];
  }
  function oracle(signed: boolean, hi: number, lo: number, d: number): [number, number] | 'DE' {
    const n = signed ? BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) : (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const bd = signed ? BigInt(d | 0) : BigInt(d >>> 0);
    if (bd === 0n) return 'DE';
    const q = n / bd;
    if (signed ? q > 0x7fffffffn || q < -0x80000000n : q > 0xffffffffn) return 'DE';
    return [Number(BigInt.asUintN(32, q)), Number(BigInt.asUintN(32, n % bd))];
  }
  it('agrees on 3000 seeded random and boundary dividends/divisors', () => {
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed | 0;
    };
    const edges = [0, 1, -1, 2, 0x7fffffff, -0x80000000, 0x80000001 | 0, 0xffff, 0x10000, 3];
    const cases: [number, number, number][] = [];
    for (const hi of edges) for (const d of edges) cases.push([hi, next(), d]);
    for (let k = cases.length; k < 3000; k++) {
      // Mostly small high halves so that many divisions do not overflow.
      const hi = k % 3 === 0 ? next() : next() >> (k % 31);
      cases.push([hi, next(), k % 5 === 0 ? next() >> (k % 29) : next()]);
    }
    let mismatches = 0;
    let checked = 0;
    for (const [hi, lo, d] of cases) {
      for (const signed of [false, true]) {
        const got = divide(signed, hi, lo, d);
        const want = oracle(signed, hi, lo, d);
        checked++;
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches++;
      }
    }
    expect(checked).toBe(6000);
    expect(mismatches).toBe(0);
  });
});
