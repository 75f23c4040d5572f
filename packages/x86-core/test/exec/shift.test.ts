/** @file Shifts and rotates: results and flags for counts 0, 1 and >1 (SDM Vol.2 SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR, SHLD, SHRD). */
import { describe, expect, it } from 'vitest';
import { eflags, exec, regs } from '../helpers/machine.ts';

describe('shifts', () => {
  it('SHL by 1: CF = bit out, OF = MSB xor CF', () => {
    const m = exec(/* mov eax, 0x80000001; shl eax, 1 */ [0xb8, 0x01, 0x00, 0x00, 0x80, 0xd1, 0xe0], 2);
    expect(regs(m).eax).toBe(2);
    expect(eflags(m)).toBe(0x803);
  });
  it('a count of 0 changes nothing, flags included', () => {
    const m = exec(/* mov eax, 0x40; stc; shl eax, 0 */ [0xb8, 0x40, 0x00, 0x00, 0x00, 0xf9, 0xc1, 0xe0, 0x00], 3);
    expect(regs(m).eax).toBe(0x40);
    expect(eflags(m)).toBe(0x3);
  });
  it('the count is masked to 5 bits (SHL by 33 = by 1)', () => {
    const m = exec(/* mov eax, 3; mov cl, 33; shl eax, cl */ [0xb8, 0x03, 0x00, 0x00, 0x00, 0xb1, 0x21, 0xd3, 0xe0], 3);
    expect(regs(m).eax).toBe(6);
  });
  it('SHR by 4: CF = last bit out', () => {
    const m = exec(/* mov eax, 0x1f; shr eax, 4 */ [0xb8, 0x1f, 0x00, 0x00, 0x00, 0xc1, 0xe8, 0x04], 2);
    expect(regs(m).eax).toBe(1);
    expect(eflags(m)).toBe(0x3);
  });
  it('SHR by 1: OF = MSB of the original', () => {
    const m = exec(/* mov eax, 0x80000000; shr eax, 1 */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0xd1, 0xe8], 2);
    expect(regs(m).eax).toBe(0x40000000);
    expect(eflags(m) & 0x801).toBe(0x800);
  });
  it('SAR keeps the sign', () => {
    const m = exec(/* mov eax, 0x80000000; sar eax, 31 */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0xc1, 0xf8, 0x1f], 2);
    expect(regs(m).eax).toBe(0xffffffff);
    expect(eflags(m)).toBe(0x86);
  });
  it('SHL 8-bit by 8: result 0, CF = bit 0 of the original', () => {
    const m = exec(/* mov al, 0x81; shl al, 8 */ [0xb0, 0x81, 0xc0, 0xe0, 0x08], 2);
    expect(regs(m).eax & 0xff).toBe(0);
    expect(eflags(m) & 0x41).toBe(0x41);
  });
  it('ROL/ROR by 1: CF and OF only', () => {
    let m = exec(/* mov al, 0x81; rol al, 1 */ [0xb0, 0x81, 0xd0, 0xc0], 2);
    expect(regs(m).eax & 0xff).toBe(0x03);
    expect(eflags(m)).toBe(0x803);
    m = exec(/* mov al, 0x01; ror al, 1 */ [0xb0, 0x01, 0xd0, 0xc8], 2);
    expect(regs(m).eax & 0xff).toBe(0x80);
    expect(eflags(m)).toBe(0x803);
  });
  it('ROL 8-bit by 8: value unchanged, CF = LSB', () => {
    const m = exec(/* mov al, 0x81; rol al, 8 */ [0xb0, 0x81, 0xc0, 0xc0, 0x08], 2);
    expect(regs(m).eax & 0xff).toBe(0x81);
    expect(eflags(m) & 1).toBe(1);
  });
  it('RCL/RCR through CF', () => {
    let m = exec(/* stc; mov al, 0x80; rcl al, 1 */ [0xf9, 0xb0, 0x80, 0xd0, 0xd0], 3);
    expect(regs(m).eax & 0xff).toBe(0x01);
    expect(eflags(m)).toBe(0x803);
    m = exec(/* clc; mov al, 0x01; rcr al, 1 */ [0xf8, 0xb0, 0x01, 0xd0, 0xd8], 3);
    expect(regs(m).eax & 0xff).toBe(0x00);
    expect(eflags(m)).toBe(0x3);
    // RCL 8-bit by 9 is a full turn through CF: value and CF unchanged.
    m = exec(/* stc; mov al, 0x5a; rcl al, 9 */ [0xf9, 0xb0, 0x5a, 0xc0, 0xd0, 0x09], 3);
    expect(regs(m).eax & 0xff).toBe(0x5a);
    expect(eflags(m) & 1).toBe(1);
  });
  it('RCR 32-bit by 4', () => {
    const m = exec(/* stc; mov eax, 0x12345678; rcr eax, 4 */ [0xf9, 0xb8, 0x78, 0x56, 0x34, 0x12, 0xc1, 0xd8, 0x04], 3);
    // CF enters at bit 28 first round: (1 << 28) | (0x8 << 29 ...) computed bitwise: 0x1 2345678 >> 4 with CF:bits
    expect(regs(m).eax).toBe(0x11234567);
    expect(eflags(m) & 1).toBe(1);
  });
  it('SHLD and SHRD', () => {
    let m = exec(/* mov eax, 0x12345678; mov edx, 0x9abcdef0; shld eax, edx, 8 */ [0xb8, 0x78, 0x56, 0x34, 0x12, 0xba, 0xf0, 0xde, 0xbc, 0x9a, 0x0f, 0xa4, 0xd0, 0x08], 3);
    expect(regs(m).eax).toBe(0x3456789a);
    expect(eflags(m)).toBe(0x6);
    m = exec(/* mov eax, 0x12345678; mov edx, 0x9abcdef0; shrd eax, edx, 4 */ [0xb8, 0x78, 0x56, 0x34, 0x12, 0xba, 0xf0, 0xde, 0xbc, 0x9a, 0x0f, 0xac, 0xd0, 0x04], 3);
    expect(regs(m).eax).toBe(0x01234567);
    expect(eflags(m)).toBe(0x3);
    m = exec(/* mov ax, 0x1234; mov dx, 0xabcd; mov cl, 4; shld ax, dx, cl */ [0x66, 0xb8, 0x34, 0x12, 0x66, 0xba, 0xcd, 0xab, 0xb1, 0x04, 0x66, 0x0f, 0xa5, 0xd0], 4);
    expect(regs(m).eax & 0xffff).toBe(0x234a);
  });
});
