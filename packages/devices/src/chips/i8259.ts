/** @file Intel 8259A programmable interrupt controller: one chip (ICW1–4, OCW1–3, IRR/ISR/IMR, priorities). */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';

/** Plain-data state of one 8259A. */
export interface I8259State {
  irr: number;
  isr: number;
  imr: number;
  inputs: number;
  elcr: number;
  vectorBase: number;
  initStep: number;
  needIcw4: boolean;
  single: boolean;
  ltim: boolean;
  icw3: number;
  icw4: number;
  lowestPriority: number;
  rotateOnAutoEoi: boolean;
  readIsr: boolean;
  pollPending: boolean;
  specialMask: boolean;
}

/** OCW2 commands (bits 7:5 of the OCW2 byte), 8259A datasheet. */
export const OCW2 = {
  ROTATE_AEOI_CLEAR: 0,
  NON_SPECIFIC_EOI: 1,
  NOP: 2,
  SPECIFIC_EOI: 3,
  ROTATE_AEOI_SET: 4,
  ROTATE_NON_SPECIFIC_EOI: 5,
  SET_PRIORITY: 6,
  ROTATE_SPECIFIC_EOI: 7,
} as const;

/**
 * One 8259A. Register offsets: 0 (ICW1, OCW2, OCW3; reads IRR/ISR or the poll word) and 1
 * (ICW2–4, OCW1; reads IMR). Inputs arrive through `setInput`; the chip never knows whether it
 * is wired as master or slave except through `isMaster` (special fully nested mode needs it).
 * Edge-triggered inputs latch IRR on a rising edge and keep it until INTA (as the chip's edge
 * latch does when the line stays up through INTA); level-triggered inputs (ICW1.LTIM, or the
 * chipset's ELCR bit) have IRR follow the line, so a request that drops before INTA becomes
 * the spurious IR7 of the pair. `onChange` runs after every register access that may change
 * the INT output, so the owner can recompute it.
 */
export class I8259 implements IoDevice, Snapshottable<I8259State> {
  /** Interrupt request register. */
  irr = 0;
  /** In-service register. */
  isr = 0;
  /** Interrupt mask register (OCW1). */
  imr = 0;
  /** Current levels of the eight IR inputs. */
  inputs = 0;
  /** Lines the chipset's ELCR makes level-triggered. */
  elcr = 0;
  /** ICW2: the vector of IR0 (bits 7:3). */
  vectorBase = 0;
  /** Initialization sequence position: 0 = operational, 2/3/4 = the next ICW expected. */
  initStep = 0;
  needIcw4 = false;
  single = false;
  /** ICW1.LTIM: every input level-triggered. */
  ltim = false;
  /** ICW3: slave mask (master) or slave identity (slave). */
  icw3 = 0;
  /** ICW4 as written (bit 1 AEOI, bit 4 SFNM). */
  icw4 = 0;
  /** The IR with the lowest priority; the one after it has the highest (7 after ICW1). */
  lowestPriority = 7;
  rotateOnAutoEoi = false;
  /** OCW3 RR/RIS: register read at offset 0 is ISR (true) or IRR (false). */
  readIsr = false;
  /** OCW3 P: the next read at offset 0 or 1 is a poll. */
  pollPending = false;
  /** OCW3 SMM: special mask mode. */
  specialMask = false;

  /** Called after register accesses that may change INT. */
  onChange: () => void = () => {};

  /** True for the master of a pair (matters for special fully nested mode). */
  readonly isMaster: boolean;

  constructor(isMaster: boolean) {
    this.isMaster = isMaster;
  }

  /** Mask of level-triggered inputs. */
  levelMask(): number {
    return this.ltim ? 0xff : this.elcr;
  }

  /** Drives input `irq` (0–7). Returns true if IRR changed. Does not call `onChange`. */
  setInput(irq: number, high: boolean): boolean {
    const bit = 1 << irq;
    const before = this.irr;
    const was = (this.inputs & bit) !== 0;
    if (high) {
      this.inputs |= bit;
      if (!was || (this.levelMask() & bit) !== 0) this.irr |= bit;
    } else {
      this.inputs &= ~bit;
      if ((this.levelMask() & bit) !== 0) this.irr &= ~bit;
    }
    return this.irr !== before;
  }

  /** Sets the ELCR byte (1 = level-triggered) and re-derives IRR for level lines. */
  setElcr(value: number): void {
    this.elcr = value & 0xff;
    const level = this.levelMask();
    this.irr = (this.irr & ~level) | (this.inputs & level);
    this.onChange();
  }

  /** Priority rank of `irq`: 0 is the highest. */
  private rank(irq: number): number {
    return (irq - this.lowestPriority - 1) & 7;
  }

  /** The highest-priority IR set in `mask`, or -1. */
  private highest(mask: number): number {
    if (mask === 0) return -1;
    for (let r = 0; r < 8; r++) {
      const irq = (this.lowestPriority + 1 + r) & 7;
      if (mask & (1 << irq)) return irq;
    }
    return -1;
  }

  /** The in-service IR that blocks lower priorities, honouring special mask mode, or -1. */
  private highestInService(): number {
    return this.highest(this.specialMask ? this.isr & ~this.imr : this.isr);
  }

  /** The IR the chip would present on INTA now (unmasked, higher priority than in-service), or -1. */
  pendingIrq(): number {
    const irq = this.highest(this.irr & ~this.imr);
    if (irq < 0) return -1;
    const inService = this.highestInService();
    if (inService < 0) return irq;
    const r = this.rank(irq);
    const s = this.rank(inService);
    if (r < s) return irq;
    // Special fully nested mode: a slave's higher request may nest on its own in-service cascade IR.
    if (r === s && this.isMaster && (this.icw4 & 0x10) !== 0 && (this.icw3 & (1 << irq)) !== 0) return irq;
    return -1;
  }

  /** INTA for `irq`: IRR → ISR (or auto-EOI). */
  acknowledgeIrq(irq: number): void {
    const bit = 1 << irq;
    if ((this.levelMask() & bit) === 0) this.irr &= ~bit;
    if (this.icw4 & 0x02) {
      if (this.rotateOnAutoEoi) this.lowestPriority = irq;
    } else {
      this.isr |= bit;
    }
  }

  /** Power-on state (as after an ICW1 with no ICW4 and nothing masked). */
  reset(): void {
    this.restoreState(new I8259(this.isMaster).saveState());
  }

  read(offset: number, _size: AccessSize): number {
    if (this.pollPending) {
      this.pollPending = false;
      const irq = this.pendingIrq();
      if (irq < 0) return 0;
      this.acknowledgeIrq(irq);
      this.onChange();
      return 0x80 | irq;
    }
    if ((offset & 1) === 1) return this.imr;
    return this.readIsr ? this.isr : this.irr;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if ((offset & 1) === 0) {
      if (value & 0x10) this.icw1(value);
      else if (value & 0x08) this.ocw3(value);
      else this.ocw2(value);
    } else {
      switch (this.initStep) {
        case 2:
          this.vectorBase = value & 0xf8;
          this.initStep = this.single ? (this.needIcw4 ? 4 : 0) : 3;
          break;
        case 3:
          this.icw3 = value;
          this.initStep = this.needIcw4 ? 4 : 0;
          break;
        case 4:
          this.icw4 = value & 0x1f;
          this.initStep = 0;
          break;
        default:
          this.imr = value;
      }
    }
    this.onChange();
  }

  private icw1(value: number): void {
    this.needIcw4 = (value & 0x01) !== 0;
    this.single = (value & 0x02) !== 0;
    this.ltim = (value & 0x08) !== 0;
    this.initStep = 2;
    this.imr = 0;
    this.isr = 0;
    // The edge-sense latches are reset: an edge input must rise again to request.
    this.irr = this.inputs & this.levelMask();
    this.lowestPriority = 7;
    this.specialMask = false;
    this.readIsr = false;
    this.pollPending = false;
    this.rotateOnAutoEoi = false;
    this.icw3 = 7;
    this.icw4 = 0;
  }

  private ocw2(value: number): void {
    const irq = value & 7;
    switch (value >> 5) {
      case OCW2.ROTATE_AEOI_CLEAR:
        this.rotateOnAutoEoi = false;
        break;
      case OCW2.ROTATE_AEOI_SET:
        this.rotateOnAutoEoi = true;
        break;
      case OCW2.NON_SPECIFIC_EOI:
      case OCW2.ROTATE_NON_SPECIFIC_EOI: {
        const n = this.highestInService();
        if (n >= 0) {
          this.isr &= ~(1 << n);
          if (value >> 5 === OCW2.ROTATE_NON_SPECIFIC_EOI) this.lowestPriority = n;
        }
        break;
      }
      case OCW2.SPECIFIC_EOI:
        this.isr &= ~(1 << irq);
        break;
      case OCW2.ROTATE_SPECIFIC_EOI:
        this.isr &= ~(1 << irq);
        this.lowestPriority = irq;
        break;
      case OCW2.SET_PRIORITY:
        this.lowestPriority = irq;
        break;
      default:
        break;
    }
  }

  private ocw3(value: number): void {
    if (value & 0x04) this.pollPending = true;
    if (value & 0x02) this.readIsr = (value & 0x01) !== 0;
    if (value & 0x40) this.specialMask = (value & 0x20) !== 0;
  }

  saveState(): I8259State {
    return {
      irr: this.irr,
      isr: this.isr,
      imr: this.imr,
      inputs: this.inputs,
      elcr: this.elcr,
      vectorBase: this.vectorBase,
      initStep: this.initStep,
      needIcw4: this.needIcw4,
      single: this.single,
      ltim: this.ltim,
      icw3: this.icw3,
      icw4: this.icw4,
      lowestPriority: this.lowestPriority,
      rotateOnAutoEoi: this.rotateOnAutoEoi,
      readIsr: this.readIsr,
      pollPending: this.pollPending,
      specialMask: this.specialMask,
    };
  }

  restoreState(s: I8259State): void {
    this.irr = s.irr;
    this.isr = s.isr;
    this.imr = s.imr;
    this.inputs = s.inputs;
    this.elcr = s.elcr;
    this.vectorBase = s.vectorBase;
    this.initStep = s.initStep;
    this.needIcw4 = s.needIcw4;
    this.single = s.single;
    this.ltim = s.ltim;
    this.icw3 = s.icw3;
    this.icw4 = s.icw4;
    this.lowestPriority = s.lowestPriority;
    this.rotateOnAutoEoi = s.rotateOnAutoEoi;
    this.readIsr = s.readIsr;
    this.pollPending = s.pollPending;
    this.specialMask = s.specialMask;
    this.onChange();
  }
}
