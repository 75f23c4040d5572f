/** @file `--display text`: the guest's CGA text screen drawn on the terminal (stderr), live while the guest runs and at the end. */
import type { Board } from '@x86virt/devices';

/** Least host time between two live redraws, in milliseconds. */
export const REDRAW_MS = 50;

/** ANSI: cursor home, clear the screen (the frame is redrawn in place at the top of the terminal). */
const HOME_CLEAR = '\x1b[H\x1b[2J';

/** The 80×25 text page as plain lines between two rules (cursor not drawn). */
export function textFrame(board: Board): string {
  const rows = board.cga.renderText(board.ram).map((r) => `|${r}|`);
  const rule = `+${'-'.repeat(80)}+`;
  return [rule, ...rows, rule].join('\n');
}

/** How a `TextDisplay` draws. */
export interface TextDisplayOptions {
  /** Where frames go (default: stderr). */
  readonly write?: (text: string) => void;
  /** Redraw while the guest runs (default: when stderr is a terminal). Without it only the final screen is drawn. */
  readonly live?: boolean;
  /** Host clock in milliseconds (default `performance.now`). */
  readonly now?: () => number;
}

/**
 * Keeps the board of a run and draws its screen: live, `poll` (called from the board's host
 * poll, at every device deadline) redraws it in place when the text or the cursor changed and
 * at least `REDRAW_MS` of host time has passed since the last redraw; `finish` draws the final
 * screen once more (in place when live, else as plain lines).
 */
export class TextDisplay {
  private board: Board | null = null;
  private readonly write: (text: string) => void;
  private readonly live: boolean;
  private readonly now: () => number;
  private lastDraw = -Infinity;
  private lastFrame = '';
  /** Frames drawn so far (live redraws and the final one). */
  frames = 0;

  constructor(o: TextDisplayOptions = {}) {
    this.write = o.write ?? ((text) => process.stderr.write(text));
    this.live = o.live ?? process.stderr.isTTY === true;
    this.now = o.now ?? (() => performance.now());
  }

  attach(board: Board): void {
    this.board = board;
  }

  /** A live redraw if the screen changed and the last one is at least `REDRAW_MS` old. */
  poll(): void {
    if (!this.live || this.board === null) return;
    const t = this.now();
    if (t - this.lastDraw < REDRAW_MS) return;
    const frame = this.frameWithCursor(this.board);
    if (frame === this.lastFrame) return;
    this.lastDraw = t;
    this.draw(frame);
  }

  /** Draws the final screen (nothing if no board was built). */
  finish(): void {
    if (this.board === null) return;
    this.draw(this.frameWithCursor(this.board));
  }

  private frameWithCursor(board: Board): string {
    const at = board.cga.cursor;
    return `${textFrame(board)}\ncursor ${Math.floor(at / 80)},${at % 80}`;
  }

  private draw(frame: string): void {
    this.lastFrame = frame;
    this.frames++;
    this.write(`${this.live ? HOME_CLEAR : ''}${frame}\n`);
  }
}
