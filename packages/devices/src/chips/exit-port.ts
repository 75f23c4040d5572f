/** @file The exit port (0xF4, as QEMU's isa-debug-exit): a write of v ends the run with guest exit code v. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';

/** Plain-data state of the exit port. */
export interface ExitPortState {
  exitCode: number | null;
}

/**
 * Four ports from 0xF4 (mapped 32 bits wide). A write of `v` (of any size; a 32-bit OUT is the
 * convention) records exit code `v` (unsigned) and calls `onExit`, which the board turns into a
 * stop request the run loop polls. QEMU's process exit status is (v << 1) | 1; x86virt reports
 * v itself. Reads return 0.
 */
export class ExitPort implements IoDevice, Snapshottable<ExitPortState> {
  /** The code of the first exit request, or null while none was made. */
  exitCode: number | null = null;
  private readonly onExit: (code: number) => void;

  constructor(onExit: (code: number) => void = () => {}) {
    this.onExit = onExit;
  }

  read(_offset: number, _size: AccessSize): number {
    return 0;
  }

  write(_offset: number, _size: AccessSize, value: number): void {
    const code = value >>> 0;
    if (this.exitCode === null) this.exitCode = code;
    this.onExit(code);
  }

  reset(): void {
    this.exitCode = null;
  }

  saveState(): ExitPortState {
    return { exitCode: this.exitCode };
  }

  restoreState(s: ExitPortState): void {
    this.exitCode = s.exitCode;
  }
}
