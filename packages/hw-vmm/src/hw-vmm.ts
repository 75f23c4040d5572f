/** @file The hardware-assisted VMM: builds the guest's VMCB on the devices board, programs the intercepts, and runs `vmrun → handle exit → vmrun` with shadow or nested paging. */
import { Board, MAX_HALT_DEADLINES, type BoardOptions, type ByteSource } from '@x86virt/devices';
import { buildNestedTables, gpa, hpa, TlbControl } from '@x86virt/mmu';
import {
  apicBaseWriteValid,
  Cpu,
  CR0,
  cpuidLeaf,
  EFER_SVME,
  EFLAGS,
  EVENTINJ,
  InterpreterEngine,
  INTERCEPT_MISC1,
  INTERCEPT_MISC2,
  loadEntryState,
  memoryView,
  MSR,
  storeStateSaveArea,
  Svm,
  V_INTR,
  VMCB,
  VMCB_SAVE_AREA,
  VMCB_SAVE_AREA_END,
  VMCB_SEG_FIELD,
  VMCB_SEGMENT,
  VMEXIT,
  readField,
  writeField,
  type ArchState,
  type CostProfile,
  type InterruptController,
} from '@x86virt/x86-core';
import { handleExit, type ExitOps, type ExitOutcome, type HaltOutcome, type HwStop } from './exit-handler.ts';
import { fetchLeavesRam, GuestRamTlb, guestPhysicalIo } from './guest-physical.ts';
import { exitCodeName, readExit, type PendingEvent } from './hw-exit.ts';
import { MonitorClock, UNFITTED_MONITOR_COSTS, type MonitorCostName, type MonitorCosts } from './monitor-costs.ts';
import { monitorLayout, type MonitorLayout } from './monitor-layout.ts';
import { CR0_WRITABLE, CR4_VALID, ShadowContext } from './shadow-context.ts';
import { VmcbAccess } from './vmcb-access.ts';

/** How the guest's memory is virtualized. */
export type HwMmu = 'shadow' | 'nested';

/** Options of a hardware-VMM machine. */
export interface HwVmmOptions {
  readonly mmu: HwMmu;
  /** The silicon's cost profile (with the SVM costs). */
  readonly cost: CostProfile;
  /** The monitor's software costs (default: none fitted). */
  readonly monitorCosts?: MonitorCosts;
  /** Guest RAM in MiB (default 64). */
  readonly memMiB?: number;
  /** Monitor memory after guest RAM in MiB (default 8). */
  readonly monitorMiB?: number;
  /** Kernel command line (multiboot or Linux). */
  readonly cmdline?: string;
  /** An initrd, when `image` is a Linux bzImage. */
  readonly initrd?: Uint8Array;
  /** Receives each byte the guest writes to COM1. */
  readonly serialSink?: (byte: number) => void;
  /** Where COM1 receives from (default: nothing). */
  readonly serialSource?: ByteSource;
  /** Disks on the primary ATA channel (the board's; the guest reaches them through port I/O exits). */
  readonly disks?: BoardOptions['disks'];
}

/** Guest ASID of the VM and of the one-instruction emulation step. */
const GUEST_ASID = 1;
const STEP_ASID = 2;
/** Instructions per VMRUN at most (the model's preemption; keeps the budget prompt). */
const SLICE = 1 << 22;
/**
 * Most exits in a row after which the guest has neither retired an instruction nor moved EIP,
 * ECX, ESI or EDI (a string instruction's progress): the monitor is looping on one event it
 * cannot resolve, and stops instead of hanging the host (the instruction budget counts retired
 * instructions only, so it would never end such a loop). One instruction needs a few dozen
 * exits at most (hidden faults on its code, data, stack and descriptor-table pages).
 */
const MAX_IDLE_EXITS = 1 << 14;

const DB = 1;
/** DR6.BS: the #DB was a single-step trap. */
const DR6_BS = 0x4000;
const PF = 14;
const DF = 8;
const GP = 13;
const ESP = 4;
const EAX = 0;

/**
 * The processor's physical INTR line in hw mode. The board's PIC is the guest's *virtual*
 * interrupt controller (the shared device model); the physical line is asserted when a device
 * deadline makes the virtual interrupt controller (local APIC, and the 8259 pair through LINT0) newly request an interrupt (the host's timer interrupt in a real
 * VMM), so the guest exits (INTR intercept) and the monitor injects.
 */
class HostInterruptLine implements InterruptController {
  pending = false;
  hasInterrupt(): boolean {
    return this.pending;
  }
  acknowledge(): number {
    this.pending = false;
    return 0;
  }
}

/** Counters of the monitor (besides the silicon's, the SVM unit's and the pager's). */
export interface HwVmmCounters {
  /** Exits handled, by exit-code name (`IOIO`, `EXCP_PF`, `CR3_WRITE`, …). */
  readonly exits: Map<string, number>;
  /** Modeled cycles of each exit code's round trips (#VMEXIT, handler, next VMRUN). */
  readonly exitCycles: Map<string, number>;
  /** Interrupts acknowledged at the virtual interrupt controller and injected through EVENTINJ. */
  injectedInterrupts: number;
  /** Exceptions injected (reflected #PF, #GP from MSR emulation, …). */
  injectedExceptions: number;
  /** Events re-injected from EXITINTINFO. */
  reinjected: number;
  /** Times V_IRQ was armed with the VINTR intercept (interrupt window). */
  interruptWindows: number;
  /** One-instruction emulation steps (traced writes, string I/O, SMSW/LMSW/CLTS, accesses outside guest RAM). */
  emulationSteps: number;
  /** Guest accesses to guest-physical memory outside guest RAM (shadow `outside-ram` faults, NPFs), emulated. */
  outsideRamAccesses: number;
  /** Code fetches from guest-physical memory outside guest RAM, answered with #GP(0) as on the native board. */
  outsideRamFetches: number;
  /** Shadow #PF outcomes. */
  hiddenFaults: number;
  trueFaults: number;
  traceFaults: number;
  /** HLT waits, and device deadlines they advanced to. */
  halts: number;
  haltTicks: number;
}

/**
 * A guest on the SVM silicon under the hardware VMM. `run(maxInsns)` runs the loop
 * `vmrun → handleExit → vmrun` until the guest exits, resets, shuts down, hangs or uses up
 * its budget.
 */
export class HwVmm {
  readonly board: Board;
  readonly cpu: Cpu;
  readonly engine: InterpreterEngine;
  readonly svm: Svm;
  readonly mmu: HwMmu;
  readonly layout: MonitorLayout;
  /** The guest's VMCB through the charging accessor. */
  readonly vmcb: VmcbAccess;
  /** Shadow paging state (`--mmu shadow`), else null. */
  readonly shadow: ShadowContext | null;
  readonly clock: MonitorClock;
  readonly counters: HwVmmCounters = {
    exits: new Map(),
    exitCycles: new Map(),
    injectedInterrupts: 0,
    injectedExceptions: 0,
    reinjected: 0,
    interruptWindows: 0,
    emulationSteps: 0,
    outsideRamAccesses: 0,
    outsideRamFetches: 0,
    hiddenFaults: 0,
    trueFaults: 0,
    traceFaults: 0,
    halts: 0,
    haltTicks: 0,
  };
  readonly #view: DataView;
  readonly #line = new HostInterruptLine();
  /** The exit the next VMRUN returns from (its VMRUN is part of that exit's cost). */
  #lastExit: string | null = null;
  readonly #guestBytes: number;
  readonly #ops: ExitOps;
  /** EVENTINJ was written for the next VMRUN. */
  #eventQueued = false;
  /** The guest's progress at the last exit (`#progressed`): retired, RIP, ECX, ESI, EDI. */
  readonly #mark = new Float64Array(5);
  /** V_IRQ + VINTR intercept are armed. */
  #windowArmed = false;
  #misc1: number;
  /** The guest's view of the MSRs the monitor emulates. */
  #efer = 0;
  #apicBase = 0xfee00900 | 0;
  #hsavePa = 0;

  constructor(image: Uint8Array, opts: HwVmmOptions) {
    this.mmu = opts.mmu;
    const cost = opts.cost;
    const monitorMiB = opts.monitorMiB ?? 8;
    this.board = new Board({ cpuHz: Math.round(cost.hz), memMiB: opts.memMiB ?? 64, monitorMiB, serialSink: opts.serialSink ?? (() => {}), ...(opts.serialSource !== undefined ? { serialSource: opts.serialSource } : {}), ...(opts.disks !== undefined ? { disks: opts.disks } : {}) });
    const board = this.board;
    const load = board.loadKernel(image, { cmdline: opts.cmdline ?? '', ...(opts.initrd !== undefined ? { initrd: opts.initrd } : {}) });
    this.#guestBytes = board.guestRam.length;
    this.layout = monitorLayout(board.monitorBase, monitorMiB * 0x100000, this.#guestBytes);
    const L = this.layout;
    // The silicon's bus: memory from monitorBase up is unclaimed space to every guest access.
    this.cpu = new Cpu({ memory: board, io: guestPhysicalIo(board.bus, board.monitorBase), intr: this.#line, cost });
    const cpu = this.cpu;
    board.setCycleSource(() => cpu.cycles);
    this.engine = new InterpreterEngine(cpu);
    this.svm = new Svm(cpu, this.engine);
    this.svm.useTlb(STEP_ASID, new GuestRamTlb(board.guestRam));
    this.#view = memoryView(board.ram);
    this.vmcb = new VmcbAccess(cpu, this.#view, L.vmcb);
    this.clock = new MonitorClock(opts.monitorCosts ?? UNFITTED_MONITOR_COSTS);
    this.shadow = this.mmu === 'shadow' ? new ShadowContext(board.ram, this.#guestBytes, L.pool, L.poolPages) : null;

    // The guest's entry state (the multiboot hand-over) goes into the VMCB; GPRs other than
    // EAX/ESP stay in the silicon, as on AMD (VMRUN does not load them).
    loadEntryState(cpu, load.state);
    const v = this.#view;
    storeStateSaveArea(cpu, v, L.vmcb);
    // Host: the monitor's state (it never runs instructions); SVM enabled, host save area set.
    cpu.efer = EFER_SVME;
    cpu.vmHsavePa = L.hsave;

    board.ram.fill(0xff, L.iopm, L.iopm + 0x3000);
    board.ram.fill(0, L.stepIopm, L.stepIopm + 0x3000);
    board.ram.fill(0xff, L.msrpm, L.msrpm + 0x2000);
    // ICEBP is intercepted too: its #DB is a trap, but an exit during its delivery leaves rIP on the
    // ICEBP with EXITINTINFO = #DB exception, which cannot be told from a single-step trap (Xen
    // intercepts ICEBP on SVM for this reason); the monitor skips it and injects the #DB itself.
    const svmInsns = INTERCEPT_MISC2.VMRUN | INTERCEPT_MISC2.VMMCALL | INTERCEPT_MISC2.VMLOAD | INTERCEPT_MISC2.VMSAVE | INTERCEPT_MISC2.STGI | INTERCEPT_MISC2.CLGI | INTERCEPT_MISC2.SKINIT | INTERCEPT_MISC2.ICEBP;
    const base = INTERCEPT_MISC1.INTR | INTERCEPT_MISC1.CPUID | INTERCEPT_MISC1.HLT | INTERCEPT_MISC1.IOIO_PROT | INTERCEPT_MISC1.MSR_PROT | INTERCEPT_MISC1.SHUTDOWN | INTERCEPT_MISC1.INVLPGA;
    this.#misc1 = base | (this.shadow !== null ? INTERCEPT_MISC1.INVLPG : 0);
    for (const [at, iopm, asid] of [[L.vmcb, L.iopm, GUEST_ASID], [L.stepVmcb, L.stepIopm, STEP_ASID]] as const) {
      writeField(v, at, VMCB.INTERCEPT_MISC2, svmInsns);
      writeField(v, at, VMCB.IOPM_BASE_PA, iopm);
      writeField(v, at, VMCB.MSRPM_BASE_PA, L.msrpm);
      writeField(v, at, VMCB.GUEST_ASID, asid);
      writeField(v, at, VMCB.V_INTR, V_INTR.INTR_MASKING);
    }
    writeField(v, L.vmcb, VMCB.INTERCEPT_MISC1, this.#misc1);
    writeField(v, L.stepVmcb, VMCB.INTERCEPT_MISC1, base | INTERCEPT_MISC1.INVLPG);
    writeField(v, L.vmcb, VMCB.EFER, EFER_SVME);
    writeField(v, L.vmcb, VMCB.TLB_CONTROL, TlbControl.FLUSH_ASID);
    if (this.shadow !== null) {
      // Shadow paging: #PF, CR0/CR3 reads, CR0/CR3/CR4 writes, INVLPG exit.
      writeField(v, L.vmcb, VMCB.INTERCEPT_EXCEPTIONS, 1 << PF);
      writeField(v, L.vmcb, VMCB.INTERCEPT_CR, (1 << 0) | (1 << 3) | (1 << 16) | (1 << 19) | (1 << 20));
      this.shadow.set(cpu.cr0, cpu.cr3, cpu.cr4);
      writeField(v, L.vmcb, VMCB.CR0, this.shadow.realCr0);
      writeField(v, L.vmcb, VMCB.CR3, this.shadow.root);
    } else {
      // Nested paging: the guest owns CR0/CR3/CR4 and its page faults; gPA → hPA through N_CR3.
      const nCr3 = buildNestedTables(board.ram, hpa(L.nestedTables), L.nestedBytes, this.#guestBytes, hpa(0));
      writeField(v, L.vmcb, VMCB.NP_ENABLE, 1);
      writeField(v, L.vmcb, VMCB.N_CR3, nCr3);
    }
    this.engine.setDeadline(board.tick(0), this.#onDeadline);
    this.#ops = this.#makeOps();
  }

  /** Runs the guest until it stops; at most `maxInsns` guest instructions. */
  run(maxInsns: number): HwStop {
    const cpu = this.cpu;
    const board = this.board;
    let idle = 0;
    this.#progressed();
    for (;;) {
      if (board.stopReason === 'exit') return { kind: 'exit', code: board.exitCode ?? 0 };
      if (board.stopReason === 'reset') return { kind: 'reset' };
      if (cpu.shutdown !== null) return { kind: 'shutdown', reason: cpu.shutdown.reason };
      const done = retired(cpu);
      if (done >= maxInsns) return { kind: 'budget', maxInsns };
      this.#beforeEntry();
      if (this.#lastExit !== null) this.#addExitCycles(this.#lastExit, cpu.cost.vmEntry);
      this.svm.vmrun(this.layout.vmcb, Math.min(SLICE, maxInsns - done));
      this.#eventQueued = false;
      this.#rearmDeadline();
      const exit = readExit(this.vmcb, this.svm.preempted);
      const name = this.#countExit();
      const t0 = cpu.cycles;
      const io0 = cpu.counters.portIo;
      const outcome = handleExit(exit, this.#ops);
      // The exit's round trip: #VMEXIT, the handler (port I/O is priced as I/O, not here), and the next VMRUN (added then).
      this.#addExitCycles(name, cpu.cost.vmExit + cpu.cycles - t0 - (cpu.counters.portIo - io0) * cpu.cost.io);
      this.#lastExit = name;
      if (outcome.kind === 'stop') return outcome.stop;
      if (!this.#progressed()) {
        if (++idle >= MAX_IDLE_EXITS) return { kind: 'shutdown', reason: `the monitor handled ${idle} exits in a row (the last ${name}) without the guest making progress` };
      } else idle = 0;
    }
  }

  /**
   * Records the guest's progress — instructions retired, EIP, and the registers a string
   * instruction advances (ECX, ESI, EDI) — and says whether it changed since the last record
   * (numbers compared in place: no string built per exit).
   */
  #progressed(): boolean {
    const m = this.#mark;
    const r = this.cpu.regs;
    const done = retired(this.cpu);
    const rip = this.#view.getUint32(this.layout.vmcb + VMCB.RIP.offset, true);
    const moved = done !== m[0] || rip !== m[1] || r[1] !== m[2] || r[6] !== m[3] || r[7] !== m[4];
    m[0] = done;
    m[1] = rip;
    m[2] = r[1]!;
    m[3] = r[6]!;
    m[4] = r[7]!;
    return moved;
  }

  /** Exits by code name, the monitor's, the pager's and the SVM unit's counters, as one flat map. */
  /**
   * The guest's architectural state after the last #VMEXIT: RAX, RSP, RIP, RFLAGS, CPL, CR2 and
   * the selectors from the VMCB state-save area, the other GPRs from the processor (VMRUN does not
   * switch them), and CR0/CR3/CR4 as the guest set them (under shadow paging the VMCB holds the
   * shadow values). Read without VMCB-access charges: this is the bench looking, not the monitor.
   */
  guestArchState(): ArchState {
    const v = this.#view;
    const at = this.layout.vmcb;
    const u = (i: number): number => this.cpu.regs[i]! >>> 0;
    const f = (field: (typeof VMCB)[keyof typeof VMCB]): number => readField(v, at, field) >>> 0;
    const sh = this.shadow;
    return {
      eax: f(VMCB.RAX), ecx: u(1), edx: u(2), ebx: u(3), esp: f(VMCB.RSP), ebp: u(5), esi: u(6), edi: u(7),
      eip: f(VMCB.RIP),
      eflags: f(VMCB.RFLAGS),
      cpl: f(VMCB.CPL) & 3,
      cr0: sh !== null ? sh.cr0 : f(VMCB.CR0), cr2: f(VMCB.CR2), cr3: sh !== null ? sh.cr3 : f(VMCB.CR3), cr4: sh !== null ? sh.cr4 : f(VMCB.CR4),
      segments: [VMCB_SEGMENT.ES, VMCB_SEGMENT.CS, VMCB_SEGMENT.SS, VMCB_SEGMENT.DS, VMCB_SEGMENT.FS, VMCB_SEGMENT.GS].map((s) => v.getUint16(at + s + VMCB_SEG_FIELD.SELECTOR, true)),
    };
  }

  stats(): Record<string, number> {
    const out: Record<string, number> = {};
    // Bench README "Counters": `exit.<code>` and its modeled cycles `cycles.exit.<code>`; preemptions are the simulator's time slices, not exits.
    for (const [k, n] of this.counters.exits) {
      if (k === 'PREEMPT') continue;
      out[`exit.${k.toLowerCase()}`] = n;
      out[`cycles.exit.${k.toLowerCase()}`] = this.counters.exitCycles.get(k) ?? 0;
    }
    const c = this.counters;
    for (const [k, n] of Object.entries(c)) if (typeof n === 'number' && n !== 0) out[`hw.${k}`] = n;
    out['svm.vmruns'] = this.svm.counters.vmruns;
    out['svm.exits'] = this.svm.counters.exits;
    if (this.svm.counters.preemptions) out['svm.preemptions'] = this.svm.counters.preemptions;
    if (this.svm.counters.injected) out['svm.injected'] = this.svm.counters.injected;
    out['svm.vmcbReads'] = this.vmcb.reads;
    out['svm.vmcbWrites'] = this.vmcb.writes;
    const guestTlb = this.svm.tlbFor(GUEST_ASID).counters;
    if (this.mmu === 'nested') out['npt.walkRefs2d'] = guestTlb.walkReferences;
    out['tlb.guest.misses'] = guestTlb.misses;
    out['tlb.guest.flushes'] = guestTlb.flushes + guestTlb.nonGlobalFlushes;
    if (this.shadow !== null) for (const [k, n] of Object.entries(this.shadow.pager.counters)) if (n !== 0) out[`shadow.${k}`] = n;
    for (const k of Object.keys(this.clock.charged) as MonitorCostName[]) {
      if (this.clock.charged[k]) out[`monitor.${k}.charged`] = this.clock.charged[k];
      if (this.clock.uncharged[k]) out[`monitor.${k}.notFitted`] = this.clock.uncharged[k];
    }
    if (this.clock.cycles) out['monitor.cycles'] = this.clock.cycles;
    return out;
  }

  #addExitCycles(name: string, cycles: number): void {
    this.counters.exitCycles.set(name, (this.counters.exitCycles.get(name) ?? 0) + cycles);
  }

  #countExit(): string {
    const code = this.svm.preempted ? -2 : this.#exitCode();
    const name = code === -2 ? 'PREEMPT' : exitCodeName(code);
    this.counters.exits.set(name, (this.counters.exits.get(name) ?? 0) + 1);
    return name;
  }

  #exitCode(): number {
    const lo = this.#view.getUint32(this.layout.vmcb + VMCB.EXITCODE.offset, true);
    return lo === 0xffffffff ? VMEXIT.INVALID : lo;
  }

  /** After an exit: the device deadline may have moved (a reprogrammed timer). */
  #rearmDeadline(): void {
    this.engine.setDeadline(this.board.tick(this.cpu.cycles), this.#onDeadline);
  }

  /**
   * The device-deadline callback while the guest runs: ticks the shared devices; when that makes
   * the virtual interrupt controller newly request an interrupt, the physical INTR line is asserted (an INTR exit).
   */
  readonly #onDeadline = (now: number): number => {
    const pic = this.board.intr;
    const before = pic.hasInterrupt();
    const next = this.board.tick(now);
    if (!before && pic.hasInterrupt()) this.#line.pending = true;
    return next;
  };

  /** Before VMRUN: inject a pending virtual interrupt the guest can take, else arm the interrupt window; TLB flush request. */
  #beforeEntry(): void {
    const vmcb = this.vmcb;
    const pic = this.board.intr;
    this.#line.pending = false;
    if (pic.hasInterrupt()) {
      let injected = false;
      if (!this.#eventQueued) {
        const ifSet = (vmcb.readLow(VMCB.RFLAGS) & EFLAGS.IF) !== 0;
        const shadow = (vmcb.readLow(VMCB.INTERRUPT_SHADOW) & 1) !== 0;
        if (ifSet && !shadow) {
          const vector = pic.acknowledge();
          vmcb.write64(VMCB.EVENTINJ, (EVENTINJ.V | vector) >>> 0, 0);
          this.#eventQueued = true;
          this.counters.injectedInterrupts++;
          injected = true;
        }
      }
      if (injected) this.#setWindow(false);
      else this.#setWindow(true);
    } else this.#setWindow(false);
    // TLB_CONTROL: flush the guest ASID on the first entry and whenever the shadow asks.
    const s = this.shadow;
    let flush = this.#flushNext;
    this.#flushNext = false;
    if (s !== null) {
      s.noteFlush();
      if (s.flushPending) flush = true;
      s.flushPending = false;
    }
    const want = flush ? TlbControl.FLUSH_ASID : TlbControl.DO_NOTHING;
    if (want !== this.#tlbControl) {
      vmcb.write(VMCB.TLB_CONTROL, want);
      this.#tlbControl = want;
    }
  }

  /** TLB_CONTROL as last written, and whether the next entry must flush. */
  #tlbControl: number = TlbControl.FLUSH_ASID;
  #flushNext = true;

  /** Arms or disarms V_IRQ with the VINTR intercept (the interrupt window). */
  #setWindow(on: boolean): void {
    if (on === this.#windowArmed) return;
    this.#windowArmed = on;
    const vmcb = this.vmcb;
    const tpr = vmcb.read(VMCB.V_INTR) & V_INTR.TPR_MASK;
    vmcb.write(VMCB.V_INTR, V_INTR.INTR_MASKING | tpr | (on ? V_INTR.IRQ | V_INTR.IGN_TPR : 0));
    vmcb.write(VMCB.INTERCEPT_MISC1, on ? this.#misc1 | INTERCEPT_MISC1.VINTR : this.#misc1);
    if (on) this.counters.interruptWindows++;
  }

  /** Queues an event for the next VMRUN (EVENTINJ). */
  #inject(vector: number, type: number, errorCode: number): void {
    const ev = errorCode >= 0 ? EVENTINJ.EV : 0;
    this.vmcb.write64(VMCB.EVENTINJ, (EVENTINJ.V | (type << EVENTINJ.TYPE_SHIFT) | ev | vector) >>> 0, errorCode >= 0 ? errorCode : 0);
    this.#eventQueued = true;
  }

  #makeOps(): ExitOps {
    const cpu = this.cpu;
    const vmcb = this.vmcb;
    const board = this.board;
    const self = this;
    return {
      gpr(n) {
        if (n === EAX) return vmcb.readLow(VMCB.RAX) | 0;
        if (n === ESP) return vmcb.readLow(VMCB.RSP) | 0;
        return cpu.regs[n]!;
      },
      setGpr(n, value) {
        if (n === EAX) vmcb.write(VMCB.RAX, value >>> 0);
        else if (n === ESP) vmcb.write(VMCB.RSP, value >>> 0);
        else cpu.regs[n] = value;
      },
      skipInstruction(singleStep = true) {
        vmcb.write(VMCB.RIP, vmcb.readLow(VMCB.NRIP));
        vmcb.write(VMCB.INTERRUPT_SHADOW, 0);
        // The instruction retired here, not on the silicon: so does its single-step trap (SDM Vol.3
        // §17.3.1.4: #DB after an instruction that began with TF=1, DR6.BS set, rIP the next one).
        if (singleStep && (vmcb.readLow(VMCB.RFLAGS) & EFLAGS.TF) !== 0) {
          vmcb.write(VMCB.DR6, (vmcb.readLow(VMCB.DR6) | DR6_BS) >>> 0);
          self.counters.injectedExceptions++;
          self.#inject(DB, EVENTINJ.TYPE_EXCEPTION, -1);
        }
      },
      // An intercepted port access reaches the monitor's device model, not a chipset register: its
      // cost is the IOIO handler's software cost (profile monitor.hwIoExit), not the silicon's `io`.
      portIn(port, size) {
        const v = board.bus.portRead(port, size);
        return size === 4 ? v | 0 : v & (size === 2 ? 0xffff : 0xff);
      },
      portOut(port, size, value) {
        board.bus.portWrite(port, size, size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff));
      },
      cpuid(leaf, out) {
        // The same leaves as the silicon's CPUID, with the board's local APIC as native mode's Cpu sees it.
        cpuidLeaf(leaf, out, board.apicMsr);
      },
      readMsr: (msr) => self.#readMsr(msr),
      writeMsr: (msr, lo, hi) => self.#writeMsr(msr, lo, hi),
      injectException(vector, errorCode) {
        self.counters.injectedExceptions++;
        self.#inject(vector, EVENTINJ.TYPE_EXCEPTION, errorCode);
      },
      reinject(event) {
        self.#reinject(event);
      },
      emulateInstruction: () => self.#emulateStep(false),
      halt: () => self.#halt(),
      pageFault: (address, errorCode, pending) => self.#pageFault(address, errorCode, pending),
      nestedPageFault: (_gpa, _errorCode, _final, pending) => self.#nestedPageFault(pending),
      crAccess: (cr, write, gpr) => self.#crAccess(cr, write, gpr),
      invlpg(linear) {
        self.shadow?.invlpg(linear);
        // INVLPGA: drop the page from the guest ASID's TLB too.
        self.svm.tlbFor(GUEST_ASID).invlpg(linear);
      },
      charge(name) {
        cpu.cycles += self.clock.charge(name);
      },
    };
  }

  #reinject(event: PendingEvent): void {
    // A software interrupt is not re-injected: rIP is still on the INT instruction, which runs again.
    if (event.type === EVENTINJ.TYPE_SOFT_INT) return;
    this.counters.reinjected++;
    this.#inject(event.vector, event.type, event.errorCode);
  }

  #readMsr(msr: number): readonly [number, number] | null {
    const vmcb = this.vmcb;
    switch (msr | 0) {
      case MSR.TSC: {
        const t = Math.floor(this.cpu.cycles + this.cpu.tscOffset + signed64(vmcb.readLow(VMCB.TSC_OFFSET), vmcb.readHigh(VMCB.TSC_OFFSET)));
        return [t % 0x100000000 | 0, Math.floor(t / 0x100000000) | 0];
      }
      case MSR.APIC_BASE:
        return [this.board.apicMsr !== null ? this.board.apicMsr.baseMsrValue | 0 : this.#apicBase, 0];
      case MSR.SYSENTER_CS:
        return [vmcb.readLow(VMCB.SYSENTER_CS) | 0, 0];
      case MSR.SYSENTER_ESP:
        return [vmcb.readLow(VMCB.SYSENTER_ESP) | 0, 0];
      case MSR.SYSENTER_EIP:
        return [vmcb.readLow(VMCB.SYSENTER_EIP) | 0, 0];
      case MSR.EFER:
        return [this.#efer, 0];
      case MSR.VM_HSAVE_PA:
        return [this.#hsavePa, 0];
      default:
        return null;
    }
  }

  #writeMsr(msr: number, lo: number, hi: number): boolean {
    const vmcb = this.vmcb;
    switch (msr | 0) {
      case MSR.TSC: {
        // TSC_OFFSET is signed 64-bit: guest TSC = cycles + host offset + TSC_OFFSET.
        const off = (hi >>> 0) * 0x100000000 + (lo >>> 0) - Math.floor(this.cpu.cycles) - this.cpu.tscOffset;
        vmcb.write64(VMCB.TSC_OFFSET, ((off % 0x100000000) + 0x100000000) % 0x100000000, Math.floor(off / 0x100000000) >>> 0);
        return true;
      }
      case MSR.APIC_BASE:
        // To the board's local APIC (relocation, global enable), reserved bits #GP, as on the silicon.
        if (this.board.apicMsr === null) this.#apicBase = lo;
        else if (!apicBaseWriteValid(lo, hi)) return false;
        else this.board.apicMsr.writeBaseMsr(lo >>> 0);
        return true;
      case MSR.SYSENTER_CS:
        vmcb.write(VMCB.SYSENTER_CS, lo & 0xffff);
        return true;
      case MSR.SYSENTER_ESP:
        vmcb.write(VMCB.SYSENTER_ESP, lo >>> 0);
        return true;
      case MSR.SYSENTER_EIP:
        vmcb.write(VMCB.SYSENTER_EIP, lo >>> 0);
        return true;
      case MSR.EFER:
        if ((lo & ~EFER_SVME) !== 0 || hi !== 0) return false;
        this.#efer = lo;
        return true;
      case MSR.VM_HSAVE_PA:
        if ((lo & 0xfff) !== 0 || hi !== 0) return false;
        this.#hsavePa = lo;
        return true;
      default:
        return false;
    }
  }

  /** HLT: advance virtual time to device deadlines until the virtual interrupt controller has an interrupt. */
  #halt(): HaltOutcome {
    this.counters.halts++;
    if ((this.vmcb.readLow(VMCB.RFLAGS) & EFLAGS.IF) === 0) return 'interrupts-disabled';
    const cpu = this.cpu;
    const board = this.board;
    for (let n = 0; n < MAX_HALT_DEADLINES; n++) {
      if (board.intr.hasInterrupt()) return 'woken';
      const next = board.tick(cpu.cycles);
      if (!Number.isFinite(next)) return 'no-wakeup';
      if (next > cpu.cycles) {
        cpu.cycles = next;
        this.counters.haltTicks++;
      }
      board.tick(cpu.cycles);
    }
    return 'starved';
  }

  #pageFault(address: number, errorCode: number, pending: PendingEvent | null): ExitOutcome {
    const s = this.shadow;
    if (s === null) {
      // Not intercepted with nested paging; reflect.
      return this.#injectPf(address, errorCode, pending);
    }
    const r = s.pageFault(address, errorCode);
    switch (r.kind) {
      case 'hidden':
        this.counters.hiddenFaults++;
        this.#charge('hwPageFaultExit');
        if (pending !== null) this.#reinject(pending);
        return RESUME;
      case 'true':
        this.counters.trueFaults++;
        this.#charge('hwPageFaultExit');
        return this.#injectPf(address, r.errorCode, pending);
      case 'trace':
        this.counters.traceFaults++;
        this.#charge('hwTraceExit');
        if (pending !== null) this.#reinject(pending);
        return this.#emulateStep(false);
      case 'unmappable':
        if (r.reason === 'outside-ram') return this.#outsideRam(pending);
        return { kind: 'stop', stop: { kind: 'shutdown', reason: `guest access at 0x${(address >>> 0).toString(16)} maps nothing the monitor can map (${r.reason})` } };
    }
  }

  /** An NPF: the nested tables map guest RAM only, so the guest touched guest-physical memory outside it. */
  #nestedPageFault(pending: PendingEvent | null): ExitOutcome {
    return this.#outsideRam(pending);
  }

  /**
   * A guest access to guest-physical memory outside guest RAM (a shadow `outside-ram` fault or
   * an NPF; the access, or a guest page-table entry): done as the native board does it. A code
   * fetch there raises #GP(0); any other access is the one-instruction emulation step, run
   * without nested paging on the guest's own tables, where memory outside guest RAM is
   * unclaimed space (reads all ones, writes dropped, table entries not present) and device
   * MMIO reaches the devices. An event whose delivery made the access is delivered again in the step.
   */
  #outsideRam(pending: PendingEvent | null): ExitOutcome {
    this.#charge('hwTraceExit');
    if (pending === null && fetchLeavesRam(this.board.guestRam, this.#fetchSite())) return this.#fetchOutsideRam();
    this.counters.outsideRamAccesses++;
    if (pending !== null) this.#reinject(pending);
    return this.#emulateStep(true);
  }

  /** The guest's next instruction lies (or runs) outside guest RAM: #GP(0), as the native board raises for such a fetch. */
  #fetchOutsideRam(): ExitOutcome {
    this.counters.outsideRamFetches++;
    this.counters.injectedExceptions++;
    this.#inject(GP, EVENTINJ.TYPE_EXCEPTION, 0);
    return RESUME;
  }

  /** Where the guest's next instruction is fetched from, with the guest's own paging state. */
  #fetchSite(): { linear: number; d32: boolean; user: boolean; cr0: number; cr3: number; cr4: number } {
    const v = this.#view;
    const cs = this.layout.vmcb + VMCB_SEGMENT.CS;
    const linear = (v.getUint32(cs + VMCB_SEG_FIELD.BASE, true) + v.getUint32(this.layout.vmcb + VMCB.RIP.offset, true)) | 0;
    const d32 = (v.getUint16(cs + VMCB_SEG_FIELD.ATTRIB, true) & 0x400) !== 0;
    const user = v.getUint8(this.layout.vmcb + VMCB.CPL.offset) === 3;
    const s = this.shadow;
    if (s !== null) return { linear, d32, user, cr0: s.cr0, cr3: s.cr3, cr4: s.cr4 };
    return { linear, d32, user, cr0: v.getUint32(this.layout.vmcb + VMCB.CR0.offset, true), cr3: v.getUint32(this.layout.vmcb + VMCB.CR3.offset, true), cr4: v.getUint32(this.layout.vmcb + VMCB.CR4.offset, true) };
  }

  #charge(name: MonitorCostName): void {
    this.cpu.cycles += this.clock.charge(name);
  }

  /**
   * Reflects a #PF (CR2 = address), combined with an exception that was being delivered as the
   * silicon combines them (SDM Vol.3 §6.15 Table 6-5): during #DF it is a triple fault (shutdown),
   * during #PF a #DF; during a contributory exception, an interrupt or a benign exception the
   * #PF is delivered by itself. CR2 is loaded in all three cases: the processor loads it when it
   * recognises the #PF, before combining (SDM Vol.3 §6.15, "Interrupt 14"), so a #PF that becomes
   * #DF or a triple fault leaves its address in CR2 as natively.
   */
  #injectPf(address: number, errorCode: number, pending: PendingEvent | null): ExitOutcome {
    const exception = pending !== null && pending.type === EVENTINJ.TYPE_EXCEPTION ? pending.vector : -1;
    this.vmcb.write(VMCB.CR2, address >>> 0);
    if (exception === DF) return { kind: 'stop', stop: { kind: 'shutdown', reason: 'triple fault in the guest: #PF while delivering #DF' } };
    this.counters.injectedExceptions++;
    if (exception === PF) {
      this.#inject(DF, EVENTINJ.TYPE_EXCEPTION, 0);
      return RESUME;
    }
    this.#inject(PF, EVENTINJ.TYPE_EXCEPTION, errorCode);
    return RESUME;
  }

  #crAccess(cr: number, write: boolean, gpr: number): ExitOutcome {
    const s = this.shadow;
    if (s === null || gpr < 0) return this.#emulateStep(false);
    const ops = this.#ops;
    if (!write) {
      ops.setGpr(gpr, cr === 0 ? s.cr0 : cr === 3 ? s.cr3 : s.cr4);
      ops.skipInstruction();
      return RESUME;
    }
    const v = ops.gpr(gpr);
    let cr0 = s.cr0;
    let cr3 = s.cr3;
    let cr4 = s.cr4;
    if (cr === 0) {
      if (((v & CR0.PG) !== 0 && (v & CR0.PE) === 0) || ((v & CR0.NW) !== 0 && (v & CR0.CD) === 0)) {
        ops.injectException(GP, 0);
        return RESUME;
      }
      cr0 = (v | CR0.ET) & CR0_WRITABLE;
    } else if (cr === 3) cr3 = v;
    else if (cr === 4) {
      if ((v & ~CR4_VALID) !== 0) {
        ops.injectException(GP, 0);
        return RESUME;
      }
      cr4 = v;
      this.vmcb.write(VMCB.CR4, v >>> 0);
    }
    // Every MOV to CR0/CR3/CR4 activates (and flushes), as a CR3 load flushes the TLB natively.
    this.#setShadowCrs(cr0, cr3, cr4, true);
    ops.skipInstruction();
    return RESUME;
  }

  #setShadowCrs(cr0: number, cr3: number, cr4: number, always: boolean): void {
    const s = this.shadow!;
    if (always || cr0 >>> 0 !== s.cr0 || cr3 >>> 0 !== s.cr3 || cr4 >>> 0 !== s.cr4) s.set(cr0, cr3, cr4);
    this.vmcb.write(VMCB.CR0, s.realCr0);
    this.vmcb.write(VMCB.CR3, s.root);
  }

  /**
   * Executes the guest instruction at rIP once with the silicon's own semantics, in the guest's
   * own paging context: a second VMCB (ASID 2, whose TLB never fills, so every access walks the
   * guest's tables) with a copy of the guest state, no port intercepts, budget one instruction.
   * Under shadow paging the guest's CR0/CR3 are used as they are and every write to a traced page
   * goes through the pager (`emulateTracedWrite`). The state comes back to the guest's VMCB; an
   * exit the step itself takes (an interrupt first, HLT, CPUID, …) is handled as the guest's.
   * The step's world switches are not priced: its cost is the handler's software cost.
   * `direct` (an access outside guest RAM): with nested paging the step runs without it too, on
   * the guest's own tables (guest-physical = host-physical for guest RAM; see `guest-physical.ts`).
   */
  #emulateStep(direct: boolean): ExitOutcome {
    // The VMCB fields move with the silicon's bulk copy (WebAssembly's memory.copy on the board's RAM).
    const copy = this.cpu.ramCopy;
    const L = this.layout;
    const v = this.#view;
    const main = L.vmcb;
    const step = L.stepVmcb;
    // A queued event: the step only delivers it (budget 0); the handler's first instruction then
    // runs in the guest's own context, whose fetch the shadow or nested tables check.
    const delivering = (v.getUint32(main + VMCB.EVENTINJ.offset, true) & EVENTINJ.V) !== 0;
    // The silicon fetches code from its RAM array without asking the bus: code the guest's own
    // tables place outside guest RAM must not reach the step (#GP(0), as on the native board).
    if (!delivering && fetchLeavesRam(this.board.guestRam, this.#fetchSite())) return this.#fetchOutsideRam();
    this.counters.emulationSteps++;
    copy(step + VMCB_SAVE_AREA, main + VMCB_SAVE_AREA, VMCB_SAVE_AREA_END - VMCB_SAVE_AREA);
    for (const f of STEP_CONTROLS) copy(step + f.offset, main + f.offset, 8);
    if (direct) writeField(v, step, VMCB.NP_ENABLE, 0);
    writeField(v, main, VMCB.EVENTINJ, 0);
    this.#eventQueued = false;
    writeField(v, step, VMCB.V_INTR, V_INTR.INTR_MASKING | (v.getUint8(main + VMCB.V_INTR.offset) & V_INTR.TPR_MASK));
    const s = this.shadow;
    const cpu = this.cpu;
    if (s !== null) {
      writeField(v, step, VMCB.CR0, s.cr0);
      writeField(v, step, VMCB.CR3, s.cr3);
      const pager = s.pager;
      const guestBytes = this.#guestBytes;
      cpu.physWriteFilter = (phys, size, value) => {
        // Beyond guest RAM: the bus (guestPhysicalIo claims it all as MMIO): a device's register, or unclaimed space.
        if (phys >= guestBytes) return false;
        if (!pager.isTraced(gpa(phys)) && !pager.isTraced(gpa(phys + size - 1))) return false;
        pager.emulateTracedWrite(gpa(phys), value, size);
        if (cpu.codePages[phys >>> 12] !== 0) cpu.onCodeWrite(phys, size);
        return true;
      };
    }
    try {
      this.svm.vmrun(step, delivering ? 0 : 1, false);
    } finally {
      cpu.physWriteFilter = null;
    }
    copy(main + VMCB_SAVE_AREA, step + VMCB_SAVE_AREA, VMCB_SAVE_AREA_END - VMCB_SAVE_AREA);
    copy(main + VMCB.INTERRUPT_SHADOW.offset, step + VMCB.INTERRUPT_SHADOW.offset, 8);
    copy(main + VMCB.EXITCODE.offset, step + VMCB.EXITCODE.offset, VMCB.EXITINTINFO.offset + 8 - VMCB.EXITCODE.offset);
    copy(main + VMCB.NRIP.offset, step + VMCB.NRIP.offset, 8);
    v.setUint8(main + VMCB.V_INTR.offset, v.getUint8(step + VMCB.V_INTR.offset));
    if (s !== null) {
      // The step ran on the guest's own control registers: take them back, restore the shadow's.
      this.#setShadowCrs(v.getUint32(main + VMCB.CR0.offset, true), v.getUint32(main + VMCB.CR3.offset, true), v.getUint32(main + VMCB.CR4.offset, true), false);
      s.noteFlush();
    }
    if (this.svm.preempted) return RESUME;
    // The step exited before its instruction completed: handle that exit as the guest's own.
    this.#rearmDeadline();
    return handleExit(readExit(this.vmcb, false), this.#ops);
  }
}

const RESUME: ExitOutcome = { kind: 'resume' };

/** The control-area fields the emulation step's VMCB takes from the main one. */
const STEP_CONTROLS = [VMCB.TSC_OFFSET, VMCB.INTERRUPT_SHADOW, VMCB.EVENTINJ, VMCB.NP_ENABLE, VMCB.N_CR3] as const;

/** A signed 64-bit value from its dwords (exact below 2^53 in magnitude). */
function signed64(lo: number, hi: number): number {
  return (hi | 0) * 0x100000000 + (lo >>> 0);
}

/** Guest instructions retired at all CPLs. */
export function retired(cpu: Cpu): number {
  const r = cpu.counters.retired;
  return r[0]! + r[1]! + r[2]! + r[3]!;
}
