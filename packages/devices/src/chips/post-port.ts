/** @file The POST diagnostic port (0x80): latches the last code written, as a POST card shows it. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';

/** Plain-data state of the POST port. */
export interface PostPortState {
  last: number;
  writes: number;
}

/**
 * Port 0x80. Writes latch the byte (`last`) and are counted (guests also use the port as an
 * I/O delay); an optional sink sees every code. Reads return the last code.
 */
export class PostPort implements IoDevice, Snapshottable<PostPortState> {
  /** The last code written (0 at power-on). */
  last = 0;
  /** Writes so far. */
  writes = 0;
  private readonly sink: ((code: number) => void) | null;

  constructor(sink: ((code: number) => void) | null = null) {
    this.sink = sink;
  }

  read(_offset: number, _size: AccessSize): number {
    return this.last;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    this.last = value & 0xff;
    this.writes++;
    if (this.sink) this.sink(this.last);
  }

  reset(): void {
    this.last = 0;
    this.writes = 0;
  }

  saveState(): PostPortState {
    return { last: this.last, writes: this.writes };
  }

  restoreState(s: PostPortState): void {
    this.last = s.last;
    this.writes = s.writes;
  }
}
