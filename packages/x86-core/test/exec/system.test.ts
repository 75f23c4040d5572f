/** @file System instructions: CPUID, MSRs, SYSENTER/SYSEXIT, CR8 through LOCK MOV CR0, CR checks, descriptor-table instructions, IN/OUT permission checks. */
import { describe, expect, it } from 'vitest';
import { createMachine, exec, peek32, poke32, regs, run } from '../helpers/machine.ts';
import { enterRing3, SEL, setupGdt, setupIdt, TABLES } from '../helpers/protected-mode.ts';

describe('CPUID', () => {
  it('leaf 0: max leaf 1 and our vendor string; leaf 1: family 6 and the implemented features', () => {
    let m = exec(/* xor eax, eax; cpuid */ [0x31, 0xc0, 0x0f, 0xa2], 2);
    const r = regs(m);
    const vendor = [r.ebx, r.edx, r.ecx].map((v) => String.fromCharCode(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24)).join('');
    expect(r.eax).toBe(1);
    expect(vendor).toBe('x86virtCPU  ');
    m = exec(/* mov eax, 1; cpuid */ [0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0xa2], 2);
    expect(regs(m).eax).toBe(0x633);
    expect(regs(m).edx).toBe(0xa939); // FPU PSE TSC MSR CX8 SEP PGE CMOV
    m = exec(/* mov eax, 0x80000001; cpuid */ [0xb8, 0x01, 0x00, 0x00, 0x80, 0x0f, 0xa2], 2);
    expect(regs(m).ecx).toBe(0x14); // AltMovCr8, SVM
    m = exec(/* mov eax, 0x80000000; cpuid */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0x0f, 0xa2], 2);
    expect(regs(m).eax).toBe(0x8000000a);
    m = exec(/* mov eax, 0x8000000a; cpuid */ [0xb8, 0x0a, 0x00, 0x00, 0x80, 0x0f, 0xa2], 2);
    expect([regs(m).eax, regs(m).ebx, regs(m).edx]).toEqual([1, 16, 9]); // revision 1, 16 ASIDs, NP + NRIPS
  });
});

describe('control registers and MSRs', () => {
  it('DR6 and DR7 keep their fixed bits: reset FFFF0FF0h / 400h, MOV of 0 reads them back', () => {
    const m = exec(/* mov ebx, dr6; mov esi, dr7; xor eax, eax; mov dr6, eax; mov dr7, eax; mov ecx, dr6; mov edx, dr7; mov dr0, eax; mov edi, dr0 */ [0x0f, 0x21, 0xf3, 0x0f, 0x21, 0xfe, 0x31, 0xc0, 0x0f, 0x23, 0xf0, 0x0f, 0x23, 0xf8, 0x0f, 0x21, 0xf1, 0x0f, 0x21, 0xfa, 0x0f, 0x23, 0xc0, 0x0f, 0x21, 0xc7], 9, { regs: { edi: 5 } });
    expect(regs(m)).toMatchObject({ ebx: 0xffff0ff0, esi: 0x400, ecx: 0xffff0ff0, edx: 0x400, edi: 0 });
  });
  it('LOCK MOV CR0 reaches CR8 (TPR)', () => {
    const m = exec(/* mov eax, 5; lock mov cr0, eax; xor eax, eax; lock mov eax, cr0 */ [0xb8, 0x05, 0x00, 0x00, 0x00, 0xf0, 0x0f, 0x22, 0xc0, 0x31, 0xc0, 0xf0, 0x0f, 0x20, 0xc0], 4);
    expect(m.cpu.cr8).toBe(5);
    expect(regs(m).eax).toBe(5);
    expect(m.cpu.cr0 & 1).toBe(1);
  });
  it('CR0 with PG but not PE is #GP(0); CR4 reserved bits are #GP(0)', () => {
    const m = createMachine({ code: /* mov eax, 0x80000000; mov cr0, eax */ [0xb8, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram[0x30d0] = 0xf4;
    run(m, 5);
    expect(m.cpu.counters.vectors[13]).toBe(1);
  });
  it('RDMSR/WRMSR: SYSENTER MSRs and the TSC', () => {
    const m = exec(/* mov ecx, 0x174; mov eax, 0x08; xor edx, edx; wrmsr; mov ecx, 0x10; mov eax, 1000; wrmsr; nop; rdtsc; mov ecx, 0x174; rdmsr */ [0xb9, 0x74, 0x01, 0x00, 0x00, 0xb8, 0x08, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, 0xb9, 0x10, 0x00, 0x00, 0x00, 0xb8, 0xe8, 0x03, 0x00, 0x00, 0x0f, 0x30, 0x90, 0x0f, 0x31, 0xb9, 0x74, 0x01, 0x00, 0x00, 0x0f, 0x32], 12);
    expect(m.cpu.sysenterCs).toBe(8);
    expect(regs(m).eax).toBe(8);
  });
  it('SYSENTER to ring 0 and SYSEXIT back to ring 3', () => {
    const m = createMachine({ code: /* mov ecx, 0x174; mov eax, 0x08; xor edx, edx; wrmsr; inc ecx; mov eax, 0x6000; wrmsr; inc ecx; mov eax, 0x2000; wrmsr */ [0xb9, 0x74, 0x01, 0x00, 0x00, 0xb8, 0x08, 0x00, 0x00, 0x00, 0x31, 0xd2, 0x0f, 0x30, 0x41, 0xb8, 0x00, 0x60, 0x00, 0x00, 0x0f, 0x30, 0x41, 0xb8, 0x00, 0x20, 0x00, 0x00, 0x0f, 0x30] });
    setupGdt(m);
    m.ram.set(/* mov ebx, 1; mov edx, 0x1200; mov ecx, 0x7000; sysexit */ [0xbb, 0x01, 0x00, 0x00, 0x00, 0xba, 0x00, 0x12, 0x00, 0x00, 0xb9, 0x00, 0x70, 0x00, 0x00, 0x0f, 0x35], 0x2000);
    m.ram.set(/* sysenter */ [0x0f, 0x34], 0x1100);
    run(m, 10);
    enterRing3(m, 0x1100, 0x7abc);
    run(m, 5);
    expect(m.cpu.cpl).toBe(3);
    expect(m.cpu.eip).toBe(0x1200);
    expect(m.cpu.segSel[1]).toBe(SEL.CODE3);
    expect(m.cpu.segSel[2]).toBe(SEL.DATA3);
    expect(regs(m)).toMatchObject({ ebx: 1, esp: 0x7000 });
  });
  it('SGDT/SIDT/SLDT/STR/SMSW, LGDT/LIDT', () => {
    const m = createMachine({ code: /* sgdt [0x2000]; sidt [0x2010]; str ax; smsw ebx; lidt [0x2000]; sldt cx */ [0x0f, 0x01, 0x05, 0x00, 0x20, 0x00, 0x00, 0x0f, 0x01, 0x0d, 0x10, 0x20, 0x00, 0x00, 0x66, 0x0f, 0x00, 0xc8, 0x0f, 0x01, 0xe3, 0x0f, 0x01, 0x1d, 0x00, 0x20, 0x00, 0x00, 0x66, 0x0f, 0x00, 0xc1] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    run(m, 6);
    expect(m.ram[0x2000] | (m.ram[0x2001]! << 8)).toBe(0x4f);
    expect(peek32(m, 0x2002)).toBe(TABLES.GDT);
    expect(peek32(m, 0x2012)).toBe(TABLES.IDT);
    expect(regs(m).eax & 0xffff).toBe(SEL.TSS);
    expect(regs(m).ebx).toBe(0x11);
    expect(m.cpu.idtrBase).toBe(TABLES.GDT);
    expect(regs(m).ecx & 0xffff).toBe(0);
  });
});

describe('port I/O permission', () => {
  function ring3Io(bitmapBlocks: boolean) {
    const m = createMachine({ code: /* mov dx, 0x80; mov al, 1; out dx, al; in al, 0x81 */ [0x66, 0xba, 0x80, 0x00, 0xb0, 0x01, 0xee, 0xe4, 0x81] });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram[0x30d0] = 0xf4;
    // TSS limit grown to cover an I/O bitmap at offset 0x68 (ports 0-0x3ff).
    m.cpu.segLimit[7] = 0x68 + 0x80;
    poke32(m, TABLES.TSS + 100, 0x68 << 16);
    if (bitmapBlocks) m.ram[TABLES.TSS + 0x68 + (0x81 >> 3)] = 0x02; // port 0x81 denied
    enterRing3(m, 0x1000, 0x7000);
    return m;
  }
  it('CPL 3 > IOPL: ports allowed by the TSS bitmap work, a denied port is #GP(0)', () => {
    let m = ring3Io(false);
    run(m, 4);
    expect(m.io.writes).toEqual([{ port: 0x80, size: 1, value: 1 }]);
    expect(m.cpu.counters.vectors[13]).toBe(0);
    m = ring3Io(true);
    run(m, 6);
    expect(m.io.writes.length).toBe(1);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(peek32(m, TABLES.RING0_STACK - 20)).toBe(0x1007);
  });
});
