/** @file Protected mode: IDT delivery with the TSS stack switch and IRET back, error codes, #PF with CR2, #DF, triple fault, segment-load checks, call gates. */
import { describe, expect, it } from 'vitest';
import { createMachine, peek32, poke32, regs, run, type Machine } from '../helpers/machine.ts';
import { enterRing3, gdtEntry, SEL, setupGdt, setupIdt, TABLES, writeGate } from '../helpers/protected-mode.ts';

/** A machine with the test GDT/TSS and an IDT whose handler for vector v is at 0x3000 + 16 v. */
function pm(code: number[]): Machine {
  const m = createMachine({ code });
  setupGdt(m);
  setupIdt(m, 0x3000);
  return m;
}

describe('interrupt delivery', () => {
  it('INT n from ring 3 switches to the TSS ring-0 stack and IRET returns', () => {
    const m = pm(/* int 0x80; mov ebx, 7; nop */ [0xcd, 0x80, 0xbb, 0x07, 0x00, 0x00, 0x00, 0x90]);
    writeGate(m, TABLES.IDT + 0x80 * 8, SEL.CODE0, 0x3800, 0xee); // DPL-3 interrupt gate
    m.ram.set(/* mov eax, [esp+4]; mov ecx, [esp+16]; mov edx, [esp+12]; iret */ [0x8b, 0x44, 0x24, 0x04, 0x8b, 0x4c, 0x24, 0x10, 0x8b, 0x54, 0x24, 0x0c, 0xcf], 0x3800);
    enterRing3(m, 0x1000, 0x7000);
    m.cpu.flags |= 0x200;
    const stop = run(m, 7);
    expect(stop.kind).toBe('budget');
    expect(regs(m).eax).toBe(SEL.CODE3); // pushed CS
    expect(regs(m).ecx).toBe(SEL.DATA3); // pushed SS
    expect(regs(m).edx).toBe(0x7000); // pushed ESP
    expect(peek32(m, TABLES.RING0_STACK - 20)).toBe(0x1002); // pushed EIP (after INT)
    expect(m.cpu.cpl).toBe(3);
    expect(regs(m).esp).toBe(0x7000);
    expect(regs(m).ebx).toBe(7);
    expect(m.cpu.segSel[1]).toBe(SEL.CODE3);
    // Interrupt gate cleared IF in the handler; IRET restored it.
    expect(m.cpu.flags & 0x200).toBe(0x200);
    expect(m.cpu.counters.retired[0]).toBe(4);
    expect(m.cpu.counters.retired[3]).toBe(3);
  });
  it('INT n to a DPL-0 gate from ring 3 is #GP(vector*8+2)', () => {
    const m = pm(/* int 0x81 */ [0xcd, 0x81]);
    m.ram.set(/* hlt */ [0xf4], 0x30d0);
    enterRing3(m, 0x1000, 0x7000);
    run(m, 5);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(peek32(m, TABLES.RING0_STACK - 24)).toBe(0x81 * 8 + 2);
    expect(peek32(m, TABLES.RING0_STACK - 20)).toBe(0x1000);
  });
  it('CLI at CPL 3 with IOPL 0 is #GP(0), error code pushed, EIP of the CLI', () => {
    const m = pm(/* nop; cli */ [0x90, 0xfa]);
    m.ram[0x30d0] = 0xf4;
    enterRing3(m, 0x1000, 0x7000);
    run(m, 5);
    expect(m.cpu.eip).toBe(0x30d1);
    expect(peek32(m, TABLES.RING0_STACK - 24)).toBe(0);
    expect(peek32(m, TABLES.RING0_STACK - 20)).toBe(0x1001);
  });
  it('#PF: CR2, error code (not present / protection, W, U), restartable', () => {
    const m = pm(/* mov eax, [0x5004]; mov dword [0x6000], 1; hlt */ [0xa1, 0x04, 0x50, 0x00, 0x00, 0xc7, 0x05, 0x00, 0x60, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xf4]);
    const PD = 0x40000;
    const PT = 0x41000;
    poke32(m, PD, PT | 0x7);
    for (let p = 0; p < 1024; p++) poke32(m, PT + p * 4, (p << 12) | 0x7);
    poke32(m, PT + 5 * 4, 0); // page 0x5000 not present
    poke32(m, PT + 6 * 4, 0x6000 | 0x5); // page 0x6000 read-only, user
    m.cpu.cr3 = PD;
    m.cpu.cr0 |= 0x80010000; // PG | WP
    // #PF handler: map the faulting page present, writable, user (identity), pop the error code, IRET.
    m.ram.set(/* mov ebx, cr2; pop ecx; mov esi, ebx; shr esi, 12; mov [0x41000+esi*4], ebx; or dword [0x41000+esi*4], 7; invlpg [ebx]; iret */ [0x0f, 0x20, 0xd3, 0x59, 0x89, 0xde, 0xc1, 0xee, 0x0c, 0x89, 0x1c, 0xb5, 0x00, 0x10, 0x04, 0x00, 0x83, 0x0c, 0xb5, 0x00, 0x10, 0x04, 0x00, 0x07, 0x0f, 0x01, 0x3b, 0xcf], 0x30e0);
    m.ram.set([0x34, 0x12, 0, 0], 0x5004);
    run(m, 30);
    expect(m.cpu.halted).toBe(true);
    expect(m.cpu.counters.vectors[14]).toBe(2);
    expect(regs(m).eax).toBe(0x1234);
    expect(regs(m).ebx).toBe(0x6000); // CR2 of the second fault
    expect(regs(m).ecx).toBe(0x3); // W | P (supervisor, CR0.WP=1, read-only page)
    expect(peek32(m, 0x6000)).toBe(1);
    // Accessed and dirty bits set by the walk.
    expect(peek32(m, PT + 6 * 4) & 0x60).toBe(0x60);
  });
  it('#NP while delivering #DE becomes #DF (error code 0)', () => {
    const m = pm(/* xor ecx, ecx; div ecx */ [0x31, 0xc9, 0xf7, 0xf1]);
    writeGate(m, TABLES.IDT, SEL.CODE0, 0x3000, 0x0e); // vector 0: not present
    m.ram[0x3080] = 0xf4;
    run(m, 5);
    expect(m.cpu.counters.doubleFaults).toBe(1);
    expect(m.cpu.counters.vectors[8]).toBe(1);
    expect(m.cpu.eip).toBe(0x3081);
    expect(peek32(m, 0x8000 - 16)).toBe(0); // #DF error code
  });
  it('#NP while delivering INT 0 is just #NP: a software interrupt is benign whatever its vector', () => {
    const m = pm(/* int 0 */ [0xcd, 0x00]);
    writeGate(m, TABLES.IDT, SEL.CODE0, 0x3000, 0x0e); // vector 0: not present
    m.ram[0x30b0] = 0xf4; // #NP handler (vector 11)
    run(m, 5);
    expect(m.cpu.counters.doubleFaults).toBe(0);
    expect(m.cpu.counters.vectors[11]).toBe(1);
    expect(m.cpu.eip).toBe(0x30b1);
    expect(peek32(m, 0x8000 - 16)).toBe(0x02); // error code: IDT vector 0, IDT bit set
  });
  it('a fault while delivering #DF is a triple fault: shutdown', () => {
    const m = createMachine({ code: /* xor ecx, ecx; div ecx */ [0x31, 0xc9, 0xf7, 0xf1] });
    m.cpu.idtrLimit = 0; // every vector is beyond the IDT limit
    const stop = run(m, 5);
    expect(stop.kind).toBe('shutdown');
    expect(m.cpu.counters.shutdowns).toBe(1);
    expect(m.cpu.eip).toBe(0x1002);
  });
});

describe('segment loads', () => {
  it('a null selector loads into DS; a use of it is #GP(0)', () => {
    const m = pm(/* xor eax, eax; mov ds, ax; mov ebx, [0x2000] */ [0x31, 0xc0, 0x8e, 0xd8, 0x8b, 0x1d, 0x00, 0x20, 0x00, 0x00]);
    m.ram[0x30d0] = 0xf4;
    run(m, 5);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(peek32(m, 0x8000 - 16)).toBe(0);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1004);
  });
  it('SS with RPL != CPL is #GP(selector); a not-present data segment is #NP(selector)', () => {
    let m = pm(/* mov ax, 0x13; mov ss, ax */ [0x66, 0xb8, 0x13, 0x00, 0x8e, 0xd0]);
    m.ram[0x30d0] = 0xf4;
    run(m, 5);
    expect(peek32(m, 0x8000 - 16)).toBe(0x10);
    m = pm(/* mov ax, 0x30; mov ds, ax */ [0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8]);
    gdtEntry(m, SEL.FREE1, 0, 0xfffff, 0x12);
    m.ram[0x30b0] = 0xf4;
    run(m, 5);
    expect(m.cpu.counters.vectors[11]).toBe(1);
    expect(peek32(m, 0x8000 - 16)).toBe(0x30);
  });
  it('expand-down data segment: offsets above the limit are valid, at or below fault', () => {
    const m = pm(/* mov ax, 0x30; mov es, ax; mov dword [es:0x2000], 5; mov dword [es:0x0ff0], 6 */ [0x66, 0xb8, 0x30, 0x00, 0x8e, 0xc0, 0x26, 0xc7, 0x05, 0x00, 0x20, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x26, 0xc7, 0x05, 0xf0, 0x0f, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00]);
    gdtEntry(m, SEL.FREE1, 0, 0x1000, 0x96); // expand-down, writable, limit 0x1000, B=1
    m.ram[0x30d0] = 0xf4;
    run(m, 10);
    expect(peek32(m, 0x2000)).toBe(5);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1011);
  });
  it('segment limit: an access past the limit is #GP(0), through SS #SS(0)', () => {
    const m = pm(/* mov ax, 0x30; mov ds, ax; mov eax, [0xffe] */ [0x66, 0xb8, 0x30, 0x00, 0x8e, 0xd8, 0xa1, 0xfe, 0x0f, 0x00, 0x00]);
    gdtEntry(m, SEL.FREE1, 0, 0xfff, 0x92, 0x4);
    m.ram[0x30d0] = 0xf4;
    run(m, 5);
    expect(m.cpu.counters.vectors[13]).toBe(1);
  });
  it('LAR, LSL, VERR, VERW, ARPL', () => {
    const m = pm(/* mov ecx, 0x1b; lar eax, ecx; lsl ebx, ecx; verr cx; setz dl; verw cx; setz dh; mov si, 0x10; mov di, 0x23; arpl si, di */ [0xb9, 0x1b, 0x00, 0x00, 0x00, 0x0f, 0x02, 0xc1, 0x0f, 0x03, 0xd9, 0x0f, 0x00, 0xe1, 0x0f, 0x94, 0xc2, 0x0f, 0x00, 0xe9, 0x0f, 0x94, 0xc6, 0x66, 0xbe, 0x10, 0x00, 0x66, 0xbf, 0x23, 0x00, 0x63, 0xfe]);
    run(m, 10);
    expect(regs(m).eax).toBe(0x00c0fa00); // masked by 00F0FF00h, as QEMU (limit bits 19:16 undefined in the SDM)
    expect(regs(m).ebx).toBe(0xffffffff);
    expect(regs(m).edx & 0xffff).toBe(0x0001); // readable code, not writable
    expect(regs(m).esi & 0xffff).toBe(0x13);
  });
});

describe('far transfers', () => {
  it('CALL FAR through a call gate from ring 3 to ring 0 copies a parameter, RETF n returns', () => {
    const m = pm(/* push dword 0x55; call 0x30:0; mov ebx, 9; nop */ [0x6a, 0x55, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x30, 0x00, 0xbb, 0x09, 0x00, 0x00, 0x00, 0x90]);
    writeGateGdt(m, SEL.FREE1, SEL.CODE0, 0x3800, 0xec, 1); // 32-bit call gate, DPL 3, 1 parameter
    m.ram.set(/* mov eax, [esp+8]; mov ecx, [esp+4]; retf 4 */ [0x8b, 0x44, 0x24, 0x08, 0x8b, 0x4c, 0x24, 0x04, 0xca, 0x04, 0x00], 0x3800);
    enterRing3(m, 0x1000, 0x7000);
    run(m, 7);
    expect(regs(m).eax).toBe(0x55); // the copied parameter
    expect(regs(m).ecx).toBe(SEL.CODE3); // pushed CS
    expect(m.cpu.cpl).toBe(3);
    expect(regs(m).esp).toBe(0x7000);
    expect(regs(m).ebx).toBe(9);
    expect(m.cpu.segSel[2]).toBe(SEL.DATA3);
  });
  it('JMP FAR to a ring-0 code segment from ring 3 is #GP(selector)', () => {
    const m = pm(/* jmp 0x08:0x2000 */ [0xea, 0x00, 0x20, 0x00, 0x00, 0x08, 0x00]);
    m.ram[0x30d0] = 0xf4;
    enterRing3(m, 0x1000, 0x7000);
    run(m, 5);
    expect(peek32(m, TABLES.RING0_STACK - 24)).toBe(0x08);
  });
});

function writeGateGdt(m: Machine, sel: number, target: number, offset: number, type: number, params: number): void {
  writeGate(m, TABLES.GDT + sel, target, offset, type, params);
}

describe('privilege checks', () => {
  it('HLT at CPL 3 is #GP(0)', () => {
    const m = pm(/* hlt */ [0xf4]);
    m.ram[0x30d0] = 0xf4;
    enterRing3(m, 0x1000, 0x7000);
    run(m, 3);
    expect(m.cpu.counters.vectors[13]).toBe(1);
    expect(peek32(m, TABLES.RING0_STACK - 24)).toBe(0);
  });
  it('a user read of a supervisor page is #PF with error code U|P (5)', () => {
    const m = pm(/* mov eax, [0x5000] */ [0xa1, 0x00, 0x50, 0x00, 0x00]);
    const PD = 0x40000;
    const PT = 0x41000;
    poke32(m, PD, PT | 0x7);
    for (let p = 0; p < 1024; p++) poke32(m, PT + p * 4, (p << 12) | 0x7);
    poke32(m, PT + 5 * 4, 0x5000 | 0x3); // supervisor-only
    m.cpu.cr3 = PD;
    m.cpu.cr0 |= 0x80000000;
    m.ram[0x30e0] = 0xf4;
    enterRing3(m, 0x1000, 0x7000);
    run(m, 3);
    expect(m.cpu.cr2).toBe(0x5000);
    expect(peek32(m, TABLES.RING0_STACK - 24)).toBe(5);
  });
});
