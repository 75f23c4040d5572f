/** @file Port 0x61, the chipset's NMI Status and Control register: PIT counter 2 gate and output, speaker enable. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';
import type { I8254 } from './i8254.ts';

/** Port 0x61 bits (PIIX/ICH "NMI_SC"). */
export const NMI_SC = { TIM2_GATE: 0x01, SPKR_DAT_EN: 0x02, PCI_SERR_EN: 0x04, IOCHK_NMI_EN: 0x08, REF_TOGGLE: 0x10, TMR2_OUT: 0x20 } as const;

/** Plain-data state of port 0x61 (counter 2's gate is part of the 8254's state). */
export interface NmiStatusControlState {
  value: number;
  refresh: number;
}

/**
 * Port 0x61. Bit 0 drives PIT counter 2's gate, bit 1 enables the speaker (no sound is
 * modeled), bits 2–3 are kept; reads add bit 5 (counter 2's OUT) and bit 4 (the refresh
 * toggle, which here flips on every read so polling loops make progress deterministically).
 */
export class NmiStatusControl implements IoDevice, Snapshottable<NmiStatusControlState> {
  private value = 0;
  private refresh = 0;
  private readonly pit: I8254;

  constructor(pit: I8254) {
    this.pit = pit;
    pit.setGate(2, false);
  }

  read(_offset: number, _size: AccessSize): number {
    this.refresh ^= NMI_SC.REF_TOGGLE;
    return (this.value & 0x0f) | this.refresh | (this.pit.out(2) ? NMI_SC.TMR2_OUT : 0);
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    this.value = value & 0x0f;
    this.pit.setGate(2, (value & NMI_SC.TIM2_GATE) !== 0);
  }

  saveState(): NmiStatusControlState {
    return { value: this.value, refresh: this.refresh };
  }

  restoreState(s: NmiStatusControlState): void {
    this.value = s.value;
    this.refresh = s.refresh;
  }
}
