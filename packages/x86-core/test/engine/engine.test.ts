/** @file The run loop: stop reasons, budget, deadline, interrupts (IF, STI shadow, HLT wake-up), self-modifying code, host sink, cycle clock. */
import { describe, expect, it } from 'vitest';
import { EVENT_KIND } from '../../src/cpu/cpu.ts';
import { createMachine, peek32, regs, run } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

describe('stop reasons', () => {
  it('budget: exactly N instructions retire', () => {
    const m = createMachine({ code: /* l: inc eax; jmp l */ [0x40, 0xeb, 0xfd] });
    expect(run(m, 7)).toEqual({ kind: 'budget' });
    expect(regs(m).eax).toBe(4);
    expect(m.cpu.counters.retired[0]).toBe(7);
    expect(m.cpu.cycles).toBe(7);
  });
  it('HLT with IF=0: halted, interrupts disabled', () => {
    const m = createMachine({ code: /* cli; hlt */ [0xfa, 0xf4] });
    expect(run(m, 10)).toEqual({ kind: 'halted', interruptsEnabled: false });
    expect(m.cpu.eip).toBe(0x1002);
  });
  it('the exit port asks to stop at the next boundary', () => {
    const m = createMachine({ code: /* mov al, 5; out 0xf4, al; l: jmp l */ [0xb0, 0x05, 0xe6, 0xf4, 0xeb, 0xfe] });
    expect(run(m, 100)).toEqual({ kind: 'stop-requested' });
    expect(m.io.exitCode).toBe(5);
    expect(m.cpu.eip).toBe(0x1004);
  });
  it('a HostSink claims #UD: run stops with the event, EIP at the instruction', () => {
    const m = createMachine({ code: /* nop; ud2 */ [0x90, 0x0f, 0x0b] });
    const seen: number[] = [];
    m.cpu.hostSink = (v, _e, kind) => {
      seen.push(v, kind);
      return v === 6;
    };
    expect(run(m, 10)).toEqual({ kind: 'host', vector: 6, errorCode: -1, eventKind: EVENT_KIND.EXCEPTION });
    expect(seen).toEqual([6, EVENT_KIND.EXCEPTION]);
    expect(m.cpu.eip).toBe(0x1001);
  });
  it('deadline: without a callback run returns, with one the callback is called and run goes on', () => {
    const m = createMachine({ code: /* l: inc eax; jmp l */ [0x40, 0xeb, 0xfd] });
    m.engine.setDeadline(10);
    expect(run(m, 100)).toEqual({ kind: 'deadline' });
    expect(m.cpu.cycles).toBe(10);
    const m2 = createMachine({ code: /* l: inc eax; jmp l */ [0x40, 0xeb, 0xfd] });
    const calls: number[] = [];
    m2.engine.setDeadline(10, (now) => {
      calls.push(now);
      return now + 10;
    });
    expect(run(m2, 50)).toEqual({ kind: 'budget' });
    // Checked at block boundaries before each block: the clock passes 50 at the end of the budget.
    expect(calls).toEqual([10, 20, 30, 40, 50]);
  });
  it('RDTSC returns the modeled clock (UNIT_PROFILE: one cycle per instruction)', () => {
    const m = createMachine({ code: /* nop; nop; nop; rdtsc; hlt */ [0x90, 0x90, 0x90, 0x0f, 0x31, 0xf4] });
    run(m, 10);
    expect(regs(m).eax).toBe(3);
    expect(regs(m).edx).toBe(0);
  });
});

describe('interrupts', () => {
  function machine(code: number[]) {
    const m = createMachine({ code });
    setupGdt(m);
    setupIdt(m, 0x3000);
    m.ram.set(/* inc ebx; iret */ [0x43, 0xcf], 0x3000 + 16 * 0x20);
    return m;
  }
  it('an interrupt waits for IF; STI delays it by one instruction', () => {
    const m = machine(/* nop; sti; mov ecx, 1; mov edx, 2; cli; hlt */ [0x90, 0xfb, 0xb9, 0x01, 0x00, 0x00, 0x00, 0xba, 0x02, 0x00, 0x00, 0x00, 0xfa, 0xf4]);
    m.pic.pending.push(0x20);
    run(m, 2); // nop; sti
    expect(regs(m).ebx).toBe(0);
    run(m, 1); // the instruction in the STI shadow
    expect(regs(m).ecx).toBe(1);
    expect(regs(m).ebx).toBe(0);
    run(m, 2); // interrupt taken at the boundary; handler's inc ebx + iret
    expect(regs(m).ebx).toBe(1);
    expect(peek32(m, 0x8000 - 12)).toBe(0x1007);
    expect(m.cpu.counters.interrupts).toBe(1);
  });
  it('HLT with IF=1 returns halted; a pending interrupt wakes it, returning after HLT', () => {
    const m = machine(/* sti; hlt; mov ecx, 3; cli; hlt */ [0xfb, 0xf4, 0xb9, 0x03, 0x00, 0x00, 0x00, 0xfa, 0xf4]);
    expect(run(m, 10)).toEqual({ kind: 'halted', interruptsEnabled: true });
    m.pic.pending.push(0x20);
    expect(run(m, 10)).toEqual({ kind: 'halted', interruptsEnabled: false });
    expect(regs(m).ebx).toBe(1);
    expect(regs(m).ecx).toBe(3);
  });
  it('MOV SS blocks interrupts for one instruction', () => {
    const m = machine(/* sti; nop; mov ax, 0x10; mov ss, ax; mov ecx, 1; nop */ [0xfb, 0x90, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd0, 0xb9, 0x01, 0x00, 0x00, 0x00, 0x90]);
    run(m, 4); // sti; nop; mov ax; mov ss → shadow
    m.pic.pending.push(0x20);
    run(m, 1); // mov ecx, 1 runs before the interrupt
    expect(regs(m).ecx).toBe(1);
    expect(regs(m).ebx).toBe(0);
    run(m, 1);
    expect(regs(m).ebx).toBe(1);
  });
});

describe('self-modifying code', () => {
  it('a store into the current block changes the instructions that follow it', () => {
    // The store rewrites the NOP at 0x1007 into INC ECX (0x41) before it executes.
    const m = createMachine({ code: /* mov byte [0x1007], 0x41; nop; hlt */ [0xc6, 0x05, 0x07, 0x10, 0x00, 0x00, 0x41, 0x90, 0xf4] });
    run(m, 10);
    expect(regs(m).ecx).toBe(1);
    expect(m.cpu.counters.blocksInvalidated).toBe(1);
  });
  it('a store into a block already cached invalidates it; data next to code stays fast', () => {
    // loop: patch the immediate of "mov eax, imm" then execute it again.
    const m = createMachine({ code: /* mov eax, 1; inc dword [0x1001]; dec ecx; jnz 0x1000; hlt */ [0xb8, 0x01, 0x00, 0x00, 0x00, 0xff, 0x05, 0x01, 0x10, 0x00, 0x00, 0x49, 0x0f, 0x85, 0xee, 0xff, 0xff, 0xff, 0xf4], regs: { ecx: 3 } });
    run(m, 100);
    expect(regs(m).eax).toBe(3);
    expect(m.cpu.counters.blocksInvalidated).toBe(3);
  });
  it('stores to other pages leave cached blocks alone', () => {
    const m = createMachine({ code: /* l: mov [0x5000], ecx; dec ecx; jnz l; hlt */ [0x89, 0x0d, 0x00, 0x50, 0x00, 0x00, 0x49, 0x75, 0xf7, 0xf4], regs: { ecx: 100 } });
    run(m, 1000);
    expect(m.cpu.counters.blocksInvalidated).toBe(0);
    expect(m.cpu.counters.blocksBuilt).toBe(2);
  });
});

describe('MMIO', () => {
  it('accesses to a device page go through IoPorts, never through the TLB fast path', () => {
    const m = createMachine({ code: /* mov eax, 0x1234; mov [0xa0010], eax; mov [0xa0010], eax; mov ebx, [0xa0020]; hlt */ [0xb8, 0x34, 0x12, 0x00, 0x00, 0xa3, 0x10, 0x00, 0x0a, 0x00, 0xa3, 0x10, 0x00, 0x0a, 0x00, 0x8b, 0x1d, 0x20, 0x00, 0x0a, 0x00, 0xf4] });
    m.io.mmioBase = 0xa0000;
    m.io.mmio.set(0xa0020, 0x77);
    run(m, 10);
    expect(m.io.mmio.get(0xa0010)).toBe(0x1234);
    expect(regs(m).ebx).toBe(0x77);
    expect(m.cpu.counters.mmio).toBe(3);
    expect(m.ram[0xa0010]).toBe(0);
  });
});
