/** @file `--display text`: the guest's CGA text screen drawn on the terminal (stderr) when the run ends. */
import type { Board } from '@x86virt/devices';

/** The 80×25 text page as plain lines between two rules (cursor not drawn). */
export function textFrame(board: Board): string {
  const rows = board.cga.renderText(board.ram).map((r) => `|${r}|`);
  const rule = `+${'-'.repeat(80)}+`;
  return [rule, ...rows, rule].join('\n');
}

/**
 * Keeps the board of a run and draws its screen on stderr at the end of the run (the run loop
 * is synchronous, so there is no live redraw yet).
 */
export class TextDisplay {
  private board: Board | null = null;

  attach(board: Board): void {
    this.board = board;
  }

  /** Draws the final screen (nothing if no board was built). */
  finish(): void {
    if (this.board !== null) process.stderr.write(`${textFrame(this.board)}\n`);
  }
}
