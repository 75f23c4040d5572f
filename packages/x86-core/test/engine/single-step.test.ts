/** @file The engine's instruction boundaries: EFLAGS.TF single-step traps (DR6.BS, MOV SS/POP SS shadow, INT n, REP) and interrupts enabled by POPF/IRET. */
import { describe, expect, it } from 'vitest';
import { createMachine, peek32, regs, run, type Machine } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

const HANDLER = 0x3000;
/** push dword 0x102; popfd — sets TF (IF=0). */
const SET_TF = [0x68, 0x02, 0x01, 0x00, 0x00, 0x9d];

/** A machine whose IDT sends vector v to HANDLER + 16 v; the #DB handler counts traps in EBX and records the pushed EIP in EBP. */
function machine(code: number[]): Machine {
  const m = createMachine({ code });
  setupGdt(m);
  setupIdt(m, HANDLER);
  // #DB: inc ebx; mov ebp, [esp]; iret
  m.ram.set([0x43, 0x8b, 0x2c, 0x24, 0xcf], HANDLER + 16 * 1);
  return m;
}

describe('EFLAGS.TF single-step', () => {
  it('POPF setting TF traps after the NEXT instruction: pushed EIP, EFLAGS with TF, DR6.BS, handler with TF=0', () => {
    const m = machine([...SET_TF, /* nop; nop; hlt */ 0x90, 0x90, 0xf4]);
    // #DB handler: mov eax, [esp]; mov ecx, [esp+8]; pushfd; pop edx; hlt
    m.ram.set([0x8b, 0x04, 0x24, 0x8b, 0x4c, 0x24, 0x08, 0x9c, 0x5a, 0xf4], HANDLER + 16);
    run(m, 20);
    expect(m.cpu.counters.vectors[1]).toBe(1);
    expect(regs(m).eax).toBe(0x1007); // after the first nop (popfd at 0x1005, nop at 0x1006)
    expect(regs(m).ecx).toBe(0x102);
    expect(regs(m).edx & 0x100).toBe(0);
    expect(m.cpu.dr[6]! >>> 0).toBe(0xffff4ff0);
  });
  it('each instruction under TF traps once; the handler IRET does not trap (TF was 0 when it started)', () => {
    const m = machine([...SET_TF, /* inc edx; inc edx; inc edx; hlt */ 0x42, 0x42, 0x42, 0xf4]);
    run(m, 100);
    expect(regs(m).edx).toBe(3);
    expect(regs(m).ebx).toBe(3); // after each inc; none after HLT
    expect(m.cpu.halted).toBe(true);
    // push, popfd, 3 x inc, hlt + 3 x (inc ebx; mov ebp; iret)
    expect(m.cpu.counters.retired[0]).toBe(15);
  });
  it('MOV SS holds the trap until after the next instruction', () => {
    const m = machine([/* mov ax, 0x10 */ 0x66, 0xb8, 0x10, 0x00, ...SET_TF, /* mov ss, ax; inc ecx; nop; hlt */ 0x8e, 0xd0, 0x41, 0x90, 0xf4]);
    run(m, 8); // mov ax, push, popfd, mov ss, inc ecx → trap; the 3 handler instructions
    expect(regs(m).ecx).toBe(1);
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).ebp).toBe(0x100d); // after the inc, not after mov ss
  });
  it('POP SS holds the trap until after the next instruction', () => {
    const m = machine([/* push ss */ 0x16, ...SET_TF, /* pop ss; inc ecx; nop; hlt */ 0x17, 0x41, 0x90, 0xf4]);
    run(m, 8);
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).ebp).toBe(0x1009);
  });
  it('INT n clears TF for its handler and has no trap of its own; the instruction after the IRET traps', () => {
    const m = machine([...SET_TF, /* nop; int 0x40; inc edx; hlt */ 0x90, 0xcd, 0x40, 0x42, 0xf4]);
    m.ram.set(/* inc esi; iret */ [0x46, 0xcf], HANDLER + 16 * 0x40);
    run(m, 100);
    expect(regs(m).esi).toBe(1);
    expect(regs(m).edx).toBe(1);
    expect(regs(m).ebx).toBe(2); // after the nop and after the inc
    expect(regs(m).ebp).toBe(0x100a);
  });
  it('a REP string instruction traps after every iteration and retires once', () => {
    const m = machine([...SET_TF, /* mov edi, 0x5000; mov ecx, 3; rep stosb; hlt */ 0xbf, 0x00, 0x50, 0x00, 0x00, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xf3, 0xaa, 0xf4]);
    run(m, 100);
    expect(regs(m).ecx).toBe(0);
    expect(regs(m).ebx).toBe(5); // mov edi, mov ecx, 3 iterations
    expect(regs(m).ebp).toBe(0x1012); // the last trap: after the REP
    // push, popfd, mov, mov, rep (once), hlt + 5 x 3 handler instructions
    expect(m.cpu.counters.retired[0]).toBe(21);
  });
  it('a fault under TF is delivered instead of the trap (the fault handler starts with TF=0)', () => {
    const m = machine([...SET_TF, /* ud2 */ 0x0f, 0x0b]);
    m.ram.set(/* mov eax, [esp]; hlt */ [0x8b, 0x04, 0x24, 0xf4], HANDLER + 16 * 6);
    run(m, 20);
    expect(m.cpu.counters.vectors[6]).toBe(1);
    expect(m.cpu.counters.vectors[1]).toBe(0);
    expect(regs(m).eax).toBe(0x1006);
  });
});

describe('interrupts enabled by an instruction other than STI', () => {
  function withIrq(code: number[]): Machine {
    const m = createMachine({ code });
    setupGdt(m);
    setupIdt(m, HANDLER);
    // vector 0x20: mov ebp, [esp]; inc ebx; iret
    m.ram.set([0x8b, 0x2c, 0x24, 0x43, 0xcf], HANDLER + 16 * 0x20);
    m.pic.pending.push(0x20);
    return m;
  }
  it('POPFD setting IF: a pending interrupt is taken right after it (no shadow)', () => {
    const m = withIrq(/* push 0x202; popfd; inc ecx; inc ecx; cli; hlt */ [0x68, 0x02, 0x02, 0x00, 0x00, 0x9d, 0x41, 0x41, 0xfa, 0xf4]);
    run(m, 100);
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).ebp).toBe(0x1006);
    expect(regs(m).ecx).toBe(2);
  });
  it('IRET setting IF: a pending interrupt is taken right after it', () => {
    // push 0x202; push cs; push 0x100d; iretd; (0x100d:) inc ecx; cli; hlt
    const m = withIrq([0x68, 0x02, 0x02, 0x00, 0x00, 0x0e, 0x68, 0x0d, 0x10, 0x00, 0x00, 0xcf, 0x90, 0x41, 0xfa, 0xf4]);
    run(m, 100);
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).ebp).toBe(0x100d);
    expect(regs(m).ecx).toBe(1);
  });
  it('STI keeps its one-instruction shadow', () => {
    const m = withIrq(/* sti; inc ecx; inc ecx; cli; hlt */ [0xfb, 0x41, 0x41, 0xfa, 0xf4]);
    run(m, 100);
    expect(regs(m).ebp).toBe(0x1002);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1002);
  });
});
