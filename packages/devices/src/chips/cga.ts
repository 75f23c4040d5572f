/** @file The CGA text display: the 6845 CRTC's index/data registers (0x3D4/0x3D5), mode/colour/status ports, and the 80×25 text page at 0xB8000. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';

/** Physical address of the colour text buffer. */
export const CGA_TEXT_BASE = 0xb8000;
/** Text geometry of mode 3. */
export const CGA_COLUMNS = 80;
export const CGA_ROWS = 25;

/** CRTC register indexes (MC6845 datasheet; VGA CRTC for 0x12–0x18). */
export const CRTC_REG = { CURSOR_START: 0x0a, CURSOR_END: 0x0b, START_HIGH: 0x0c, START_LOW: 0x0d, CURSOR_HIGH: 0x0e, CURSOR_LOW: 0x0f } as const;

/** Number of CRTC registers kept (0x00–0x18, the VGA set, which reads back). */
const CRTC_COUNT = 0x19;

/** Chip offsets from port 0x3D0: CRTC index 4, data 5, mode 8, colour 9, status 0xA. */
export const CGA_OFFSET = { INDEX: 4, DATA: 5, MODE: 8, COLOR: 9, STATUS: 0xa } as const;

/** Plain-data state of the display. */
export interface CgaState {
  index: number;
  crtc: number[];
  mode: number;
  color: number;
  statusPhase: number;
}

/**
 * The CRTC registers as a VGA-compatible colour adapter presents them: every register from
 * 0x00 to 0x18 reads back what was written (the cursor location 0x0E/0x0F among them, which the
 * original 6845 also lets software read); the index register keeps 5 bits. The status register
 * (0x3DA) alternates display-enable and vertical-retrace phases on each read, so polling loops
 * end at once (time-independent). The text itself lives in guest RAM at 0xB8000 (the board's
 * RAM backs the whole legacy hole), which `renderText` reads.
 * Power-on: the mode 3 (80×25) cursor shape 0x0D/0x0E and start address 0, cursor at 0.
 */
export class Cga implements IoDevice, Snapshottable<CgaState> {
  private index = 0;
  private readonly crtc = new Uint8Array(CRTC_COUNT);
  private mode = 0x29;
  private color = 0x30;
  private statusPhase = 0;

  constructor() {
    this.reset();
  }

  read(offset: number, _size: AccessSize): number {
    switch (offset) {
      case CGA_OFFSET.INDEX: return this.index;
      case CGA_OFFSET.DATA: return this.index < CRTC_COUNT ? this.crtc[this.index]! : 0;
      case CGA_OFFSET.STATUS:
        this.statusPhase ^= 1;
        return this.statusPhase !== 0 ? 0x09 : 0x00;
      default: return 0xff;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    switch (offset) {
      case CGA_OFFSET.INDEX: this.index = value & 0x1f; return;
      case CGA_OFFSET.DATA: if (this.index < CRTC_COUNT) this.crtc[this.index] = value; return;
      case CGA_OFFSET.MODE: this.mode = value; return;
      case CGA_OFFSET.COLOR: this.color = value; return;
      default:
    }
  }

  /** The cursor's character offset (CRTC 0x0E:0x0F) from the start of video memory. */
  get cursor(): number {
    return (this.crtc[CRTC_REG.CURSOR_HIGH]! << 8) | this.crtc[CRTC_REG.CURSOR_LOW]!;
  }

  /** The first displayed character's offset (CRTC 0x0C:0x0D). */
  get startAddress(): number {
    return (this.crtc[CRTC_REG.START_HIGH]! << 8) | this.crtc[CRTC_REG.START_LOW]!;
  }

  /** True when the cursor is shown (CRTC 0x0A bit 5 clear). */
  get cursorVisible(): boolean {
    return (this.crtc[CRTC_REG.CURSOR_START]! & 0x20) === 0;
  }

  /**
   * The 25 rows of the screen from `ram` as text: characters 0x20–0x7E as themselves, 0 as a
   * space, others as '.'; trailing spaces kept (every row is 80 characters).
   */
  renderText(ram: Uint8Array): string[] {
    const rows: string[] = [];
    const start = CGA_TEXT_BASE + 2 * this.startAddress;
    for (let r = 0; r < CGA_ROWS; r++) {
      let line = '';
      for (let c = 0; c < CGA_COLUMNS; c++) {
        const a = start + 2 * (r * CGA_COLUMNS + c);
        const ch = a < ram.length ? ram[a]! : 0;
        line += ch === 0 ? ' ' : ch >= 0x20 && ch < 0x7f ? String.fromCharCode(ch) : '.';
      }
      rows.push(line);
    }
    return rows;
  }

  reset(): void {
    this.index = 0;
    this.crtc.fill(0);
    this.crtc[CRTC_REG.CURSOR_START] = 0x0d;
    this.crtc[CRTC_REG.CURSOR_END] = 0x0e;
    this.mode = 0x29;
    this.color = 0x30;
    this.statusPhase = 0;
  }

  saveState(): CgaState {
    return { index: this.index, crtc: [...this.crtc], mode: this.mode, color: this.color, statusPhase: this.statusPhase };
  }

  restoreState(s: CgaState): void {
    this.index = s.index;
    this.crtc.set(s.crtc);
    this.mode = s.mode;
    this.color = s.color;
    this.statusPhase = s.statusPhase;
  }
}
