/** @file The contracts every chip model meets: register access by offset, virtual time, saved state. */

/** Size of one port or MMIO access, in bytes. */
export type AccessSize = 1 | 2 | 4;

/** A chip's register file as the bus sees it: `offset` is relative to the chip's base. */
export interface IoDevice {
  /** Reads `size` bytes at register `offset`. */
  read(offset: number, size: AccessSize): number;
  /** Writes `size` bytes of `value` at register `offset`. */
  write(offset: number, size: AccessSize, value: number): void;
}

/**
 * A chip with a notion of time. `now` is in the chip's own input-clock ticks (a whole
 * number, counted from power-on); the result is the tick at which the chip next needs
 * `tick` (an output edge, an interrupt), or `Infinity` when it needs none.
 */
export interface TimedDevice {
  tick(now: number): number;
}

/** A chip whose whole state can be saved as plain JSON-able data and restored from it. */
export interface Snapshottable<S> {
  saveState(): S;
  restoreState(state: S): void;
}

/** All ones of an access: what an unclaimed port or a floating bus reads. */
export function allOnes(size: AccessSize): number {
  return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
}
