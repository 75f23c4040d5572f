/** @file The PC's cascaded 8259A pair (slave on master IR2): the processor's INTR/INTA interface. */
import type { IrqLine } from '../irq-line.ts';
import type { Snapshottable } from '../device.ts';
import { I8259, type I8259State } from './i8259.ts';

/** The master IR input the slave's INT drives. */
export const CASCADE_IRQ = 2;

/** Plain-data state of the pair. */
export interface I8259PairState {
  master: I8259State;
  slave: I8259State;
}

/** An `IrqLine` wired to input `irq` (0–15) of the pair. */
class PairIrqLine implements IrqLine {
  private readonly pair: I8259Pair;
  private readonly irq: number;
  constructor(pair: I8259Pair, irq: number) {
    this.pair = pair;
    this.irq = irq;
  }
  setLevel(high: boolean): void {
    this.pair.setIrq(this.irq, high);
  }
}

/**
 * Master (ports 0x20–0x21, IRQ 0–7) and slave (0xA0–0xA1, IRQ 8–15) with the slave's INT on
 * master IR2. Satisfies x86-core's `InterruptController`: `hasInterrupt()` is a cached flag,
 * `acknowledge()` is the two INTA cycles. An INTA with no request left is answered with the
 * spurious IR7 vector of the chip that lost it (master: IRQ7; slave: IRQ15, with the master's
 * IR2 in service as on real hardware), without setting the chip's ISR bit.
 */
export class I8259Pair implements Snapshottable<I8259PairState> {
  /** The master chip (IRQ 0–7). */
  readonly master = new I8259(true);
  /** The slave chip (IRQ 8–15). */
  readonly slave = new I8259(false);
  /** INTA cycles that returned a spurious IR7/IR15 vector. */
  spuriousCount = 0;
  private intr = false;
  private readonly lines: IrqLine[] = [];

  constructor() {
    const update = (): void => this.update();
    this.master.onChange = update;
    this.slave.onChange = update;
    for (let i = 0; i < 16; i++) this.lines.push(new PairIrqLine(this, i));
  }

  /** The wire of input `irq` (0–15), for a device to drive. */
  irqLine(irq: number): IrqLine {
    const line = this.lines[irq];
    if (!line) throw new RangeError(`no IRQ ${irq} on the 8259A pair`);
    return line;
  }

  /** Drives input `irq` (0–15). */
  setIrq(irq: number, high: boolean): void {
    const changed = irq < 8 ? this.master.setInput(irq, high) : this.slave.setInput(irq - 8, high);
    if (changed) this.update();
  }

  /** True while INTR is asserted. */
  hasInterrupt(): boolean {
    return this.intr;
  }

  /** The INTA cycles: returns the vector and moves the request into service. */
  acknowledge(): number {
    const master = this.master;
    const irq = master.pendingIrq();
    if (irq < 0) {
      this.spuriousCount++;
      return master.vectorBase | 7;
    }
    master.acknowledgeIrq(irq);
    let vector: number;
    if ((master.icw3 & (1 << irq)) !== 0 && !master.single) {
      const slave = this.slave;
      const sirq = slave.pendingIrq();
      if (sirq < 0) {
        this.spuriousCount++;
        vector = slave.vectorBase | 7;
      } else {
        slave.acknowledgeIrq(sirq);
        vector = slave.vectorBase | sirq;
      }
      // The slave's INT drops during INTA; it rises again only for a new request.
      master.setInput(irq, false);
    } else {
      vector = master.vectorBase | irq;
    }
    this.update();
    return vector;
  }

  /** Recomputes the slave's INT (into master IR2) and the master's INT (INTR). */
  private update(): void {
    this.master.setInput(CASCADE_IRQ, this.slave.pendingIrq() >= 0);
    this.intr = this.master.pendingIrq() >= 0;
  }

  /** Power-on state of both chips. */
  reset(): void {
    // Slave first: the master's reset must not see the slave's old INT on its IR2 latch.
    this.slave.reset();
    this.master.reset();
    this.spuriousCount = 0;
    this.update();
  }

  saveState(): I8259PairState {
    return { master: this.master.saveState(), slave: this.slave.saveState() };
  }

  restoreState(s: I8259PairState): void {
    // Slave first, so the master's restored IR2 latch is never driven from the slave's old INT.
    this.slave.restoreState(s.slave);
    this.master.restoreState(s.master);
    this.update();
  }
}
