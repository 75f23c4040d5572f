/** @file The chipset's Edge/Level Control Registers (ports 0x4D0–0x4D1, PIIX): per-IRQ trigger mode of the 8259A pair. */
import type { AccessSize, IoDevice } from '../device.ts';
import type { I8259Pair } from './i8259-pair.ts';

/** Bits that may be set: IRQ 0, 1, 2, 8 and 13 are always edge-triggered (PIIX datasheet). */
export const ELCR_WRITABLE = [0xf8, 0xde] as const;

/** ELCR1 (offset 0, IRQ 0–7) and ELCR2 (offset 1, IRQ 8–15); 1 = level-triggered. */
export class Elcr implements IoDevice {
  private readonly pair: I8259Pair;

  constructor(pair: I8259Pair) {
    this.pair = pair;
  }

  read(offset: number, _size: AccessSize): number {
    return offset === 0 ? this.pair.master.elcr : this.pair.slave.elcr;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset === 0) this.pair.master.setElcr(value & ELCR_WRITABLE[0]);
    else this.pair.slave.setElcr(value & ELCR_WRITABLE[1]);
  }
}
