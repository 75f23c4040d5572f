/** @file The SVM unit of one processor: `vmrun` (consistency checks, host save, guest load, TLB control, event injection, guest mode) and `#VMEXIT` (guest save, exit code and info, host restore). */
import { TlbControl, TlbSet, type Tlb } from '@x86virt/mmu';
import type { Cpu, HostSink } from '../cpu/cpu.ts';
import { CR0, EVENT_KIND } from '../cpu/cpu.ts';
import { NO_ERROR_CODE } from '../cpu/fault.ts';
import { deliverEvent } from '../cpu/interrupts.ts';
import type { InterpreterEngine } from '../engine/engine.ts';
import { guestSink, recordExit } from './intercepts.ts';
import { SvmState } from './svm-state.ts';
import { EFER_SVME, EVENTINJ, INTERCEPT_MISC1, INTERCEPT_MISC2, V_INTR, VMCB, VMEXIT } from './vmcb-layout.ts';
import { loadStateSaveArea, memoryView, readField, storeStateSaveArea, writeField, writeField64 } from './vmcb-state.ts';

/** A misuse of `vmrun` that the APM turns into #UD/#GP of the host (the monitor's bug, not the guest's). */
export class SvmError extends Error {
  override readonly name = 'SvmError';
}

/** The SVM unit's counters. */
export interface SvmCounters {
  /** `vmrun` calls (VM entries, the invalid ones included). */
  vmruns: number;
  /** #VMEXITs, all codes. */
  exits: number;
  /** Exits by exit code (`VMEXIT_INVALID` as −1). */
  readonly byCode: Map<number, number>;
  /** INTR exits that were the model's instruction budget (or a halt without the HLT intercept), not a device. */
  preemptions: number;
  /** Events injected through EVENTINJ. */
  injected: number;
}

/** CR4 bits a guest may hold (the model's CR4): any other is a VMRUN consistency failure. */
const CR4_VALID = 0x9f;

/**
 * AMD SVM on one `Cpu` (APM Vol.2 §15). `vmrun(vmcb)` is a method the monitor calls, not an
 * instruction fetched from memory; everything else follows the APM: host state goes to
 * VM_HSAVE_PA, guest state comes from the VMCB, the intercepts are cached in `Cpu.svm`, the
 * guest runs on the engine in guest mode until an intercepted event, then #VMEXIT writes the guest
 * state, EXITCODE, EXITINFO1/2, EXITINTINFO and nRIP to the VMCB and restores the host.
 *
 * Model notes: VMRUN also loads (and #VMEXIT saves) FS, GS, LDTR, TR and the SYSENTER MSRs
 * (VMLOAD/VMSAVE folded in). The TLB is tagged by ASID (one mmu `Tlb` per ASID; the host's is
 * ASID 0); a world switch flushes nothing, TLB_CONTROL does. The model's instruction budget,
 * a device stop request, or HLT without its intercept end guest mode as a physical-interrupt
 * exit (VMEXIT_INTR, `preempted` = true).
 */
export class Svm {
  readonly cpu: Cpu;
  readonly engine: InterpreterEngine;
  readonly state = new SvmState();
  readonly counters: SvmCounters = { vmruns: 0, exits: 0, byCode: new Map(), preemptions: 0, injected: 0 };
  /** True if the last exit was a preemption (budget/stop/halt) rather than an intercepted event. */
  preempted = false;
  readonly #view: DataView;
  readonly #tlbs: TlbSet;
  readonly #hostTlb: Tlb;
  readonly #ownTlbs = new Map<number, Tlb>();
  readonly #sink: HostSink;
  #hostSink: HostSink | null = null;
  #hostTscOffset = 0;
  #hostCr8 = 0;
  #vmcb = 0;

  constructor(cpu: Cpu, engine: InterpreterEngine) {
    this.cpu = cpu;
    this.engine = engine;
    cpu.svm = this.state;
    this.#view = memoryView(cpu.ram);
    const io = cpu.io;
    this.#tlbs = new TlbSet({ isRam: (base) => !io.isMmio(base) });
    this.#hostTlb = cpu.tlb;
    this.#sink = (vector, errorCode, kind) => guestSink(cpu, vector, errorCode, kind);
  }

  /** The TLB of `asid` (0 = the host's). */
  tlbFor(asid: number): Tlb {
    if (asid === 0) return this.#hostTlb;
    return this.#ownTlbs.get(asid) ?? this.#tlbs.get(asid);
  }

  /** Gives `asid` a TLB of the monitor's own making (e.g. one that never fills, for one-instruction emulation). */
  useTlb(asid: number, tlb: Tlb): void {
    this.#ownTlbs.set(asid, tlb);
  }

  /**
   * VMRUN with the VMCB at physical `vmcb`: runs the guest for at most `budget` instructions and
   * returns the exit code (also in the VMCB's EXITCODE; −1 = VMEXIT_INVALID). `chargeTransitions`
   * false leaves the entry and exit unpriced (a monitor's own emulation step, priced as software).
   * Throws SvmError for what would be a host #UD/#GP (EFER.SVME=0, misaligned VMCB or HSAVE, already in guest mode).
   */
  vmrun(vmcb: number, budget: number, chargeTransitions = true): number {
    const cpu = this.cpu;
    const v = this.#view;
    const s = this.state;
    if (cpu.guestMode) throw new SvmError('vmrun while already in guest mode');
    if ((cpu.efer & EFER_SVME) === 0) throw new SvmError('vmrun with EFER.SVME=0 (#UD)');
    if ((vmcb & 0xfff) !== 0 || vmcb < 0 || vmcb + 0x1000 > cpu.ram.length) throw new SvmError(`VMCB at 0x${vmcb.toString(16)} is not an aligned page in memory (#GP)`);
    const hsave = cpu.vmHsavePa >>> 0;
    if ((hsave & 0xfff) !== 0 || hsave + 0x1000 > cpu.ram.length) throw new SvmError(`VM_HSAVE_PA 0x${hsave.toString(16)} is not an aligned page in memory (#GP)`);
    this.counters.vmruns++;
    this.preempted = false;
    this.#vmcb = vmcb;
    if (chargeTransitions) cpu.cycles += cpu.cost.vmEntry;

    // Control area.
    s.crIntercepts = readField(v, vmcb, VMCB.INTERCEPT_CR);
    s.drIntercepts = readField(v, vmcb, VMCB.INTERCEPT_DR);
    s.exceptionIntercepts = readField(v, vmcb, VMCB.INTERCEPT_EXCEPTIONS);
    s.misc1 = readField(v, vmcb, VMCB.INTERCEPT_MISC1) | 0;
    s.misc2 = readField(v, vmcb, VMCB.INTERCEPT_MISC2) | 0;
    s.iopmBase = readField(v, vmcb, VMCB.IOPM_BASE_PA) & ~0xfff;
    s.msrpmBase = readField(v, vmcb, VMCB.MSRPM_BASE_PA) & ~0xfff;
    s.vIntr = readField(v, vmcb, VMCB.V_INTR);
    s.vIntrVector = readField(v, vmcb, VMCB.V_INTR_VECTOR);
    s.nCr3 = readField(v, vmcb, VMCB.N_CR3) >>> 0;
    s.hostCr4 = cpu.cr4;
    const asid = readField(v, vmcb, VMCB.GUEST_ASID);
    const np = (readField(v, vmcb, VMCB.NP_ENABLE) & 1) !== 0;
    const eventInj = readField(v, vmcb, VMCB.EVENTINJ) % 0x1_0000_0000;
    const eventErr = v.getUint32(vmcb + VMCB.EVENTINJ.offset + 4, true);

    // Consistency checks (APM §15.5.1): failure is VMEXIT_INVALID with nothing loaded.
    const efer = v.getUint32(vmcb + VMCB.EFER.offset, true);
    const cr0 = v.getUint32(vmcb + VMCB.CR0.offset, true);
    const cr4 = v.getUint32(vmcb + VMCB.CR4.offset, true);
    const type = (eventInj >>> EVENTINJ.TYPE_SHIFT) & 7;
    const invalid =
      (efer & EFER_SVME) === 0 ||
      ((cr0 & CR0.CD) === 0 && (cr0 & CR0.NW) !== 0) ||
      v.getUint32(vmcb + VMCB.CR0.offset + 4, true) !== 0 ||
      (cr4 & ~CR4_VALID) !== 0 ||
      (s.misc2 & INTERCEPT_MISC2.VMRUN) === 0 ||
      asid === 0 ||
      ((eventInj & EVENTINJ.V) !== 0 && (type === 1 || type > 4 || (type === EVENTINJ.TYPE_EXCEPTION && (eventInj & 0xff) === 2)));
    if (invalid) {
      writeField(v, vmcb, VMCB.EXITCODE, -1);
      this.#count(VMEXIT.INVALID);
      if (chargeTransitions) cpu.cycles += cpu.cost.vmExit;
      return VMEXIT.INVALID;
    }

    // Host state to VM_HSAVE_PA, guest state from the VMCB.
    storeStateSaveArea(cpu, v, hsave);
    this.#hostTscOffset = cpu.tscOffset;
    this.#hostCr8 = cpu.cr8;
    loadStateSaveArea(cpu, v, vmcb);
    cpu.cr8 = s.vIntr & V_INTR.TPR_MASK;
    // TSC_OFFSET is a signed 64-bit number.
    cpu.tscOffset = this.#hostTscOffset + v.getInt32(vmcb + VMCB.TSC_OFFSET.offset + 4, true) * 0x1_0000_0000 + v.getUint32(vmcb + VMCB.TSC_OFFSET.offset, true);
    cpu.intShadow = (readField(v, vmcb, VMCB.INTERRUPT_SHADOW) & 1) !== 0;
    cpu.halted = false;

    // TLB: apply TLB_CONTROL, then use the guest ASID's TLB.
    const tlbControl = readField(v, vmcb, VMCB.TLB_CONTROL);
    if (tlbControl === TlbControl.FLUSH_ALL) {
      this.#hostTlb.flushAll();
      for (const t of this.#ownTlbs.values()) t.flushAll();
      this.#tlbs.flushAll();
    } else if (tlbControl === TlbControl.FLUSH_ASID) this.tlbFor(asid).flushAll();
    else if (tlbControl === TlbControl.FLUSH_ASID_NON_GLOBAL) this.tlbFor(asid).flushNonGlobal();
    cpu.tlb = this.tlbFor(asid);

    // Guest mode.
    s.exitPending = false;
    this.#hostSink = cpu.hostSink;
    cpu.hostSink = this.#sink;
    cpu.nestedPaging = np;
    cpu.guestMode = true;
    cpu.hostEvent = -1;

    if ((eventInj & EVENTINJ.V) !== 0) {
      writeField(v, vmcb, VMCB.EVENTINJ, 0);
      this.counters.injected++;
      const vector = eventInj & 0xff;
      const err = (eventInj & EVENTINJ.EV) !== 0 ? eventErr | 0 : NO_ERROR_CODE;
      const kind = type === EVENTINJ.TYPE_EXCEPTION ? EVENT_KIND.EXCEPTION : type === EVENTINJ.TYPE_SOFT_INT ? EVENT_KIND.SOFTWARE : EVENT_KIND.EXTERNAL;
      s.injecting = true;
      deliverEvent(cpu, vector, err, kind, cpu.eip);
      s.injecting = false;
      cpu.hostEvent = -1;
    }

    if (!s.exitPending && cpu.shutdown === null) {
      const stop = this.engine.run(budget);
      if (!s.exitPending && stop.kind !== 'shutdown') {
        recordExit(cpu, VMEXIT.INTR, 0, 0, 0);
        s.nextRip = 0;
        this.preempted = true;
        this.counters.preemptions++;
      }
    }
    if (!s.exitPending && cpu.shutdown !== null) {
      // Triple fault in guest mode: the SHUTDOWN intercept, else the host shuts down too (cpu.shutdown stays set).
      if ((s.misc1 & INTERCEPT_MISC1.SHUTDOWN) !== 0) cpu.shutdown = null;
      recordExit(cpu, VMEXIT.SHUTDOWN, 0, 0, 0);
      s.nextRip = 0;
    }
    return this.#vmexit(chargeTransitions);
  }

  /** #VMEXIT: guest state and exit information to the VMCB, host state back. Returns the exit code. */
  #vmexit(charge: boolean): number {
    const cpu = this.cpu;
    const v = this.#view;
    const s = this.state;
    const vmcb = this.#vmcb;
    cpu.guestMode = false;
    cpu.nestedPaging = false;
    cpu.hostSink = this.#hostSink;
    cpu.hostEvent = -1;
    storeStateSaveArea(cpu, v, vmcb);
    writeField(v, vmcb, VMCB.V_INTR, (s.vIntr & ~V_INTR.TPR_MASK) | (cpu.cr8 & 0xf));
    writeField(v, vmcb, VMCB.INTERRUPT_SHADOW, cpu.intShadow ? 1 : 0);
    writeField(v, vmcb, VMCB.EXITCODE, s.exitCode);
    writeField64(v, vmcb, VMCB.EXITINFO1, s.exitInfo1, s.exitInfo1Hi);
    writeField(v, vmcb, VMCB.EXITINFO2, s.exitInfo2 >>> 0);
    writeField64(v, vmcb, VMCB.EXITINTINFO, s.exitIntInfo, s.exitIntInfoError);
    writeField(v, vmcb, VMCB.NRIP, s.nextRip >>> 0);
    loadStateSaveArea(cpu, v, cpu.vmHsavePa >>> 0);
    cpu.tscOffset = this.#hostTscOffset;
    cpu.cr8 = this.#hostCr8;
    cpu.tlb = this.#hostTlb;
    cpu.intShadow = false;
    cpu.halted = false;
    cpu.blockBreak = false;
    s.exitPending = false;
    this.#count(s.exitCode);
    if (charge) cpu.cycles += cpu.cost.vmExit;
    return s.exitCode;
  }

  #count(code: number): void {
    this.counters.exits++;
    this.counters.byCode.set(code, (this.counters.byCode.get(code) ?? 0) + 1);
  }
}
