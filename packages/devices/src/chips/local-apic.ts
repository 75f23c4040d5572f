/** @file The local APIC (xAPIC, SDM Vol.3 ch.10): registers, priorities, IPIs, LVTs and the timer in virtual time; the processor's INTR/INTA. */
import { allOnes, type AccessSize, type IoDevice, type Snapshottable, type TimedDevice } from '../device.ts';

/** Register offsets from the APIC base (SDM Vol.3 Table 10-1). */
export const APIC_REG = {
  ID: 0x20, VERSION: 0x30, TPR: 0x80, APR: 0x90, PPR: 0xa0, EOI: 0xb0, RRD: 0xc0, LDR: 0xd0, DFR: 0xe0, SVR: 0xf0,
  ISR: 0x100, TMR: 0x180, IRR: 0x200, ESR: 0x280, ICR_LO: 0x300, ICR_HI: 0x310,
  LVT_TIMER: 0x320, LVT_THERMAL: 0x330, LVT_PERF: 0x340, LVT_LINT0: 0x350, LVT_LINT1: 0x360, LVT_ERROR: 0x370,
  TIMER_INITIAL: 0x380, TIMER_CURRENT: 0x390, TIMER_DIVIDE: 0x3e0,
} as const;

/** LVT and ICR fields (SDM Vol.3 Figures 10-8 and 10-12). */
export const APIC_LVT = {
  VECTOR: 0xff, DELIVERY_MODE: 0x700, DELIVERY_STATUS: 1 << 12, POLARITY: 1 << 13, REMOTE_IRR: 1 << 14,
  LEVEL: 1 << 15, MASKED: 1 << 16, PERIODIC: 1 << 17,
} as const;

/** Delivery modes (bits 10:8 of an LVT entry or the ICR). */
export const APIC_DELIVERY = { FIXED: 0, LOWEST: 1, SMI: 2, NMI: 4, INIT: 5, STARTUP: 6, EXTINT: 7 } as const;

/** Error status register bits (SDM Vol.3 §10.5.3). */
export const APIC_ESR = { SEND_ILLEGAL_VECTOR: 1 << 5, RECEIVE_ILLEGAL_VECTOR: 1 << 6, ILLEGAL_REGISTER: 1 << 7 } as const;

/** IA32_APIC_BASE (MSR 0x1B) fields: BSP flag (bit 8), global enable (bit 11), base (bits 31:12). */
export const APIC_BASE_MSR = { BSP: 1 << 8, ENABLE: 1 << 11, BASE_MASK: 0xfffff000 } as const;

/** Power-on IA32_APIC_BASE of the bootstrap processor: 0xFEE00000, enabled, BSP. */
export const APIC_DEFAULT_BASE = 0xfee00900;

/**
 * The version register: xAPIC version 0x14 (Pentium 4 and Xeon, SDM Vol.3 §10.4.8) with
 * max LVT entry 5 (six LVTs: timer, thermal, performance, LINT0, LINT1, error).
 */
export const APIC_VERSION = 0x00050014;

/** What the local APIC needs from the legacy 8259A pair behind LINT0 (ExtINT, virtual-wire mode). */
export interface ExtIntSource {
  hasInterrupt(): boolean;
  acknowledge(): number;
}

/** Who receives an EOI for a level-triggered vector (the I/O APICs). */
export type EoiListener = (vector: number) => void;

/** Plain-data state of a local APIC. */
export interface LocalApicState {
  id: number; tpr: number; ldr: number; dfr: number; svr: number; esr: number; errorPending: number;
  icrLo: number; icrHi: number; lvt: number[]; irr: number[]; isr: number[]; tmr: number[];
  divide: number; initial: number; timerStart: number; timerDeadline: number; baseMsr: number;
  ignoredIpis: number;
}

/** Index in `lvt` of each LVT register. */
const LVT_INDEX: Record<number, number> = {
  [APIC_REG.LVT_TIMER]: 0, [APIC_REG.LVT_THERMAL]: 1, [APIC_REG.LVT_PERF]: 2,
  [APIC_REG.LVT_LINT0]: 3, [APIC_REG.LVT_LINT1]: 4, [APIC_REG.LVT_ERROR]: 5,
};
/** Writable bits per LVT (timer: vector, mask, mode; thermal/perf: + delivery mode; LINTn: + polarity, trigger; error: vector, mask). */
const LVT_WRITABLE = [
  0xff | APIC_LVT.MASKED | APIC_LVT.PERIODIC,
  0xff | APIC_LVT.DELIVERY_MODE | APIC_LVT.MASKED,
  0xff | APIC_LVT.DELIVERY_MODE | APIC_LVT.MASKED,
  0xff | APIC_LVT.DELIVERY_MODE | APIC_LVT.POLARITY | APIC_LVT.LEVEL | APIC_LVT.MASKED,
  0xff | APIC_LVT.DELIVERY_MODE | APIC_LVT.POLARITY | APIC_LVT.LEVEL | APIC_LVT.MASKED,
  0xff | APIC_LVT.MASKED,
];
const LVT_TIMER = 0;
const LVT_LINT0 = 3;
const LVT_ERROR = 5;

/** Divide configuration register (bits 3, 1:0) → divisor (SDM Vol.3 Figure 10-10). */
export function apicTimerDivisor(dcr: number): number {
  const code = ((dcr >> 1) & 4) | (dcr & 3);
  return code === 7 ? 1 : 2 << code;
}

function highestBit(bits: Uint32Array): number {
  for (let w = 7; w >= 0; w--) {
    const v = bits[w]!;
    if (v !== 0) return w * 32 + 31 - Math.clz32(v);
  }
  return -1;
}

/**
 * One xAPIC, the bootstrap processor's, mapped at its base (4 KiB of MMIO; registers are
 * 32 bits on 16-byte boundaries). It is the processor's `InterruptController`: `hasInterrupt`
 * is true when the highest requested vector's priority class is above the processor priority
 * (PPR), or when the 8259A pair requests through LINT0 in ExtINT mode (or the APIC is globally
 * disabled in IA32_APIC_BASE, so the 8259A drives INTR directly); `acknowledge` moves the vector
 * from IRR to ISR (APIC requests first, then the 8259A's INTA cycles).
 *
 * The timer counts down the initial count once every `divisor` bus clocks; `tick(now)` takes
 * `now` in bus clocks (the board converts modeled cycles exactly). One-shot mode stops at 0,
 * periodic mode reloads. When the software enable (SVR bit 8) is clear, every LVT is masked and
 * stays masked. Single processor: an IPI to ourselves (or a broadcast including us) in fixed
 * mode is delivered; INIT, STARTUP, SMI, NMI and IPIs to other APIC IDs are accepted (delivery
 * status goes idle at once) and counted in `ignoredIpis`. LINT1 (NMI) and the thermal and
 * performance LVTs are registers only: nothing in the board drives them.
 */
export class LocalApic implements IoDevice, TimedDevice, Snapshottable<LocalApicState> {
  private id = 0;
  private tpr = 0;
  private ldr = 0;
  private dfr = 0xffffffff | 0;
  private svr = 0xff;
  private esr = 0;
  private errorPending = 0;
  private icrLo = 0;
  private icrHi = 0;
  private readonly lvt = new Int32Array(6);
  private readonly irr = new Uint32Array(8);
  private readonly isr = new Uint32Array(8);
  private readonly tmr = new Uint32Array(8);
  private divide = 0;
  private initial = 0;
  /** Bus clock at which the current count period started (count = initial there). */
  private timerStart = 0;
  /** Bus clock at which the count reaches 0 next, or Infinity (stopped). */
  private timerDeadline = Infinity;
  private baseMsr = APIC_DEFAULT_BASE;
  /** Cached: an APIC-internal vector beats the PPR. */
  private apicPending = false;
  /** IPIs accepted but not deliverable on a single processor (INIT, STARTUP, other IDs…). */
  ignoredIpis = 0;
  /** Timer interrupts generated (count reached 0 with the LVT unmasked). */
  timerInterrupts = 0;

  private readonly now: () => number;
  private readonly extInt: ExtIntSource;
  private eoiListener: EoiListener = () => {};

  /** `now` gives the current bus clock (the timer's input before the divider). */
  constructor(extInt: ExtIntSource, now: () => number) {
    this.extInt = extInt;
    this.now = now;
    this.reset();
  }

  /** Where EOIs for level-triggered vectors are broadcast (the I/O APIC). */
  setEoiListener(listener: EoiListener): void {
    this.eoiListener = listener;
  }

  /** The physical address of the register page (IA32_APIC_BASE bits 31:12). */
  get base(): number {
    return (this.baseMsr & APIC_BASE_MSR.BASE_MASK) >>> 0;
  }

  /** IA32_APIC_BASE as the MSR reads. */
  get baseMsrValue(): number {
    return this.baseMsr >>> 0;
  }

  /** True unless IA32_APIC_BASE bit 11 disabled the APIC. */
  get globallyEnabled(): boolean {
    return (this.baseMsr & APIC_BASE_MSR.ENABLE) !== 0;
  }

  /** True when SVR bit 8 (APIC software enable) is set and the APIC is globally enabled. */
  get softwareEnabled(): boolean {
    return this.globallyEnabled && (this.svr & 0x100) !== 0;
  }

  /** A WRMSR to IA32_APIC_BASE: new base and enable bits (the board moves the MMIO window). */
  writeBaseMsr(value: number): void {
    const wasEnabled = this.globallyEnabled;
    this.baseMsr = (value & (APIC_BASE_MSR.BASE_MASK | APIC_BASE_MSR.ENABLE)) | (this.baseMsr & APIC_BASE_MSR.BSP);
    if (wasEnabled && !this.globallyEnabled) this.reset(true);
    this.update();
  }

  // ---- processor side ------------------------------------------------------------------

  /** INTR as the processor samples it. */
  hasInterrupt(): boolean {
    return this.apicPending || (this.extIntOpen() && this.extInt.hasInterrupt());
  }

  /** The INTA cycle: the vector the processor takes. */
  acknowledge(): number {
    if (this.apicPending) {
      const v = highestBit(this.irr);
      this.irr[v >>> 5]! &= ~(1 << (v & 31));
      this.isr[v >>> 5]! |= 1 << (v & 31);
      this.update();
      return v;
    }
    if (this.extIntOpen()) return this.extInt.acknowledge();
    return this.svr & 0xff;
  }

  /** The 8259A's INTR reaches the processor: APIC globally disabled, or LINT0 unmasked in ExtINT mode. */
  private extIntOpen(): boolean {
    if (!this.globallyEnabled) return true;
    const lint0 = this.lvt[LVT_LINT0]!;
    return (lint0 & APIC_LVT.MASKED) === 0 && ((lint0 >> 8) & 7) === APIC_DELIVERY.EXTINT;
  }

  // ---- interrupt acceptance ------------------------------------------------------------

  /** A fixed-mode interrupt message (from the I/O APIC, an IPI or an LVT): sets IRR (and TMR for level). */
  accept(vector: number, level: boolean): void {
    if (!this.globallyEnabled) return;
    if (vector < 16) {
      this.error(APIC_ESR.RECEIVE_ILLEGAL_VECTOR);
      return;
    }
    const w = vector >>> 5;
    const bit = 1 << (vector & 31);
    this.irr[w]! |= bit;
    if (level) this.tmr[w]! |= bit;
    else this.tmr[w]! &= ~bit;
    this.update();
  }

  /** True if a message for logical or physical `dest` (8 bits) addresses this APIC. */
  matchesDestination(dest: number, logical: boolean): boolean {
    if (!logical) return dest === 0xff || dest === this.id;
    if (dest === 0xff) return true;
    const ldr = (this.ldr >>> 24) & 0xff;
    if ((this.dfr >>> 28) === 0xf) return (ldr & dest) !== 0;
    // Cluster model: bits 7:4 cluster, 3:0 members.
    return (ldr >>> 4) === (dest >>> 4) && (ldr & dest & 0xf) !== 0;
  }

  /**
   * An error: its ESR bits, and the LVT error interrupt unless masked. An illegal vector (0–15)
   * there is itself a receive error and is not delivered (SDM Vol.3 §10.5.3): its bit is set
   * here, not through `accept` (which would signal the error again, for ever).
   */
  private error(bits: number): void {
    this.errorPending |= bits;
    const e = this.lvt[LVT_ERROR]!;
    if ((e & APIC_LVT.MASKED) !== 0) return;
    if ((e & 0xff) < 16) this.errorPending |= APIC_ESR.RECEIVE_ILLEGAL_VECTOR;
    else this.accept(e & 0xff, false);
  }

  private ppr(): number {
    const isrv = highestBit(this.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    return (this.tpr & 0xf0) >= isrClass ? this.tpr & 0xff : isrClass;
  }

  private update(): void {
    const v = highestBit(this.irr);
    this.apicPending = v >= 0 && this.softwareEnabled && (v & 0xf0) > (this.ppr() & 0xf0);
  }

  private eoi(): void {
    const v = highestBit(this.isr);
    if (v < 0) return;
    const w = v >>> 5;
    const bit = 1 << (v & 31);
    this.isr[w]! &= ~bit;
    if ((this.tmr[w]! & bit) !== 0) {
      this.tmr[w]! &= ~bit;
      this.update();
      this.eoiListener(v);
    }
    this.update();
  }

  // ---- the timer -------------------------------------------------------------------------

  /** The current count at bus clock `now`. */
  private currentCount(now: number): number {
    if (this.timerDeadline === Infinity) return 0;
    const div = apicTimerDivisor(this.divide);
    const elapsed = Math.floor((now - this.timerStart) / div);
    if (elapsed >= this.initial) return 0;
    return this.initial - elapsed;
  }

  private startTimer(now: number): void {
    this.timerStart = now;
    this.timerDeadline = this.initial === 0 ? Infinity : now + this.initial * apicTimerDivisor(this.divide);
  }

  /** Brings the timer to bus clock `now`; returns the bus clock of the next expiry, or Infinity. */
  tick(now: number): number {
    while (this.timerDeadline <= now) {
      const lvt = this.lvt[LVT_TIMER]!;
      if ((lvt & APIC_LVT.MASKED) === 0) {
        this.timerInterrupts++;
        this.accept(lvt & 0xff, false);
      }
      if ((lvt & APIC_LVT.PERIODIC) !== 0) {
        const period = this.initial * apicTimerDivisor(this.divide);
        // Periods missed in one late tick give one interrupt (IRR latches one request per vector).
        const missed = Math.floor((now - this.timerDeadline) / period);
        this.timerStart = this.timerDeadline + missed * period;
        this.timerDeadline = this.timerStart + period;
      } else {
        this.timerStart = this.timerDeadline;
        this.timerDeadline = Infinity;
      }
    }
    return this.timerDeadline;
  }

  // ---- registers ---------------------------------------------------------------------------

  read(offset: number, size: AccessSize): number {
    // Globally disabled (IA32_APIC_BASE.EN = 0): the processor acts as one without an APIC
    // (SDM Vol.3 §11.4.3), so the window is not decoded and reads float to all ones.
    if (!this.globallyEnabled) return allOnes(size);
    const reg = offset & 0xff0;
    const v = this.readRegister(reg) >>> 0;
    if (size === 4 && (offset & 0xf) === 0) return v;
    const shift = (offset & 3) * 8;
    return (offset & 0xc) !== 0 ? 0 : (v >>> shift) & (size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff);
  }

  private readRegister(reg: number): number {
    switch (reg) {
      case APIC_REG.ID: return this.id << 24;
      case APIC_REG.VERSION: return APIC_VERSION;
      case APIC_REG.TPR: return this.tpr;
      case APIC_REG.APR: return this.ppr();
      case APIC_REG.PPR: return this.ppr();
      case APIC_REG.LDR: return this.ldr;
      case APIC_REG.DFR: return this.dfr;
      case APIC_REG.SVR: return this.svr;
      case APIC_REG.ESR: return this.esr;
      case APIC_REG.ICR_LO: return this.icrLo;
      case APIC_REG.ICR_HI: return this.icrHi;
      case APIC_REG.TIMER_INITIAL: return this.initial;
      case APIC_REG.TIMER_CURRENT: return this.currentCount(this.now());
      case APIC_REG.TIMER_DIVIDE: return this.divide;
      default:
        break;
    }
    if (reg >= APIC_REG.ISR && reg < APIC_REG.ESR) {
      const bank = reg >= APIC_REG.IRR ? this.irr : reg >= APIC_REG.TMR ? this.tmr : this.isr;
      return bank[(reg >> 4) & 7]!;
    }
    const lvt = LVT_INDEX[reg];
    if (lvt !== undefined) return this.lvt[lvt]!;
    if (reg === APIC_REG.EOI || reg === APIC_REG.RRD) return 0;
    this.error(APIC_ESR.ILLEGAL_REGISTER);
    return 0;
  }

  write(offset: number, size: AccessSize, value: number): void {
    // Registers are written 32 bits at a time at their 16-byte-aligned offset; other writes are ignored.
    if (size !== 4 || (offset & 0xf) !== 0 || !this.globallyEnabled) return;
    value |= 0;
    const reg = offset & 0xff0;
    switch (reg) {
      case APIC_REG.ID: this.id = (value >>> 24) & 0xff; return;
      case APIC_REG.TPR: this.tpr = value & 0xff; this.update(); return;
      case APIC_REG.EOI: this.eoi(); return;
      case APIC_REG.LDR: this.ldr = value & 0xff000000; return;
      case APIC_REG.DFR: this.dfr = value | 0x0fffffff; return;
      case APIC_REG.SVR: this.writeSvr(value); return;
      case APIC_REG.ESR:
        this.esr = this.errorPending;
        this.errorPending = 0;
        return;
      case APIC_REG.ICR_HI: this.icrHi = value & 0xff000000; return;
      case APIC_REG.ICR_LO: this.sendIpi(value); return;
      case APIC_REG.TIMER_INITIAL:
        this.initial = value >>> 0;
        this.startTimer(this.now());
        return;
      case APIC_REG.TIMER_DIVIDE: {
        // The current count carries on at the new rate from here.
        const now = this.now();
        const count = this.currentCount(now);
        this.divide = value & 0xb;
        if (this.timerDeadline !== Infinity) {
          const div = apicTimerDivisor(this.divide);
          this.timerStart = now - (this.initial - count) * div;
          this.timerDeadline = now + count * div;
        }
        return;
      }
      default:
        break;
    }
    const lvt = LVT_INDEX[reg];
    if (lvt !== undefined) {
      let v = value & LVT_WRITABLE[lvt]!;
      if (!this.softwareEnabled) v |= APIC_LVT.MASKED;
      this.lvt[lvt] = v | (this.lvt[lvt]! & (APIC_LVT.DELIVERY_STATUS | APIC_LVT.REMOTE_IRR));
      return;
    }
    if (reg === APIC_REG.VERSION || reg === APIC_REG.APR || reg === APIC_REG.PPR || reg === APIC_REG.RRD || reg === APIC_REG.TIMER_CURRENT) return;
    if (reg >= APIC_REG.ISR && reg < APIC_REG.ESR) return;
    this.error(APIC_ESR.ILLEGAL_REGISTER);
  }

  private writeSvr(value: number): void {
    this.svr = value & 0x3ff;
    if ((this.svr & 0x100) === 0) for (let i = 0; i < 6; i++) this.lvt[i]! |= APIC_LVT.MASKED;
    this.update();
  }

  private sendIpi(value: number): void {
    // Delivery status (bit 12) reads idle: the message is sent at once.
    this.icrLo = value & 0x000ccfff;
    const vector = value & 0xff;
    const mode = (value >> 8) & 7;
    const logical = (value & (1 << 11)) !== 0;
    const shorthand = (value >> 18) & 3;
    const toSelf = shorthand === 1 || shorthand === 2 || (shorthand === 0 && this.matchesDestination(this.icrHi >>> 24, logical));
    const toOthers = shorthand >= 2 || (shorthand === 0 && (logical || this.icrHi >>> 24 !== this.id));
    if ((mode === APIC_DELIVERY.FIXED || mode === APIC_DELIVERY.LOWEST) && vector < 16) {
      this.error(APIC_ESR.SEND_ILLEGAL_VECTOR);
      return;
    }
    if (toOthers) this.ignoredIpis++;
    if (!toSelf) return;
    // Fixed IPIs are edge-triggered (the ICR trigger bit only matters for INIT level de-assert).
    if (mode === APIC_DELIVERY.FIXED || mode === APIC_DELIVERY.LOWEST) this.accept(vector, false);
    else this.ignoredIpis++;
  }

  /** Power-on (or IA32_APIC_BASE disable) state (SDM Vol.3 §10.4.7.1); `keepBase` keeps the MSR. */
  reset(keepBase = false): void {
    this.id = 0;
    this.tpr = 0;
    this.ldr = 0;
    this.dfr = 0xffffffff | 0;
    this.svr = 0xff;
    this.esr = 0;
    this.errorPending = 0;
    this.icrLo = 0;
    this.icrHi = 0;
    this.lvt.fill(APIC_LVT.MASKED);
    this.irr.fill(0);
    this.isr.fill(0);
    this.tmr.fill(0);
    this.divide = 0;
    this.initial = 0;
    this.timerStart = 0;
    this.timerDeadline = Infinity;
    if (!keepBase) {
      // A power-on or reset; a global disable (keepBase) keeps the base and the run's statistics.
      this.baseMsr = APIC_DEFAULT_BASE;
      this.ignoredIpis = 0;
      this.timerInterrupts = 0;
    }
    this.update();
  }

  saveState(): LocalApicState {
    return {
      id: this.id, tpr: this.tpr, ldr: this.ldr, dfr: this.dfr, svr: this.svr, esr: this.esr, errorPending: this.errorPending,
      icrLo: this.icrLo, icrHi: this.icrHi, lvt: [...this.lvt], irr: [...this.irr], isr: [...this.isr], tmr: [...this.tmr],
      divide: this.divide, initial: this.initial, timerStart: this.timerStart,
      timerDeadline: this.timerDeadline === Infinity ? -1 : this.timerDeadline, baseMsr: this.baseMsr, ignoredIpis: this.ignoredIpis,
    };
  }

  restoreState(s: LocalApicState): void {
    this.id = s.id; this.tpr = s.tpr; this.ldr = s.ldr; this.dfr = s.dfr; this.svr = s.svr; this.esr = s.esr;
    this.errorPending = s.errorPending; this.icrLo = s.icrLo; this.icrHi = s.icrHi;
    this.lvt.set(s.lvt); this.irr.set(s.irr); this.isr.set(s.isr); this.tmr.set(s.tmr);
    this.divide = s.divide; this.initial = s.initial; this.timerStart = s.timerStart;
    this.timerDeadline = s.timerDeadline < 0 ? Infinity : s.timerDeadline;
    this.baseMsr = s.baseMsr; this.ignoredIpis = s.ignoredIpis;
    this.update();
  }
}
