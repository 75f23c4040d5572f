/** @file Smoke test: a few instructions through decode, dispatch and the run loop. */
import { describe, expect, it } from 'vitest';
import { exec, regs } from '../helpers/machine.ts';

describe('engine smoke', () => {
  it('runs mov/add and stops on budget', () => {
    // mov eax, 5 ; add eax, 3 ; mov ecx, eax ; hlt
    const m = exec([0xb8, 5, 0, 0, 0, 0x83, 0xc0, 3, 0x89, 0xc1, 0xf4], 10);
    expect(regs(m).eax).toBe(8);
    expect(regs(m).ecx).toBe(8);
    expect(m.cpu.halted).toBe(true);
    expect(m.cpu.eip).toBe(0x100b);
  });
});
