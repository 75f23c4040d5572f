/** @file CPUID.1:EDX.APIC and IA32_APIC_BASE (MSR 0x1B) reach the processor's local APIC through `Cpu.apic` (SDM Vol.3 §11.4.3–11.4.4). */
import { describe, expect, it } from 'vitest';
import type { ApicBaseMsr } from '../../src/index.ts';
import { createMachine, regs, type Machine } from '../helpers/machine.ts';

/** A local APIC's MSR side: keeps its BSP bit (8), takes the base and the enable bit, logs the writes. */
class FakeApic implements ApicBaseMsr {
  msr = 0xfee00900;
  readonly writes: number[] = [];
  get baseMsrValue(): number {
    return this.msr;
  }
  writeBaseMsr(value: number): void {
    this.writes.push(value >>> 0);
    this.msr = ((value & 0xfffff800) | (this.msr & 0x100)) >>> 0;
  }
}

const le = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const CPUID1 = [0xb8, ...le(1), 0x0f, 0xa2]; // mov eax, 1; cpuid
const RDMSR = [0xb9, ...le(0x1b), 0x0f, 0x32]; // mov ecx, 0x1b; rdmsr
const wrmsr = (lo: number, hi = 0): number[] => [0xb9, ...le(0x1b), 0xb8, ...le(lo), 0xba, ...le(hi), 0x0f, 0x30];

function machine(code: number[], apic: ApicBaseMsr | null): Machine {
  const m = createMachine({ code: [...code, 0xf4] });
  m.cpu.apic = apic;
  return m;
}

describe('CPUID and IA32_APIC_BASE with a local APIC', () => {
  it('without one: CPUID.1:EDX has no APIC bit; the MSR is stored and reads back', () => {
    const m = machine([...CPUID1, 0x89, 0xd6 /* mov esi, edx */, ...wrmsr(0xfed00800), ...RDMSR], null);
    m.engine.run(9);
    expect(regs(m).esi).toBe(0xa939);
    expect(regs(m).eax).toBe(0xfed00800);
  });

  it('enabled: CPUID.1:EDX reports APIC (bit 9); RDMSR reads the APIC\'s value', () => {
    const apic = new FakeApic();
    const m = machine([...CPUID1, 0x89, 0xd6, ...RDMSR], apic);
    m.engine.run(5);
    expect(regs(m).esi).toBe(0xa939 | 0x200);
    expect([regs(m).eax, regs(m).edx]).toEqual([0xfee00900, 0]);
  });

  it('WRMSR relocates (the APIC gets the value), clearing bit 11 disables it and CPUID stops reporting it', () => {
    const apic = new FakeApic();
    const m = machine([...wrmsr(0xfed00800), ...RDMSR, 0x89, 0xc7 /* mov edi, eax */, ...wrmsr(0xfed00000), ...CPUID1], apic);
    m.engine.run(13);
    expect(apic.writes).toEqual([0xfed00800, 0xfed00000]);
    expect(regs(m).edi).toBe(0xfed00900);
    expect(regs(m).edx).toBe(0xa939);
    expect(apic.msr).toBe(0xfed00100);
  });

  for (const [what, lo, hi] of [['bit 10 (x2APIC enable)', 0xfee00c00, 0], ['bit 9', 0xfee00a00, 0], ['bits 0-7', 0xfee00801, 0], ['a base above 4 GiB', 0xfee00800, 1]] as const) {
    it(`WRMSR with ${what} set raises #GP(0) and leaves the APIC alone`, () => {
      const apic = new FakeApic();
      const m = machine(wrmsr(lo, hi), apic);
      let event: [number, number] | null = null;
      m.cpu.hostSink = (vector, errorCode) => {
        event = [vector, errorCode];
        return true;
      };
      const stop = m.engine.run(4);
      expect(stop.kind).toBe('host');
      expect(event).toEqual([13, 0]);
      expect(apic.writes).toEqual([]);
    });
  }
});
