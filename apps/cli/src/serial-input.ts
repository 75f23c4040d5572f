/** @file COM1 input from the host's stdin: a non-blocking byte source for the guest's UART, with a raw-mode terminal and an escape key. */
import { readSync } from 'node:fs';
import type { ByteSource } from '@x86virt/devices';

/** Ctrl-A then `x` ends the run (QEMU's escape, so a raw terminal can still be left). */
const ESCAPE = 0x01;
const QUIT = 0x78;
/** Poll stdin at most this often (host milliseconds): one syscall per UART poll would slow guests that poll LSR. */
const POLL_MS = 2;

/**
 * Reads stdin without blocking: node puts a terminal's or a pipe's fd 0 in non-blocking mode
 * once `process.stdin` exists, so `readSync` returns what is waiting or fails with EAGAIN.
 * With `raw` and a terminal, keys go to the guest as typed (Ctrl-C included); Ctrl-A x
 * restores the terminal and ends the process with `onQuit`. At end of input the source
 * stays empty.
 */
export class StdinSource implements ByteSource {
  private readonly buf = Buffer.alloc(4096);
  private head = 0;
  private tail = 0;
  private eof = false;
  private lastPoll = -Infinity;
  private escaped = false;
  private readonly tty: boolean;
  private readonly onQuit: () => never;

  constructor(raw: boolean, onQuit: () => never) {
    this.onQuit = onQuit;
    const stdin = process.stdin;
    this.tty = raw && stdin.isTTY === true;
    if (this.tty) stdin.setRawMode(true);
  }

  read(): number {
    if (this.head === this.tail && !this.fill()) return -1;
    const b = this.buf[this.head++]!;
    if (this.tty) {
      if (this.escaped) {
        this.escaped = false;
        if (b === QUIT) {
          this.close();
          this.onQuit();
        }
      } else if (b === ESCAPE) {
        this.escaped = true;
        return this.read();
      }
    }
    return b;
  }

  /** Puts the terminal back in its normal mode. */
  close(): void {
    if (this.tty) process.stdin.setRawMode(false);
  }

  private fill(): boolean {
    if (this.eof) return false;
    const now = performance.now();
    if (now - this.lastPoll < POLL_MS) return false;
    this.lastPoll = now;
    try {
      const n = readSync(0, this.buf, 0, this.buf.length, null);
      if (n === 0) {
        this.eof = true;
        return false;
      }
      this.head = 0;
      this.tail = n;
      return true;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') this.eof = true;
      return false;
    }
  }
}
