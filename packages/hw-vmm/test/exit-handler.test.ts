/** @file The exit handler with synthetic exits and fake monitor operations: what each exit kind does, exactly. */
import { describe, expect, it } from 'vitest';
import { HALT_STARVED } from '@x86virt/devices';
import { EVENTINJ, IOIO_INFO, VMEXIT, CR_INFO_MOV_HI } from '@x86virt/x86-core';
import { handleExit, type ExitOps, type ExitOutcome, type HaltOutcome } from '../src/exit-handler.ts';
import { decodeExit, exitCodeName, type HwExit, type PendingEvent } from '../src/hw-exit.ts';
import type { MonitorCostName } from '../src/monitor-costs.ts';

/** Fake operations recording every call. */
class FakeOps implements ExitOps {
  readonly regs = new Int32Array(8);
  readonly log: string[] = [];
  readonly portValues = new Map<number, number>();
  msrs = new Map<number, [number, number]>([[0x174, [0x10, 0]]]);
  haltResult: HaltOutcome = 'woken';
  gpr(n: number): number {
    return this.regs[n]!;
  }
  setGpr(n: number, value: number): void {
    this.regs[n] = value;
  }
  skipInstruction(): void {
    this.log.push('skip');
  }
  portIn(port: number, size: 1 | 2 | 4): number {
    this.log.push(`in ${port.toString(16)}/${size}`);
    return this.portValues.get(port) ?? 0xffffffff;
  }
  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    this.log.push(`out ${port.toString(16)}/${size}=${(value >>> 0).toString(16)}`);
  }
  cpuid(leaf: number, out: Int32Array): void {
    out.set([leaf, 2, 3, 4]);
  }
  readMsr(msr: number): readonly [number, number] | null {
    return this.msrs.get(msr) ?? null;
  }
  writeMsr(msr: number, lo: number, hi: number): boolean {
    if (!this.msrs.has(msr)) return false;
    this.msrs.set(msr, [lo, hi]);
    return true;
  }
  injectException(vector: number, errorCode: number): void {
    this.log.push(`inject ${vector}/${errorCode}`);
  }
  reinject(event: PendingEvent): void {
    this.log.push(`reinject ${event.vector}/${event.type}`);
  }
  emulateInstruction(): ExitOutcome {
    this.log.push('step');
    return { kind: 'resume' };
  }
  halt(): HaltOutcome {
    this.log.push('halt');
    return this.haltResult;
  }
  pageFault(address: number, errorCode: number, pending: PendingEvent | null): ExitOutcome {
    this.log.push(`pf ${address.toString(16)}/${errorCode}/${pending === null ? '-' : pending.vector}`);
    return { kind: 'resume' };
  }
  nestedPageFault(gpa: number, errorCode: number, final: boolean, pending: PendingEvent | null): ExitOutcome {
    this.log.push(`npf ${gpa.toString(16)}/${errorCode}/${final ? 'final' : 'table'}/${pending === null ? '-' : pending.vector}`);
    return { kind: 'resume' };
  }
  crAccess(cr: number, write: boolean, gpr: number): ExitOutcome {
    this.log.push(`cr${cr} ${write ? 'w' : 'r'} ${gpr}`);
    return { kind: 'resume' };
  }
  invlpg(linear: number): void {
    this.log.push(`invlpg ${linear.toString(16)}`);
  }
  charge(name: MonitorCostName): void {
    this.log.push(`charge ${name}`);
  }
}

const io = (port: number, flags: number, nextRip = 0x1002): HwExit => decodeExit(VMEXIT.IOIO, ((port << 16) | flags) >>> 0, 0, nextRip, 0, 0);

describe('decodeExit', () => {
  it('decodes IOIO, CR with the decode assist, exceptions with EXITINTINFO, NPF, INVALID', () => {
    expect(io(0x3f8, IOIO_INFO.IN | IOIO_INFO.SZ16 | IOIO_INFO.A32)).toEqual({ kind: 'io', port: 0x3f8, size: 2, isIn: true, string: false, rep: false, nextRip: 0x1002 });
    expect(decodeExit(VMEXIT.CR0_WRITE + 3, 5, CR_INFO_MOV_HI, 0, 0, 0)).toEqual({ kind: 'cr', cr: 3, write: true, gpr: 5 });
    expect(decodeExit(VMEXIT.CR0_READ, 0, 0, 0, 0, 0)).toEqual({ kind: 'cr', cr: 0, write: false, gpr: -1 });
    expect(decodeExit(VMEXIT.EXCP_BASE + 14, 2, 0, 0x40001000, (EVENTINJ.V | 0x20) >>> 0, 0)).toEqual({
      kind: 'exception', vector: 14, errorCode: 2, address: 0x40001000, pending: { vector: 0x20, type: 0, errorCode: -1 },
    });
    expect(decodeExit(VMEXIT.NPF, 6, 1, 0x4000000, 0, 0)).toEqual({ kind: 'npf', gpa: 0x4000000, errorCode: 6, final: true, pending: null });
    expect(decodeExit(VMEXIT.INVALID, 0, 0, 0, 0, 0)).toEqual({ kind: 'invalid' });
    expect(decodeExit(0x8d, 0, 0, 0, 0, 0)).toEqual({ kind: 'unexpected', code: 0x8d });
    expect(decodeExit(VMEXIT.ICEBP, 0, 0, 0, 0, 0)).toEqual({ kind: 'icebp' });
    expect([exitCodeName(0x7b), exitCodeName(0x4e), exitCodeName(0x13), exitCodeName(0x400), exitCodeName(-1)]).toEqual(['IOIO', 'EXCP_PF', 'CR3_WRITE', 'NPF', 'INVALID']);
  });
});

describe('handleExit', () => {
  it('OUT writes the low bytes of EAX to the port, IN merges into AL/AX/EAX; both skip the instruction and charge hwIoExit', () => {
    const ops = new FakeOps();
    ops.regs[0] = 0x12345678;
    expect(handleExit(io(0x3f8, IOIO_INFO.SZ8), ops)).toEqual({ kind: 'resume' });
    ops.portValues.set(0x3fd, 0x60);
    handleExit(io(0x3fd, IOIO_INFO.IN | IOIO_INFO.SZ8), ops);
    expect(ops.regs[0]! >>> 0).toBe(0x12345660);
    ops.portValues.set(0x40, 0xbeef);
    handleExit(io(0x40, IOIO_INFO.IN | IOIO_INFO.SZ16), ops);
    expect(ops.regs[0]! >>> 0).toBe(0x1234beef);
    expect(ops.log).toEqual(['charge hwIoExit', 'out 3f8/1=12345678', 'skip', 'charge hwIoExit', 'in 3fd/1', 'skip', 'charge hwIoExit', 'in 40/2', 'skip']);
  });

  it('string I/O goes to the one-instruction emulation', () => {
    const ops = new FakeOps();
    handleExit(io(0x3f8, IOIO_INFO.STR | IOIO_INFO.REP | IOIO_INFO.SZ8), ops);
    expect(ops.log).toEqual(['charge hwIoExit', 'step']);
  });

  it('CPUID fills EAX EBX ECX EDX from the silicon\'s leaf values', () => {
    const ops = new FakeOps();
    ops.regs[0] = 0x80000001 | 0;
    handleExit({ kind: 'cpuid' }, ops);
    expect([ops.regs[0]! >>> 0, ops.regs[3], ops.regs[1], ops.regs[2]]).toEqual([0x80000001, 2, 3, 4]);
    expect(ops.log).toEqual(['skip']);
  });

  it('RDMSR/WRMSR of a known MSR emulate and skip; an unknown one injects #GP(0) without skipping', () => {
    const ops = new FakeOps();
    ops.regs[1] = 0x174;
    handleExit({ kind: 'msr', write: false }, ops);
    expect([ops.regs[0], ops.regs[2]]).toEqual([0x10, 0]);
    ops.regs[0] = 0x33;
    handleExit({ kind: 'msr', write: true }, ops);
    expect(ops.msrs.get(0x174)).toEqual([0x33, 0]);
    ops.regs[1] = 0x1234;
    handleExit({ kind: 'msr', write: false }, ops);
    expect(ops.log).toEqual(['skip', 'skip', 'inject 13/0']);
  });

  it('HLT skips and waits; with IF=0 or nothing to wake it the guest is hung', () => {
    const ops = new FakeOps();
    expect(handleExit({ kind: 'hlt' }, ops)).toEqual({ kind: 'resume' });
    ops.haltResult = 'interrupts-disabled';
    expect(handleExit({ kind: 'hlt' }, ops)).toEqual({ kind: 'stop', stop: { kind: 'hung', reason: 'HLT with interrupts disabled' } });
    ops.haltResult = 'no-wakeup';
    expect(handleExit({ kind: 'hlt' }, ops)).toEqual({ kind: 'stop', stop: { kind: 'hung', reason: 'HLT with no device deadline left to wake it' } });
    ops.haltResult = 'starved';
    expect(handleExit({ kind: 'hlt' }, ops)).toEqual({ kind: 'stop', stop: { kind: 'hung', reason: HALT_STARVED } });
    expect(ops.log).toEqual(['skip', 'halt', 'skip', 'halt', 'skip', 'halt', 'skip', 'halt']);
  });

  it('INTR/VINTR need nothing (interrupts are injected before each VMRUN); SHUTDOWN stops', () => {
    const ops = new FakeOps();
    expect(handleExit({ kind: 'intr', preempted: false }, ops)).toEqual({ kind: 'resume' });
    expect(handleExit({ kind: 'vintr' }, ops)).toEqual({ kind: 'resume' });
    expect(handleExit({ kind: 'shutdown' }, ops)).toMatchObject({ kind: 'stop', stop: { kind: 'shutdown' } });
    expect(ops.log).toEqual([]);
  });

  it('#PF, CR accesses and INVLPG go to the paging operations; other exceptions are reflected', () => {
    const ops = new FakeOps();
    const pending: PendingEvent = { vector: 0x20, type: EVENTINJ.TYPE_INTR, errorCode: -1 };
    handleExit({ kind: 'exception', vector: 14, errorCode: 3, address: 0x1234, pending }, ops);
    handleExit({ kind: 'cr', cr: 3, write: true, gpr: 7 }, ops);
    handleExit({ kind: 'invlpg', linear: 0x40000000 }, ops);
    handleExit({ kind: 'exception', vector: 13, errorCode: 8, address: 0, pending: null }, ops);
    handleExit({ kind: 'exception', vector: 6, errorCode: 0, address: 0, pending: null }, ops);
    expect(ops.log).toEqual(['pf 1234/3/32', 'cr3 w 7', 'invlpg 40000000', 'skip', 'inject 13/8', 'inject 6/-1']);
  });

  it('ICEBP: rIP moves past it, then its #DB (no error code) is injected as a trap', () => {
    const ops = new FakeOps();
    expect(handleExit({ kind: 'icebp' }, ops)).toEqual({ kind: 'resume' });
    expect(ops.log).toEqual(['skip', 'inject 1/-1']);
  });

  it('SVM instructions inject #UD; NPF goes to the nested-fault emulation; INVALID and unknown exits stop with a reason', () => {
    const ops = new FakeOps();
    handleExit({ kind: 'svm-instruction', code: VMEXIT.VMMCALL }, ops);
    expect(handleExit({ kind: 'npf', gpa: 0x5000000, errorCode: 4, final: true, pending: null }, ops)).toEqual({ kind: 'resume' });
    handleExit({ kind: 'npf', gpa: 0x4000000, errorCode: 6, final: false, pending: { vector: 8, type: EVENTINJ.TYPE_EXCEPTION, errorCode: 0 } }, ops);
    expect(ops.log).toEqual(['inject 6/-1', 'npf 5000000/4/final/-', 'npf 4000000/6/table/8']);
    expect(handleExit({ kind: 'invalid' }, ops)).toMatchObject({ kind: 'stop', stop: { reason: 'VMRUN refused the VMCB (VMEXIT_INVALID)' } });
    expect(handleExit({ kind: 'unexpected', code: 0x8d }, ops)).toMatchObject({ kind: 'stop', stop: { reason: 'unexpected exit code 0x8d' } });
  });
});
