/** @file `--display text` keyboard input: the terminal's bytes go to the board's 8042 as key strokes instead of to COM1. */
import type { Board, ByteSource } from '@x86virt/devices';

/** COM1's input while the keyboard has the terminal: nothing ever arrives. */
export const NO_SERIAL_INPUT: ByteSource = { read: () => -1 };

/**
 * Moves every byte waiting on `source` (the CLI's stdin) to the board's keyboard, which
 * queues them as US-layout key strokes: make and break codes, shift or control held where the
 * character needs it, scan code set 1 when the 8042 translates (the firmware's command byte
 * 0x61), set 2 otherwise (devices' `keyForChar`, `strokeBytes`). Bytes with no key (non-ASCII,
 * Ctrl-\ … Ctrl-_) are dropped. Returns how many bytes were read.
 */
export function pumpKeys(source: ByteSource, board: Board): number {
  const bytes: number[] = [];
  for (let b = source.read(); b >= 0; b = source.read()) bytes.push(b);
  if (bytes.length > 0) board.typeKeys(bytes);
  return bytes.length;
}
