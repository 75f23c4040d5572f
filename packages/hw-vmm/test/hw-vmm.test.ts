/** @file The hardware VMM end to end on the `hello` guest: output, stop, and the exact exits of both MMU modes. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { HwVmm } from '../src/hw-vmm.ts';

const hello = new Uint8Array(readFileSync(join(import.meta.dirname, '..', '..', 'bench', 'guests', 'hello', 'hello.elf')));

function run(mmu: 'shadow' | 'nested'): { out: string; vmm: HwVmm; stop: unknown } {
  let out = '';
  const vmm = new HwVmm(hello, { mmu, cost: UNIT_PROFILE, serialSink: (b) => (out += String.fromCharCode(b)) });
  const stop = vmm.run(1_000_000);
  return { out, vmm, stop };
}

describe('HwVmm on hello', () => {
  it('nested paging: prints hello, exits 0; every exit is port I/O (8 PIC/PIT set-up writes, LSR polls and THR writes)', () => {
    const { out, vmm, stop } = run('nested');
    expect(out).toBe('hello\n');
    expect(stop).toEqual({ kind: 'exit', code: 0 });
    const s = vmm.stats();
    expect(s['exit.ioio']).toBe(13);
    expect(s['svm.vmruns']).toBe(13);
    expect(Object.keys(s).filter((k) => k.startsWith('exit.'))).toEqual(['exit.ioio']);
    expect(s['npt.walkRefs2d']).toBeGreaterThan(0);
    expect(s['monitor.hwIoExit.notFitted']).toBe(13);
  });

  it('prices each exit kind: #VMEXIT, the handler and the next VMRUN (the last exit ends the run: no VMRUN after it)', () => {
    const cost = { ...UNIT_PROFILE, vmExit: 1000, vmEntry: 100 };
    const vmm = new HwVmm(hello, { mmu: 'nested', cost, serialSink: () => {} });
    expect(vmm.run(1_000_000)).toEqual({ kind: 'exit', code: 0 });
    expect(vmm.stats()['cycles.exit.ioio']).toBe(13 * 1000 + 12 * 100);
  });

  it('shadow paging: the same output; paging off runs on the identity shadow (hidden faults fill it)', () => {
    const { out, vmm, stop } = run('shadow');
    expect(out).toBe('hello\n');
    expect(stop).toEqual({ kind: 'exit', code: 0 });
    const s = vmm.stats();
    expect(s['exit.ioio']).toBe(13);
    expect(s['exit.excp_pf']).toBe(s['shadow.hiddenFaults']);
    expect(s['shadow.trueFaults']).toBeUndefined();
    expect(s['shadow.shadowTablesBuilt']).toBe(1);
  });

  it('charges the SVM transition costs: entry + exit per VMRUN and one cost per VMCB access', () => {
    const cost = { ...UNIT_PROFILE, vmEntry: 1000, vmExit: 100, vmcbRead: 10, vmcbWrite: 1 };
    const base = new HwVmm(hello, { mmu: 'nested', cost: UNIT_PROFILE });
    base.run(1_000_000);
    const priced = new HwVmm(hello, { mmu: 'nested', cost });
    priced.run(1_000_000);
    const extra = priced.cpu.cycles - base.cpu.cycles;
    expect(extra).toBe(13 * 1100 + priced.vmcb.reads * 10 + priced.vmcb.writes * 1);
  });
});
