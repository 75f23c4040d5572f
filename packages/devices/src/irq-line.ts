/** @file Interrupt request lines: how a chip raises an IRQ without knowing who listens. */

/** One interrupt request wire, driven by a device (output) and sampled by a controller (input). */
export interface IrqLine {
  /** Drives the wire high (`true`) or low (`false`). Repeating the current level is a no-op. */
  setLevel(high: boolean): void;
}

/** A wire nobody listens to (an unconnected output). */
export const NO_IRQ: IrqLine = { setLevel() {} };

/** A low-to-high edge on `line`, leaving it high: what an edge-triggered controller latches. */
export function pulse(line: IrqLine): void {
  line.setLevel(false);
  line.setLevel(true);
}
