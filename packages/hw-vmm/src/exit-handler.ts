/** @file The exit handler: one exhaustive switch over the exit kinds, pure over the monitor's operations (`ExitOps`), so it is unit-tested with synthetic exits. */
import { HALT_STARVED } from '@x86virt/devices';
import type { HwExit, PendingEvent } from './hw-exit.ts';
import type { MonitorCostName } from './monitor-costs.ts';

/** Why the monitor stopped running the guest. Exhaustive. */
export type HwStop =
  /** The guest wrote its exit code to port 0xf4. */
  | { readonly kind: 'exit'; readonly code: number }
  /** The guest pulsed the reset line. */
  | { readonly kind: 'reset' }
  /** The guest triple-faulted, or the monitor met something it cannot emulate (the reason says which). */
  | { readonly kind: 'shutdown'; readonly reason: string }
  /** HLT with interrupts disabled, or with nothing left that could interrupt. */
  | { readonly kind: 'hung'; readonly reason: string }
  /** The instruction budget ran out. */
  | { readonly kind: 'budget'; readonly maxInsns: number };

/** What the handler decided. */
export type ExitOutcome = { readonly kind: 'resume' } | { readonly kind: 'stop'; readonly stop: HwStop };

/** How a halted guest woke up. */
export type HaltOutcome = 'woken' | 'interrupts-disabled' | 'no-wakeup' | 'starved';

/** The monitor's services the handler uses (the real ones in `HwVmm`, fakes in the tests). */
export interface ExitOps {
  /** Guest general-purpose register `n` (0 EAX … 7 EDI), as a signed 32-bit number. */
  gpr(n: number): number;
  /** Sets guest register `n`. */
  setGpr(n: number, value: number): void;
  /**
   * Moves the guest's rIP to the next instruction (nRIP of the exit): the instruction retires in
   * the monitor, so with the guest's EFLAGS.TF set its single-step trap is queued too (#DB,
   * DR6.BS), unless `singleStep` is false (HLT, whose trap the processor does not take; ICEBP,
   * whose own #DB replaces it).
   */
  skipInstruction(singleStep?: boolean): void;
  /** Port input/output through the shared device models. */
  portIn(port: number, size: 1 | 2 | 4): number;
  portOut(port: number, size: 1 | 2 | 4, value: number): void;
  /** CPUID leaf values as the silicon answers them (EAX, EBX, ECX, EDX). */
  cpuid(leaf: number, out: Int32Array): void;
  /** RDMSR as bare silicon would answer: [lo, hi], or null for #GP. */
  readMsr(msr: number): readonly [number, number] | null;
  /** WRMSR as bare silicon would do it: false for #GP. */
  writeMsr(msr: number, lo: number, hi: number): boolean;
  /** Queues an exception for the next VMRUN (EVENTINJ); `errorCode` −1 for none. */
  injectException(vector: number, errorCode: number): void;
  /** Queues an event that was being delivered at the exit again (EXITINTINFO → EVENTINJ). */
  reinject(event: PendingEvent): void;
  /** Executes the one guest instruction at rIP with the silicon's semantics in the guest's own context (string I/O, SMSW/LMSW/CLTS, traced writes). */
  emulateInstruction(): ExitOutcome;
  /** HLT: waits in virtual time (device deadlines) until an interrupt can wake the guest. */
  halt(): HaltOutcome;
  /** Shadow paging: an intercepted #PF. */
  pageFault(address: number, errorCode: number, pending: PendingEvent | null): ExitOutcome;
  /**
   * Nested paging: a nested page fault. The nested tables map guest RAM only, so it is an access
   * to guest-physical memory outside guest RAM (`final`: the access itself, else a guest
   * page-table entry): emulated as the native board treats that memory.
   */
  nestedPageFault(gpa: number, errorCode: number, final: boolean, pending: PendingEvent | null): ExitOutcome;
  /** Shadow paging: a CR access (`gpr` −1: not a MOV). */
  crAccess(cr: number, write: boolean, gpr: number): ExitOutcome;
  /** Shadow paging: INVLPG of `linear`. */
  invlpg(linear: number): void;
  /** Charges (and counts) one run of a software handler. */
  charge(name: MonitorCostName): void;
}

const RESUME: ExitOutcome = { kind: 'resume' };
const DB = 1;
const UD = 6;
const GP = 13;
const cpuidOut = new Int32Array(4);

/** Stops with a reason (the monitor met an exit it cannot handle). */
function stop(reason: string): ExitOutcome {
  return { kind: 'stop', stop: { kind: 'shutdown', reason } };
}

/** Writes `value` into the low `size` bytes of register `n` (AL/AX/EAX). */
function setPartial(ops: ExitOps, n: number, size: number, value: number): void {
  if (size === 4) ops.setGpr(n, value | 0);
  else {
    const mask = size === 2 ? 0xffff : 0xff;
    ops.setGpr(n, (ops.gpr(n) & ~mask) | (value & mask));
  }
}

function assertNever(x: never): never {
  throw new Error(`unhandled exit ${JSON.stringify(x)}`);
}

/**
 * Handles one exit. Port I/O goes to the shared devices (string forms through the one-instruction
 * emulation), HLT waits in virtual time, CPUID and MSRs answer as bare silicon would (so guest
 * output matches native mode), INTR/VINTR need nothing here (the run loop injects pending
 * interrupts before every VMRUN), #PF/CR/INVLPG go to shadow paging, NPF to the emulation of
 * guest-physical memory outside guest RAM, VMMCALL and SVM
 * instructions raise #UD in the guest (as on silicon without nested virtualization), ICEBP is
 * skipped and its #DB injected, a triple fault stops the guest.
 */
export function handleExit(exit: HwExit, ops: ExitOps): ExitOutcome {
  switch (exit.kind) {
    case 'io': {
      ops.charge('hwIoExit');
      if (exit.string) return ops.emulateInstruction();
      if (exit.isIn) setPartial(ops, 0, exit.size, ops.portIn(exit.port, exit.size));
      else ops.portOut(exit.port, exit.size, ops.gpr(0));
      ops.skipInstruction();
      return RESUME;
    }
    case 'hlt': {
      ops.skipInstruction(false);
      const h = ops.halt();
      if (h === 'interrupts-disabled') return { kind: 'stop', stop: { kind: 'hung', reason: 'HLT with interrupts disabled' } };
      if (h === 'no-wakeup') return { kind: 'stop', stop: { kind: 'hung', reason: 'HLT with no device deadline left to wake it' } };
      if (h === 'starved') return { kind: 'stop', stop: { kind: 'hung', reason: HALT_STARVED } };
      return RESUME;
    }
    case 'cpuid': {
      ops.cpuid(ops.gpr(0), cpuidOut);
      for (let r = 0; r < 4; r++) ops.setGpr([0, 3, 1, 2][r]!, cpuidOut[r]!);
      ops.skipInstruction();
      return RESUME;
    }
    case 'msr': {
      const msr = ops.gpr(1) >>> 0;
      if (exit.write) {
        if (!ops.writeMsr(msr, ops.gpr(0), ops.gpr(2))) {
          ops.injectException(GP, 0);
          return RESUME;
        }
      } else {
        const v = ops.readMsr(msr);
        if (v === null) {
          ops.injectException(GP, 0);
          return RESUME;
        }
        ops.setGpr(0, v[0]);
        ops.setGpr(2, v[1]);
      }
      ops.skipInstruction();
      return RESUME;
    }
    case 'intr':
    case 'vintr':
      return RESUME;
    case 'shutdown':
      return { kind: 'stop', stop: { kind: 'shutdown', reason: 'triple fault in the guest (#VMEXIT SHUTDOWN)' } };
    case 'exception':
      if (exit.vector === 14) return ops.pageFault(exit.address, exit.errorCode, exit.pending);
      // Not intercepted by this monitor; reflect it unchanged.
      if (exit.pending !== null) ops.reinject(exit.pending);
      else ops.injectException(exit.vector, [8, 10, 11, 12, 13, 17].includes(exit.vector) ? exit.errorCode : -1);
      return RESUME;
    case 'cr':
      return ops.crAccess(exit.cr, exit.write, exit.gpr);
    case 'invlpg':
      ops.invlpg(exit.linear);
      ops.skipInstruction();
      return RESUME;
    case 'npf':
      return ops.nestedPageFault(exit.gpa, exit.errorCode, exit.final, exit.pending);
    case 'icebp':
      // The #DB of INT1 is a trap: delivered with rIP past the instruction. Injected by the monitor
      // so that an exit during its delivery (a shadow #PF on the IDT, stack or handler) leaves rIP
      // past the ICEBP and the #DB in EXITINTINFO, unambiguous to re-inject (without the intercept,
      // rIP would still be on the ICEBP with the same EXITINTINFO as a single-step trap).
      ops.skipInstruction(false);
      ops.injectException(DB, -1);
      return RESUME;
    case 'svm-instruction':
      ops.injectException(UD, -1);
      return RESUME;
    case 'invalid':
      return stop('VMRUN refused the VMCB (VMEXIT_INVALID)');
    case 'unexpected':
      return stop(`unexpected exit code 0x${exit.code.toString(16)}`);
    default:
      return assertNever(exit);
  }
}
