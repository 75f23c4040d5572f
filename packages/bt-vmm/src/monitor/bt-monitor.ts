/** @file The binary-translating monitor: host set-up, the run loop, callouts, fault handling, virtual interrupts, direct execution, adaptive translation. */
import { HALT_STARVED, MAX_HALT_DEADLINES } from '@x86virt/devices';
import { Access, ShadowFault, ShadowPager, type Gva, type Hpa } from '@x86virt/mmu';
import {
  CR0, CR4, Cpu, decode, deliverEvent, describeLivelock, EFLAGS, EVENT_KIND, InterpreterEngine, loadEntryState, NO_ERROR_CODE, OPF, SEG_ATTR,
  ramOps, setSegCache, type ApicBaseMsr, type CostProfile, type EntryState, type InterruptController, type IoPorts, type RamOps, type StopReason, type WasmMemory,
} from '@x86virt/x86-core';
import { buildHostTables, buildMonitorPageTable, syncHostGdt } from '../host/host-setup.ts';
import { decodeDescriptor, type Descriptor } from '../host/descriptors.ts';
import { GuestMemory } from '../host/guest-memory.ts';
import { CALLOUT_VECTOR, DEFAULT_TC_BYTES, MON, MONITOR_PDE_INDEX, MONITOR_REGION_BYTES } from '../layout.ts';
import { newBtStats, type BtStats } from '../tc/bt-stats.ts';
import { TranslationCache } from '../tc/translation-cache.ts';
import { RESTORE, SITE_KIND, type Ccf, type Site } from '../translate/ccf.ts';
import { translateTu } from '../translate/translator.ts';
import { ZERO_BT_COSTS, type BtCosts } from './bt-costs.ts';
import { captureGuest, enterDirectSegments, enterTranslatedSegments, MonitorData, releaseRegisters } from './precise-state.ts';

/** DR6.BS (SDM Vol.3 §17.2.3): set by the processor when a #DB is a single-step trap. */
const DR6_SINGLE_STEP = 1 << 14;

/** The machine a BtMonitor runs on (devices' `Board` fits structurally). */
export interface BtMachine {
  /** The whole machine memory: guest RAM, then the monitor's memory. */
  readonly ram: Uint8Array;
  /** The WebAssembly memory `ram` is the whole of, if it is one (the silicon's bulk copies then use it). */
  readonly wasmMemory?: WasmMemory | undefined;
  readonly guestRam: Uint8Array;
  /** Host-physical start of the monitor's memory (at least `BT_MONITOR_MIB` MiB). */
  readonly monitorBase: number;
  readonly bus: IoPorts;
  /** The processor's INTR/INTA: the local APIC when the board has one (it passes the 8259A pair's requests through LINT0). */
  readonly intr: InterruptController;
  /** The local APIC behind IA32_APIC_BASE and CPUID.1:EDX.APIC, or null (devices' `Board.apicMsr`). */
  readonly apicMsr: ApicBaseMsr | null;
  /** Brings devices to cycle `now`; returns the next deadline. */
  tick(now: number): number;
  /** Set when the guest asked to exit or reset. */
  readonly stopReason: string | null;
  readonly exitCode: number | null;
}

/** Monitor memory a BtMonitor needs after guest RAM, in MiB (region 4 MiB, its page table, the shadow pool). */
export const BT_MONITOR_MIB = 8;

/** How to build a BtMonitor. */
export interface BtMonitorOptions {
  readonly machine: BtMachine;
  /** The silicon's cost profile (instructions, hardware events). */
  readonly profile: CostProfile;
  /** The monitor's software costs (default: all 0). */
  readonly costs?: BtCosts;
  /** Translation cache size in bytes (default: the rest of the monitor region). */
  readonly tcBytes?: number;
  /** Faults at one guest instruction before it is re-translated as a callout (default 4). */
  readonly adaptThreshold?: number;
}

/** Why a BtMonitor run ended (the bench's `GuestStop` shape). */
export type BtStop =
  | { readonly kind: 'exit'; readonly code: number }
  | { readonly kind: 'reset' }
  | { readonly kind: 'shutdown'; readonly reason: string }
  | { readonly kind: 'hung'; readonly reason: string }
  | { readonly kind: 'budget'; readonly maxInsns: number };

const SLICE = 1 << 20;
/**
 * Most monitor entries in a row after which the guest has neither retired an instruction nor
 * moved (silicon EIP, shadow-vCPU EIP, ECX/ESI/EDI): the monitor is looping on one event, and
 * stops instead of hanging the host (the budget counts retired instructions only).
 */
const MAX_IDLE_ENTRIES = 1 << 14;
const PAGE = 0x1000;

/**
 * The software VMM. The silicon (`silicon`) runs translated guest kernel code from the
 * translation cache at CPL1, and guest user code directly at CPL3, on shadow page tables; the
 * silicon's HostSink claims every exception and interrupt, so faults and callouts arrive here
 * as `host` stops (the modeled cost of that hardware delivery is charged here). The shadow
 * vCPU (`vcpu`, a second processor model with no silicon of its own) holds the guest's
 * architectural view — its CR0/CR3/CR4, GDTR/IDTR/TR, CPL, segment descriptors as the guest
 * wrote them — and emulates the instructions the monitor calls out for, and delivers guest
 * exceptions and interrupts through the guest's IDT and TSS.
 */
export class BtMonitor {
  readonly silicon: Cpu;
  readonly engine: InterpreterEngine;
  readonly vcpu: Cpu;
  readonly vcpuEngine: InterpreterEngine;
  readonly pager: ShadowPager;
  readonly tc: TranslationCache;
  readonly stats: BtStats = newBtStats();
  readonly guest: GuestMemory;
  /** Faults per guest instruction address (adaptive translation). */
  readonly faultCounts = new Map<number, number>();
  /** Guest instructions adaptive translation turned into callouts. */
  readonly adapted = new Set<number>();

  private readonly m: BtMachine;
  private readonly costs: BtCosts;
  private readonly mon: MonitorData;
  private readonly monitorPhys: number;
  private readonly threshold: number;
  private direct = false;
  private interpreting = false;
  private interpretedSinceFlush = 0;
  private lastCr0 = -1;
  private lastCr3 = -1;
  private lastCr4 = -1;
  private generation = 0;
  private deadline = 0;
  private lastSiliconBlocks = 0;
  private stopResult: BtStop | null = null;
  /** The guest pages snapshotted before the instruction (−1: none), compared with their snapshots after it. */
  private readonly snapGpa = [-1, -1];
  /** Where the two snapshots live: two pages of monitor memory after its page table, outside the shadow pool and every guest mapping. */
  private readonly snapPhys: number;
  /** Bulk copy and compare on the machine's memory (x86-core `ramOps`: WebAssembly's, when the board's RAM is a WebAssembly memory). */
  private readonly ramOps: RamOps;
  /** The machine's memory as dwords (guest RAM starts it, page-aligned; the snapshots are in its monitor part). */
  private readonly ramWords: Int32Array;
  private readonly fetchBuf = new Uint8Array(16);
  private readonly desc: Descriptor = { base: 0, limit: 0, attr: 0 };
  /** What the instruction about to run on the shadow vCPU does besides its own work: an INVLPG address, a CR3 load. */
  private effectInvlpg = -1;
  private effectCrWrite = false;
  /** Guest-physical page of the traced write that faulted (snapshotted before emulation), or -1. */
  private traceHint = -1;
  /** The event kind the current host event is counted as (`BtStats.eventCounts`). */
  private event = '';

  constructor(o: BtMonitorOptions) {
    const m = o.machine;
    this.m = m;
    this.costs = o.costs ?? ZERO_BT_COSTS;
    this.threshold = o.adaptThreshold ?? 4;
    this.monitorPhys = m.monitorBase;
    if (m.ram.length - m.monitorBase < BT_MONITOR_MIB * 0x100000) throw new RangeError(`bt-vmm needs ${BT_MONITOR_MIB} MiB of monitor memory after guest RAM`);
    // CPUID in directly executed user code runs on the silicon: it reports the same APIC as the shadow vCPU.
    this.silicon = new Cpu({ memory: { ram: m.ram, wasmMemory: m.wasmMemory }, io: m.bus, apic: m.apicMsr, cost: o.profile });
    this.silicon.hostSink = () => true;
    this.engine = new InterpreterEngine(this.silicon);
    // The shadow vCPU is the monitor's emulator: a port or MMIO access it makes reaches the monitor's
    // device model, not a chipset register, so it costs nothing beyond the callout (profile bt.*).
    this.vcpu = new Cpu({ memory: { ram: m.guestRam }, io: m.bus, apic: m.apicMsr, cost: { ...o.profile, io: 0 } });
    // One x87 FPU: kernel FPU instructions run on the shadow vCPU (callouts), user ones and WAIT on the silicon.
    this.vcpu.fpu = this.silicon.fpu;
    this.vcpuEngine = new InterpreterEngine(this.vcpu);
    this.guest = new GuestMemory(this.vcpu, m.guestRam);
    this.mon = new MonitorData(m.ram, this.monitorPhys);
    const tablePhys = this.monitorPhys + MONITOR_REGION_BYTES;
    const pde = buildMonitorPageTable(m.ram, this.monitorPhys, tablePhys);
    this.snapPhys = tablePhys + PAGE;
    this.ramOps = ramOps({ ram: m.ram, wasmMemory: m.wasmMemory });
    this.ramWords = new Int32Array(m.ram.buffer, m.ram.byteOffset, m.ram.length >>> 2);
    const poolBase = this.snapPhys + 2 * PAGE;
    const poolPages = (m.ram.length - poolBase) / PAGE;
    this.pager = new ShadowPager({ mem: m.ram, guestRamSize: m.guestRam.length, poolBase: poolBase as Hpa, poolPages, reservedPdes: [{ index: MONITOR_PDE_INDEX, pde }] });
    buildHostTables(m.ram, this.monitorPhys, this.silicon);
    this.tc = new TranslationCache({
      ram: m.ram, monitorPhys: this.monitorPhys, bytes: o.tcBytes ?? DEFAULT_TC_BYTES, stats: this.stats,
      onCodeWrite: (p, s) => this.engine.invalidateRange(p, s),
    });
    const siliconHook = this.silicon.onCodeWrite;
    this.silicon.onCodeWrite = (p, s) => {
      siliconHook(p, s);
      this.guestCodeWritten(p, s, true);
    };
    const vcpuHook = this.vcpu.onCodeWrite;
    this.vcpu.onCodeWrite = (p, s) => {
      vcpuHook(p, s);
      this.guestCodeWritten(p, s, false);
    };
  }

  /** Puts the guest into a loader's entry state (as native mode does) and prepares the silicon. */
  start(state: EntryState): void {
    loadEntryState(this.vcpu, state);
    this.vcpu.cycles = this.silicon.cycles;
    this.enterGuest();
    this.deadline = this.m.tick(this.silicon.cycles);
    this.engine.setDeadline(this.deadline);
  }

  /** Guest instructions retired: on the silicon (translated and direct) and on the shadow vCPU (emulated). */
  get retired(): number {
    const a = this.silicon.counters.retired;
    const b = this.vcpu.counters.retired;
    return a[0]! + a[1]! + a[2]! + a[3]! + b[0]! + b[1]! + b[2]! + b[3]!;
  }

  /** The modeled clock. */
  get cycles(): number {
    return this.silicon.cycles;
  }

  /** True while guest user code runs directly on the silicon. */
  get directExecution(): boolean {
    return this.direct;
  }

  /** Runs the guest until it exits, resets, shuts down, hangs, or retires `maxInsns` instructions. */
  run(maxInsns: number): BtStop {
    let idle = 0;
    let last = -1;
    let lastEip = 0;
    let lastVEip = 0;
    let lastRegs = 0;
    for (;;) {
      if (this.stopResult !== null) return this.stopResult;
      const done = this.retired;
      const r = this.silicon.regs;
      const regs = (r[1]! ^ (r[6]! * 31) ^ (r[7]! * 961)) | 0;
      if (done === last && this.silicon.eip === lastEip && this.vcpu.eip === lastVEip && regs === lastRegs) {
        if (++idle >= MAX_IDLE_ENTRIES) return { kind: 'shutdown', reason: `bt-vmm: ${idle} monitor entries in a row without the guest making progress (last ${this.event})` };
      } else idle = 0;
      last = done;
      lastEip = this.silicon.eip;
      lastVEip = this.vcpu.eip;
      lastRegs = regs;
      if (done >= maxInsns) {
        this.settle();
        return { kind: 'budget', maxInsns };
      }
      if (this.interpreting) {
        this.interpretStep();
        continue;
      }
      if (this.interruptReady()) {
        if (this.atPrecisePoint()) this.deliverInterrupt();
        else this.handleStop(this.engine.run(1));
        continue;
      }
      this.mon.set(MON.PENDING, this.m.intr.hasInterrupt() ? 1 : 0);
      const stop = this.engine.run(Math.min(SLICE, maxInsns - done));
      if (this.engine.cachedBlocks < this.lastSiliconBlocks) this.remarkCodePages();
      this.lastSiliconBlocks = this.engine.cachedBlocks;
      this.handleStop(stop);
    }
  }

  /** The guest's architectural state (the shadow vCPU, brought up to date). */
  guestState(): Cpu {
    return this.vcpu;
  }

  // ------------------------------------------------------------------------------------------
  // The silicon's stops.
  // ------------------------------------------------------------------------------------------

  private handleStop(stop: StopReason): void {
    switch (stop.kind) {
      case 'budget':
        return;
      case 'deadline':
        this.tickDevices();
        return;
      case 'stop-requested':
        if (this.checkBoardStop()) return;
        this.recoverFromStaleCode();
        return;
      case 'halted':
        this.stopResult = { kind: 'hung', reason: 'the silicon halted outside the monitor' };
        return;
      case 'shutdown':
        this.stopResult = { kind: 'shutdown', reason: stop.reason };
        return;
      case 'livelock':
        this.stopResult = { kind: 'hung', reason: `the silicon: ${describeLivelock(stop)}` };
        return;
      case 'host': {
        const st = this.stats;
        const t0 = this.silicon.cycles;
        const translated0 = st.translatedInsns;
        this.event = 'fault.emulate';
        this.handleHostEvent(stop.vector, stop.errorCode, stop.eventKind);
        // Translation is its own event kind (`translate.insn`), not part of the event that asked for it.
        const spent = this.silicon.cycles - t0 - (st.translatedInsns - translated0) * this.costs.translatePerInsn;
        st.eventCounts[this.event] = (st.eventCounts[this.event] ?? 0) + 1;
        st.eventCycles[this.event] = (st.eventCycles[this.event] ?? 0) + spent;
        return;
      }
    }
  }

  private tickDevices(): void {
    this.deadline = this.m.tick(this.silicon.cycles);
    this.engine.setDeadline(this.deadline);
  }

  private checkBoardStop(): boolean {
    const r = this.m.stopReason;
    if (r === 'exit') this.stopResult = { kind: 'exit', code: this.m.exitCode ?? 0 };
    else if (r === 'reset') this.stopResult = { kind: 'reset' };
    return r !== null;
  }

  private handleHostEvent(vector: number, errorCode: number, kind: number): void {
    const s = this.silicon;
    s.cycles += s.cost.exception;
    if (this.direct) {
      this.stats.directExits++;
      if (kind === EVENT_KIND.EXCEPTION && vector === 14) {
        this.pageFault(s.eip, RESTORE.NONE, s.cr2, errorCode);
        return;
      }
      if (kind === EVENT_KIND.EXCEPTION && vector === 1 && (s.dr[6]! & DR6_SINGLE_STEP) !== 0) {
        // A single-step trap after a user instruction that set TF: the instruction is done; reflect the trap.
        // (INT1/ICEBP also raises #DB but leaves DR6.BS clear and has not executed: it takes the path below.)
        this.capture(s.eip, RESTORE.NONE);
        this.vcpu.dr[6] = s.dr[6]!;
        s.dr[6] = s.dr[6]! & ~DR6_SINGLE_STEP;
        this.reflect(1, NO_ERROR_CODE);
        return;
      }
      if (kind === EVENT_KIND.SOFTWARE) s.cycles += this.costs.syscall;
      else s.cycles += this.costs.faultReflect;
      this.event = 'fault.direct';
      this.emulateAt(s.eip, RESTORE.NONE);
      return;
    }
    if (kind === EVENT_KIND.SOFTWARE && vector === CALLOUT_VECTOR) {
      const site = this.tc.site(s.eip);
      if (site === undefined) {
        this.stopResult = { kind: 'shutdown', reason: `bt-vmm: callout from TC address 0x${(s.eip >>> 0).toString(16)} with no site` };
        return;
      }
      this.handleSite(site);
      return;
    }
    const at = this.mapToGuest(s.eip);
    if (at === null) return;
    if (kind === EVENT_KIND.EXCEPTION && vector === 14) {
      this.pageFault(at.eip, at.restore, s.cr2, errorCode);
      return;
    }
    // #GP from a truncated segment (a monitor-range access) or a guest fault: the shadow vCPU
    // runs the guest instruction, which either completes or raises the guest's exception.
    s.cycles += this.costs.faultReflect;
    if (vector === 13) this.noteFault(at.eip);
    this.emulateAt(at.eip, at.restore);
  }

  private pageFault(guestEip: number, restore: number, cr2: number, errorCode: number): void {
    const s = this.silicon;
    s.cycles += this.costs.pageFault;
    const r = this.pager.handlePageFault(cr2 as Gva, errorCode);
    switch (r.kind) {
      case ShadowFault.HIDDEN:
        this.event = 'fault.hidden';
        this.stats.hiddenFaults++;
        this.flushTlbIfAsked();
        return;
      case ShadowFault.TRUE: {
        this.event = 'fault.true';
        this.stats.trueFaults++;
        const err = r.errorCode;
        this.capture(guestEip, restore);
        this.vcpu.cr2 = cr2;
        this.reflect(14, err);
        return;
      }
      case ShadowFault.TRACE:
        this.event = 'fault.trace';
        this.stats.traceFaults++;
        if (!this.direct) this.noteFault(guestEip);
        this.traceHint = r.gpa & ~0xfff;
        this.emulateAt(guestEip, restore);
        return;
      case ShadowFault.UNMAPPABLE:
        if (!this.direct) this.noteFault(guestEip);
        this.emulateAt(guestEip, restore);
        return;
    }
  }

  /** Maps a TC address where the silicon stopped to the guest instruction (precise state), or shuts down on a monitor bug. */
  private mapToGuest(tc: number): { eip: number; restore: number } | null {
    const ccf = this.tc.ccfAt(tc);
    const i = ccf === undefined ? -1 : this.tc.pointAt(ccf, tc);
    if (ccf === undefined || i < 0) {
      const off = ccf === undefined ? -1 : (tc >>> 0) - ccf.tcStart;
      const insn = ccf?.insns.find((r) => off >= r.start && off < r.end);
      const where = insn === undefined ? '' : ` (in the ${insn.kind} translation of guest 0x${insn.eip.toString(16)}, +${off - insn.start})`;
      this.stopResult = { kind: 'shutdown', reason: `bt-vmm: event at TC address 0x${(tc >>> 0).toString(16)}, not a precise point${where}` };
      return null;
    }
    return { eip: ccf.points[i + 1]!, restore: ccf.points[i + 2]! };
  }

  private atPrecisePoint(): boolean {
    if (this.direct) return true;
    const ccf = this.tc.ccfAt(this.silicon.eip);
    return ccf !== undefined && this.tc.pointAt(ccf, this.silicon.eip) >= 0;
  }

  private interruptReady(): boolean {
    const vif = this.direct ? (this.silicon.flags & EFLAGS.IF) !== 0 : (this.mon.get(MON.VIF) & EFLAGS.IF) !== 0;
    return vif && this.m.intr.hasInterrupt();
  }

  // ------------------------------------------------------------------------------------------
  // Sites: continuations, callouts, target-cache misses, interrupt windows.
  // ------------------------------------------------------------------------------------------

  private handleSite(site: Site): void {
    const s = this.silicon;
    switch (site.kind) {
      case SITE_KIND.CONTINUATION: {
        this.event = 'translate.chain';
        const stub = s.eip;
        let target = this.tc.lookup(site.guestEip);
        if (target === undefined) {
          const elide = this.tc.isTrailingJump(site);
          const t = this.translate(site.guestEip, elide ? site.relEnd - 5 : -1);
          if (t === null) {
            this.untranslatable(site.guestEip);
            return;
          }
          target = t;
          if (elide && t.tcStart === site.relEnd - 5) {
            this.stats.fallThroughElided++;
            s.eip = t.tcStart;
            return;
          }
        }
        this.tc.chain(site, stub, target);
        s.eip = target.tcStart;
        return;
      }
      case SITE_KIND.TARGET_MISS: {
        this.event = 'translate.target-miss';
        const guestTarget = s.regs[0]! >>> 0;
        s.regs[0] = this.mon.get(MON.SPILL_EAX);
        s.regs[1] = this.mon.get(MON.SPILL_ECX);
        this.stats.targetCacheMisses++;
        const target = this.tc.lookup(guestTarget) ?? this.translate(guestTarget, -1);
        if (target === null) {
          this.untranslatable(guestTarget);
          return;
        }
        this.tc.setTarget(guestTarget, target.tcStart);
        s.eip = target.tcStart;
        return;
      }
      case SITE_KIND.IRQ_WINDOW:
        this.event = 'irq.window';
        s.regs[1] = this.mon.get(MON.SPILL_ECX);
        if (this.interruptReady()) {
          this.capture(site.guestEip, RESTORE.NONE);
          this.deliverInterruptFromVcpu();
        } else s.eip = site.resume;
        return;
      case SITE_KIND.CALLOUT: {
        this.event = `callout.${site.category}`;
        this.stats.callouts++;
        const by = this.stats.calloutsByKind;
        by[site.category] = (by[site.category] ?? 0) + 1;
        s.cycles += site.category === 'adapted' ? this.costs.traceCallout : this.costs.callout;
        this.emulateAt(site.guestEip, site.restore, site);
        return;
      }
    }
  }

  // ------------------------------------------------------------------------------------------
  // Emulation on the shadow vCPU.
  // ------------------------------------------------------------------------------------------

  private capture(guestEip: number, restore: number): void {
    captureGuest(this.silicon, this.vcpu, this.mon, guestEip, restore, this.direct);
    if (this.direct) this.captureUserSegments();
  }

  /** Direct execution may have loaded data and stack segments on the silicon: give the shadow vCPU the guest's descriptors for them. */
  private captureUserSegments(): void {
    const s = this.silicon;
    const v = this.vcpu;
    for (const seg of [0, 2, 3, 4, 5]) {
      const sel = s.segSel[seg]!;
      if (sel === v.segSel[seg]) continue;
      if ((sel & 0xfffc) === 0) {
        setSegCache(v, seg, sel, 0, 0, 0);
        continue;
      }
      const table = (sel & 4) !== 0 ? v.segBase[6]! : v.gdtrBase;
      const lo = this.guest.read32((table + (sel & 0xfff8)) | 0);
      const hi = this.guest.read32((table + (sel & 0xfff8) + 4) | 0);
      if (lo === null || hi === null) continue;
      const d = decodeDescriptor(lo, hi, this.desc);
      setSegCache(v, seg, sel, d.base, d.limit, d.attr);
    }
  }

  /**
   * Runs the guest instruction at `guestEip` on the shadow vCPU (callouts, faults, trace writes,
   * system calls), then continues the guest wherever the instruction left it. A resumable
   * callout `site` whose instruction simply completed resumes in place in its CCF.
   */
  private emulateAt(guestEip: number, restore: number, site?: Site): void {
    this.capture(guestEip, restore);
    const gen = this.generation;
    const cr = this.vcpu.cr0 ^ this.vcpu.cr3 ^ this.vcpu.cr4;
    const cpl = this.vcpu.cpl;
    if (!this.stepVcpu()) return;
    const v = this.vcpu;
    if (v.intShadow && this.vcpuInterruptReady()) {
      if (!this.stepVcpu()) return;
    }
    if (v.halted && !this.waitForInterrupt()) return;
    if (this.translatable()) this.syncControlRegisters();
    const resumable =
      site !== undefined && site.resume >= 0 && site.ccf !== null && site.ccf.valid && gen === this.generation && !v.halted &&
      v.eip >>> 0 === (guestEip + site.guestLength) >>> 0 && v.cpl === cpl && (v.cr0 ^ v.cr3 ^ v.cr4) === cr &&
      !(this.vcpuInterruptReady() && !v.intShadow);
    if (resumable) {
      releaseRegisters(this.silicon, v, this.mon, false);
      enterTranslatedSegments(this.silicon, v);
      this.silicon.eip = site.resume;
      return;
    }
    if (this.vcpuInterruptReady() && !v.intShadow) {
      this.deliverInterruptFromVcpu();
      return;
    }
    this.enterGuest();
  }

  /** One instruction on the shadow vCPU, with writes to traced page tables routed through the shadow pager. Returns false if the run must stop. */
  private stepVcpu(): boolean {
    const v = this.vcpu;
    this.stats.emulated++;
    v.tlb.flushAll();
    this.snapshotTracedTargets();
    const before = v.cycles;
    const stop = this.vcpuEngine.run(1);
    this.applyTracedWrites();
    if (this.effectInvlpg !== -1) {
      this.pager.invlpg(this.effectInvlpg as Gva);
      this.silicon.tlb.flushAll();
      this.checkCodeMappings();
    }
    if (this.effectCrWrite) this.lastCr3 = -1;
    this.silicon.cycles += v.cycles - before;
    v.cycles = this.silicon.cycles;
    if (this.checkBoardStop()) return false;
    if (v.shutdown !== null) {
      this.stopResult = { kind: 'shutdown', reason: v.shutdown.reason };
      return false;
    }
    return !this.vcpuLivelock(stop);
  }

  /** A `livelock` stop of the shadow vCPU's engine (its exceptions go to the guest's own handlers) ends the run: the guest hung. */
  private vcpuLivelock(stop: StopReason): boolean {
    if (stop.kind !== 'livelock') return false;
    this.stopResult = { kind: 'hung', reason: describeLivelock(stop) };
    return true;
  }

  /**
   * Before the shadow vCPU runs an instruction: snapshots the traced guest pages it may write
   * (the faulting page of a trace fault, its memory operand, a string destination) so the writes
   * can be replayed through `emulateTracedWrite`; notes an INVLPG address and CR loads.
   */
  private snapshotTracedTargets(): void {
    this.snapGpa[0] = -1;
    this.snapGpa[1] = -1;
    this.effectInvlpg = -1;
    this.effectCrWrite = false;
    let k = 0;
    if (this.traceHint >= 0) k = this.snapshotPage(this.traceHint, k);
    this.traceHint = -1;
    const v = this.vcpu;
    // Look-ahead only: probes, so that the guest's A/D bits change only by what the instruction does.
    const got = this.guest.fetch(v.eip, this.fetchBuf, 15, true);
    const d = decode(this.fetchBuf.subarray(0, got), 0, (v.segAttr[1]! & SEG_ATTR.DB) !== 0 ? 32 : 16);
    if ((d.row.flags & OPF.TRUNCATED) !== 0) return;
    if (d.row.handler === 'mov_CdRd') this.effectCrWrite = true;
    let lin: number;
    if ((d.row.flags & OPF.STRING) !== 0) {
      lin = (v.segBase[0]! + (d.adsize === 2 ? v.regs[7]! & 0xffff : v.regs[7]!)) | 0;
    } else if (d.hasMem) {
      let ea = d.disp;
      if (d.base >= 0) ea += v.regs[d.base]!;
      if (d.index >= 0) ea += v.regs[d.index]! * d.scale;
      ea = d.adsize === 2 ? ea & 0xffff : ea >>> 0;
      lin = (v.segBase[d.seg]! + ea) | 0;
      if (d.row.handler === 'invlpg_Mb') {
        this.effectInvlpg = lin;
        return;
      }
    } else return;
    for (const a of [lin, (lin + 7) | 0]) {
      const gpa = this.guest.probe(a, Access.READ);
      if (gpa >= 0 && this.pager.isTraced(gpa as never)) k = this.snapshotPage(gpa & ~0xfff, k);
    }
  }

  private snapshotPage(page: number, k: number): number {
    if (k >= 2 || this.snapGpa[0] === page) return k;
    this.snapGpa[k] = page;
    this.ramOps.copy(this.snapPhys + k * PAGE, page, PAGE);
    return k + 1;
  }

  private applyTracedWrites(): void {
    const words = this.ramWords;
    const ops = this.ramOps;
    for (let k = 0; k < 2; k++) {
      const page = this.snapGpa[k]!;
      if (page < 0) continue;
      const snap = this.snapPhys + k * PAGE;
      const at = page >>> 2;
      const was = snap >>> 2;
      // 16 bytes at a time (`RamOps.diff`): most of a page is unchanged.
      for (let off = ops.diff(page, snap, 0, PAGE); off < PAGE; off = ops.diff(page, snap, off + 16, PAGE)) {
        for (let w = off >>> 2; w < (off >>> 2) + 4; w++) {
          const old = words[was + w]!;
          if (words[at + w] === old) continue;
          // Put the old dword back, then write the new one (little-endian, whatever the host's order) through the shadow pager.
          const now = this.vcpu.view.getInt32(page + 4 * w, true);
          words[at + w] = old;
          this.pager.emulateTracedWrite((page + 4 * w) as never, now, 4);
        }
      }
    }
    this.flushTlbIfAsked();
  }

  private vcpuInterruptReady(): boolean {
    return (this.vcpu.flags & EFLAGS.IF) !== 0 && this.m.intr.hasInterrupt();
  }

  /** HLT on the shadow vCPU: advance virtual time to the next device deadline until an interrupt arrives. */
  private waitForInterrupt(): boolean {
    const v = this.vcpu;
    for (let waits = 0; ; waits++) {
      if (waits === MAX_HALT_DEADLINES) {
        this.stopResult = { kind: 'hung', reason: HALT_STARVED };
        return false;
      }
      if ((v.flags & EFLAGS.IF) === 0) {
        this.stopResult = { kind: 'hung', reason: 'HLT with interrupts disabled' };
        return false;
      }
      if (this.m.intr.hasInterrupt()) {
        v.halted = false;
        return true;
      }
      const next = this.m.tick(this.silicon.cycles);
      if (!Number.isFinite(next)) {
        this.stopResult = { kind: 'hung', reason: 'HLT with no device deadline left to wake it' };
        return false;
      }
      this.silicon.cycles = Math.max(this.silicon.cycles, next);
      v.cycles = this.silicon.cycles;
      this.tickDevices();
    }
  }

  /** Delivers an exception into the guest through its IDT (on the shadow vCPU), then continues there. */
  private reflect(vector: number, errorCode: number): void {
    this.stats.reflected++;
    const v = this.vcpu;
    const before = v.cycles;
    deliverEvent(v, vector, errorCode, EVENT_KIND.EXCEPTION, v.eip);
    this.silicon.cycles += v.cycles - before;
    if (v.shutdown !== null) {
      this.stopResult = { kind: 'shutdown', reason: v.shutdown.reason };
      return;
    }
    this.enterGuest();
  }

  /**
   * The guest instruction at `eip` could not be fetched for translation. If the guest's page
   * tables fault, that #PF is reflected. Otherwise the code lies outside guest RAM: the shadow
   * vCPU (the silicon's own interpreter on guest RAM, as in native mode) runs it, so the fetch
   * has native semantics (#GP(0) where the board has no memory); the run loop goes back to
   * translated code once the vCPU is past it.
   */
  private untranslatable(eip: number): void {
    this.capture(eip, RESTORE.NONE);
    if (this.guest.lastFault < 0) {
      this.stats.outsideRamFetches++;
      this.interpreting = true;
      return;
    }
    this.vcpu.cr2 = this.guest.walk.faultAddress;
    this.reflect(14, this.guest.lastFault);
  }

  private deliverInterrupt(): void {
    const s = this.silicon;
    if (this.direct) this.capture(s.eip, RESTORE.NONE);
    else {
      const at = this.mapToGuest(s.eip);
      if (at === null) return;
      this.capture(at.eip, at.restore);
    }
    this.deliverInterruptFromVcpu();
  }

  /** The shadow vCPU is at a guest instruction boundary: acknowledge the virtual PIC and deliver through the guest IDT. */
  private deliverInterruptFromVcpu(): void {
    const v = this.vcpu;
    const vector = this.m.intr.acknowledge();
    this.stats.virtualInterrupts++;
    v.halted = false;
    v.counters.interrupts++;
    const before = v.cycles;
    deliverEvent(v, vector, NO_ERROR_CODE, EVENT_KIND.EXTERNAL, v.eip);
    this.silicon.cycles += v.cycles - before;
    if (v.shutdown !== null) {
      this.stopResult = { kind: 'shutdown', reason: v.shutdown.reason };
      return;
    }
    this.enterGuest();
  }

  // ------------------------------------------------------------------------------------------
  // Entering the guest: translated code or direct execution.
  // ------------------------------------------------------------------------------------------

  /** Gives the silicon the shadow vCPU's state and picks how the guest continues. */
  private enterGuest(): void {
    const v = this.vcpu;
    const s = this.silicon;
    if (!this.translatable()) {
      // Real mode, virtual-8086 mode, single-stepping, 16-bit or non-flat kernel code: the shadow vCPU interprets.
      this.interpreting = true;
      return;
    }
    this.syncControlRegisters();
    if (v.cpl === 3) {
      releaseRegisters(s, v, this.mon, true);
      this.stats.gdtSyncs++;
      syncHostGdt(this.m.ram, this.monitorPhys, this.guest, v.gdtrBase, v.gdtrLimit);
      enterDirectSegments(s, v);
      s.cr4 = CR4.PSE | (v.cr4 & CR4.TSD);
      s.eip = v.eip;
      if (!this.direct) this.stats.directEntries++;
      this.direct = true;
      return;
    }
    releaseRegisters(s, v, this.mon, false);
    enterTranslatedSegments(s, v);
    s.cr4 = CR4.PSE;
    this.direct = false;
    this.dispatch(v.eip);
  }

  /** True if the guest's current mode runs on the silicon (translated or direct); else the shadow vCPU interprets. */
  private translatable(): boolean {
    const v = this.vcpu;
    if ((v.cr0 & CR0.PE) === 0 || (v.flags & (EFLAGS.VM | EFLAGS.TF)) !== 0) return false;
    return v.cpl === 3 || ((v.segAttr[1]! & SEG_ATTR.DB) !== 0 && v.segBase[1] === 0);
  }

  /** Sends the silicon to the CCF of guest address `eip` (translating it first if needed). */
  private dispatch(eip: number): void {
    const ccf = this.tc.lookup(eip) ?? this.translate(eip, -1);
    if (ccf === null) {
      this.untranslatable(eip);
      return;
    }
    this.silicon.eip = ccf.tcStart;
  }

  /** Translates the TU at guest `eip` into the TC (at `at` for fall-through elision); null if its first instruction cannot be fetched. */
  private translate(eip: number, at: number): Ccf | null {
    const plan = translateTu(this.guest, eip >>> 0, (a) => this.adapted.has(a));
    if ('kind' in plan) return null;
    let ccf = this.tc.install(plan, at);
    if (ccf === null) {
      this.flushTc();
      ccf = this.tc.install(plan);
      if (ccf === null) throw new RangeError('bt-vmm: a translation unit does not fit in an empty translation cache');
    }
    const st = this.stats;
    st.translatedInsns += plan.insns.length;
    for (const r of plan.insns) {
      if (r.kind === 'IDENT') st.identInsns++;
      else st.nonIdentInsns++;
    }
    this.silicon.cycles += this.costs.translatePerInsn * plan.insns.length;
    for (const pp of plan.physPages) this.markCodePage(pp);
    return ccf;
  }

  private flushTc(): void {
    this.tc.flush();
    this.generation++;
  }

  private markCodePage(pp: number): void {
    if (pp < 0) return;
    this.silicon.codePages[pp] = 1;
    if (pp < this.vcpu.codePages.length) this.vcpu.codePages[pp] = 1;
  }

  private remarkCodePages(): void {
    for (const pp of this.tc.physPages()) this.markCodePage(pp);
  }

  /** A write hit a page with decoded code: drop the translations made from it. */
  private guestCodeWritten(phys: number, size: number, fromSilicon: boolean): void {
    const n = this.tc.invalidatePhysRange(phys, size);
    if (n === 0) return;
    this.generation++;
    this.vcpuEngine.flushBlocks();
    this.remarkCodePages();
    if (fromSilicon && !this.direct) this.engine.requestStop();
  }

  /** After self-modifying code stopped the silicon: leave an invalidated CCF at the next precise point. */
  private recoverFromStaleCode(): void {
    if (this.direct) return;
    const ccf = this.tc.ccfAt(this.silicon.eip);
    if (ccf === undefined || ccf.valid) return;
    const at = this.mapToGuest(this.silicon.eip);
    if (at === null) return;
    this.capture(at.eip, at.restore);
    this.enterGuest();
  }

  /** Guest CR0/CR3/CR4 changed: activate the shadow address space; check that translated code is still mapped where it was. */
  private syncControlRegisters(): void {
    const v = this.vcpu;
    const s = this.silicon;
    if (v.cr0 !== this.lastCr0 || v.cr3 !== this.lastCr3 || v.cr4 !== this.lastCr4) {
      const mappingChanged = v.cr3 !== this.lastCr3 || ((v.cr0 ^ this.lastCr0) & CR0.PG) !== 0 || ((v.cr4 ^ this.lastCr4) & CR4.PSE) !== 0;
      this.lastCr0 = v.cr0;
      this.lastCr3 = v.cr3;
      this.lastCr4 = v.cr4;
      s.cr3 = this.pager.activate(v.cr3, v.cr0, v.cr4);
      s.cr0 = CR0.PE | CR0.PG | CR0.WP | CR0.ET | CR0.NE | (v.cr0 & (CR0.MP | CR0.EM | CR0.TS));
      s.tlb.flushAll();
      this.pager.consumeTlbFlush();
      if (mappingChanged) this.checkCodeMappings();
    }
    this.flushTlbIfAsked();
  }

  private flushTlbIfAsked(): void {
    if (this.pager.consumeTlbFlush()) this.silicon.tlb.flushAll();
  }

  /** Invalidates translations whose guest-linear code page no longer maps to the guest-physical page it was translated from. */
  private checkCodeMappings(): void {
    const n = this.tc.invalidateRemapped((lp) => {
      const p = this.guest.translate(lp << 12, Access.FETCH);
      return p < 0 ? -1 : p >>> 12;
    });
    if (n > 0) this.generation++;
  }

  /** Adaptive translation: count a fault at guest `eip`; past the threshold, re-translate its TU with the instruction as a callout. */
  private noteFault(eip: number): void {
    const n = (this.faultCounts.get(eip) ?? 0) + 1;
    this.faultCounts.set(eip, n);
    if (n < this.threshold || this.adapted.has(eip)) return;
    this.adapted.add(eip);
    this.stats.adaptations++;
    const old = this.tc.ccfAt(this.silicon.eip);
    if (old === undefined || !old.valid) return;
    const replacement = this.translate(old.guestEip, -1);
    if (replacement === null || replacement === old) return;
    this.tc.forward(old, replacement);
    this.generation++;
  }

  // ------------------------------------------------------------------------------------------
  // Interpretation (real mode, 16-bit or non-flat kernel code).
  // ------------------------------------------------------------------------------------------

  private interpretStep(): void {
    const v = this.vcpu;
    if (this.vcpuInterruptReady() && !v.intShadow) {
      v.halted = false;
      const vector = this.m.intr.acknowledge();
      this.stats.virtualInterrupts++;
      deliverEvent(v, vector, NO_ERROR_CODE, EVENT_KIND.EXTERNAL, v.eip);
    }
    v.cycles = this.silicon.cycles;
    const before = v.cycles;
    const stop = this.vcpuEngine.run(1);
    this.interpretedSinceFlush++;
    this.silicon.cycles += v.cycles - before;
    if (this.silicon.cycles >= this.deadline) this.tickDevices();
    if (this.checkBoardStop()) return;
    if (v.shutdown !== null) {
      this.stopResult = { kind: 'shutdown', reason: v.shutdown.reason };
      return;
    }
    if (this.vcpuLivelock(stop)) return;
    if (v.halted && !this.waitForInterrupt()) return;
    if (!this.translatable()) return;
    this.interpreting = false;
    // The interpreter wrote guest memory without the shadow pager's tracing: start the shadows afresh.
    if (this.interpretedSinceFlush > 0) {
      this.pager.flushAll();
      this.interpretedSinceFlush = 0;
    }
    this.lastCr3 = -1;
    this.enterGuest();
  }

  /** Brings the shadow vCPU up to date with the silicon (when the run stops at a budget). */
  private settle(): void {
    if (this.interpreting) return;
    if (this.direct) {
      this.capture(this.silicon.eip, RESTORE.NONE);
      return;
    }
    const ccf = this.tc.ccfAt(this.silicon.eip);
    const i = ccf === undefined ? -1 : this.tc.pointAt(ccf, this.silicon.eip);
    if (ccf !== undefined && i >= 0) this.capture(ccf.points[i + 1]!, ccf.points[i + 2]!);
  }
}

