/** @file A byte queue: the input side of a serial port, filled by the host (e.g. the CLI from stdin). */

/** Where a receiver pulls bytes from: `read()` returns the next byte (0–255), or -1 when none is waiting. */
export interface ByteSource {
  read(): number;
}

/** A growable FIFO of bytes that a UART drains. `push` never blocks; the UART takes bytes as it has room. */
export class ByteQueue implements ByteSource {
  private buf = new Uint8Array(64);
  private head = 0;
  private count = 0;

  /** Bytes waiting. */
  get length(): number {
    return this.count;
  }

  /** Appends bytes: a string (each char code & 0xFF), an array or a byte array. */
  push(data: string | ArrayLike<number>): void {
    const n = data.length;
    if (this.count + n > this.buf.length) {
      let size = this.buf.length;
      while (size < this.count + n) size *= 2;
      const next = new Uint8Array(size);
      for (let i = 0; i < this.count; i++) next[i] = this.buf[(this.head + i) % this.buf.length]!;
      this.buf = next;
      this.head = 0;
    }
    for (let i = 0; i < n; i++) {
      const b = typeof data === 'string' ? data.charCodeAt(i) : (data as ArrayLike<number>)[i]!;
      this.buf[(this.head + this.count) % this.buf.length] = b & 0xff;
      this.count++;
    }
  }

  read(): number {
    if (this.count === 0) return -1;
    const b = this.buf[this.head]!;
    this.head = (this.head + 1) % this.buf.length;
    this.count--;
    return b;
  }

  /** The waiting bytes, oldest first (for saved state). */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.buf[(this.head + i) % this.buf.length]!);
    return out;
  }

  /** Drops every waiting byte. */
  clear(): void {
    this.head = 0;
    this.count = 0;
  }
}
