/** @file Intel 8042 keyboard controller: command byte, self tests, a keyboard with scan codes from the terminal, the CPU reset line (0xFE to port 0x64). */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';
import { NO_IRQ, type IrqLine } from '../irq-line.ts';
import { keyForChar, strokeBytes } from './keyboard-scancodes.ts';

/** Status register bits (port 0x64 read). */
export const I8042_STATUS = { OBF: 0x01, IBF: 0x02, SYS: 0x04, CMD: 0x08, UNLOCKED: 0x10, AUX_OBF: 0x20 } as const;

/** Controller commands (port 0x64 write) this model implements. */
export const I8042_CMD = {
  READ_CTR: 0x20, WRITE_CTR: 0x60, DISABLE_AUX: 0xa7, ENABLE_AUX: 0xa8, TEST_AUX: 0xa9, SELF_TEST: 0xaa,
  TEST_KBD: 0xab, DISABLE_KBD: 0xad, ENABLE_KBD: 0xae, READ_INPUT: 0xc0, READ_OUTPUT: 0xd0, WRITE_OUTPUT: 0xd1,
  WRITE_KBD_OBUF: 0xd2, WRITE_AUX_OBUF: 0xd3, WRITE_AUX: 0xd4, PULSE_RESET: 0xfe,
} as const;

/** Plain-data state of the controller. */
export interface I8042State {
  output: number[];
  ctr: number;
  outputPort: number;
  pending: number;
  lastWasCommand: boolean;
  keyboardPending: number;
  keys: number[];
  scanning: boolean;
}

/**
 * The 8042 at chip offsets 0 (port 0x60, data) and 4 (port 0x64, status/command). The
 * controller answers its self tests, keeps the command byte and output port, and a keyboard
 * behind it acknowledges commands (0xFF reset → FA AA; 0xF2 → FA AB 83; 0xEE echo). No
 * mouse is attached: bytes for the auxiliary device are dropped. Keys typed on the terminal
 * (`typeChars`) become scan codes in the keyboard's own queue: set 2, translated to set 1
 * while the command byte's bit 6 is set (as the 8042 translates); a byte moves to the output
 * buffer only when it is empty, the keyboard interface is enabled (command byte bit 4 clear)
 * and the keyboard scans (0xF4 enables, 0xF5 disables, 0xFF resets to scanning). Pulsing the reset line
 * (command 0xFE, or 0xF0–0xFF with bit 0 clear, or writing output-port bit 0 = 0 with
 * 0xD1) calls `onReset`. IRQ1 is high while the output buffer is full and the command
 * byte's bit 0 enables it.
 */
export class I8042 implements IoDevice, Snapshottable<I8042State> {
  /** Output buffer (the head is what port 0x60 returns). */
  private output: number[] = [];
  /** The command byte (CTR): bit 0 keyboard IRQ, bit 2 system flag, bit 4 keyboard off, bit 6 translate. */
  ctr = 0x45;
  /** Output port: bit 0 = not reset, bit 1 = A20 enabled. */
  outputPort = 0x03;
  /** A command waiting for its data byte (0: none). */
  private pending = 0;
  private lastWasCommand = false;
  /** A keyboard command waiting for its parameter (0: none). */
  private keyboardPending = 0;
  /** Scan codes the keyboard has not handed to the controller yet. */
  private keys: number[] = [];
  /** The keyboard scans (0xF4 / reset) or not (0xF5). */
  private scanning = true;
  /** Reset pulses requested so far. */
  resets = 0;
  private readonly irq: IrqLine;
  private readonly onReset: () => void;

  constructor(onReset: () => void = () => {}, irq: IrqLine = NO_IRQ) {
    this.onReset = onReset;
    this.irq = irq;
  }

  private push(...bytes: number[]): void {
    for (const b of bytes) this.output.push(b & 0xff);
    this.update();
  }

  /** Terminal bytes typed on the keyboard; characters the US layout lacks are dropped (returns how many were taken). */
  typeChars(bytes: Iterable<number>): number {
    let taken = 0;
    for (const b of bytes) {
      const k = keyForChar(b === 10 ? 13 : b);
      if (!k) continue;
      for (const code of strokeBytes(k, (this.ctr & 0x40) !== 0)) this.keys.push(code);
      taken++;
    }
    this.feed();
    return taken;
  }

  /** Scan codes still queued in the keyboard. */
  get queuedKeys(): number {
    return this.keys.length;
  }

  /** Moves one keyboard byte into an empty output buffer while the interface is enabled. */
  private feed(): void {
    if (this.output.length === 0 && this.keys.length > 0 && this.scanning && (this.ctr & 0x10) === 0) {
      this.output.push(this.keys.shift()!);
      this.update();
    }
  }

  private update(): void {
    this.irq.setLevel(this.output.length > 0 && (this.ctr & 0x01) !== 0);
  }

  private reset(): void {
    this.resets++;
    this.onReset();
  }

  read(offset: number, _size: AccessSize): number {
    if (offset === 4) {
      return (this.output.length > 0 ? I8042_STATUS.OBF : 0) | (this.ctr & I8042_STATUS.SYS) |
        (this.lastWasCommand ? I8042_STATUS.CMD : 0) | I8042_STATUS.UNLOCKED;
    }
    const v = this.output.length > 0 ? this.output.shift()! : 0;
    this.update();
    this.feed();
    return v;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if (offset === 4) {
      this.lastWasCommand = true;
      this.command(value);
      return;
    }
    this.lastWasCommand = false;
    const cmd = this.pending;
    this.pending = 0;
    switch (cmd) {
      case I8042_CMD.WRITE_CTR:
        this.ctr = value;
        this.update();
        this.feed();
        return;
      case I8042_CMD.WRITE_OUTPUT:
        this.outputPort = value;
        if ((value & 0x01) === 0) this.reset();
        return;
      case I8042_CMD.WRITE_KBD_OBUF:
      case I8042_CMD.WRITE_AUX_OBUF:
        this.push(value);
        return;
      case I8042_CMD.WRITE_AUX:
        return;
      default:
        this.keyboard(value);
    }
  }

  private command(value: number): void {
    switch (value) {
      case I8042_CMD.READ_CTR: this.push(this.ctr); break;
      case I8042_CMD.WRITE_CTR:
      case I8042_CMD.WRITE_OUTPUT:
      case I8042_CMD.WRITE_KBD_OBUF:
      case I8042_CMD.WRITE_AUX_OBUF:
      case I8042_CMD.WRITE_AUX:
        this.pending = value;
        break;
      case I8042_CMD.DISABLE_AUX: this.ctr |= 0x20; break;
      case I8042_CMD.ENABLE_AUX: this.ctr &= ~0x20; break;
      case I8042_CMD.TEST_AUX: this.push(0x00); break;
      case I8042_CMD.SELF_TEST: this.ctr |= 0x04; this.push(0x55); break;
      case I8042_CMD.TEST_KBD: this.push(0x00); break;
      case I8042_CMD.DISABLE_KBD: this.ctr |= 0x10; break;
      case I8042_CMD.ENABLE_KBD: this.ctr &= ~0x10; this.feed(); break;
      case I8042_CMD.READ_INPUT: this.push(0x80); break;
      case I8042_CMD.READ_OUTPUT: this.push(this.outputPort); break;
      default:
        // 0xF0–0xFF pulse output-port lines low; bit 0 is the CPU reset line.
        if (value >= 0xf0 && (value & 0x01) === 0) this.reset();
    }
  }

  private keyboard(value: number): void {
    if (this.keyboardPending !== 0) {
      this.keyboardPending = 0;
      this.push(0xfa);
      return;
    }
    switch (value) {
      case 0xff: this.keys = []; this.scanning = true; this.push(0xfa, 0xaa); break;
      case 0xf4: this.scanning = true; this.push(0xfa); break;
      case 0xf5: this.scanning = false; this.push(0xfa); break;
      case 0xf2: this.push(0xfa, 0xab, 0x83); break;
      case 0xee: this.push(0xee); break;
      case 0xed:
      case 0xf0:
      case 0xf3:
        this.keyboardPending = value;
        this.push(0xfa);
        break;
      default: this.push(0xfa);
    }
  }

  /** Power-on state. */
  powerOn(): void {
    this.output = [];
    this.ctr = 0x45;
    this.outputPort = 0x03;
    this.pending = 0;
    this.lastWasCommand = false;
    this.keyboardPending = 0;
    this.keys = [];
    this.scanning = true;
    this.resets = 0;
    this.update();
  }

  saveState(): I8042State {
    return {
      output: [...this.output], ctr: this.ctr, outputPort: this.outputPort, pending: this.pending,
      lastWasCommand: this.lastWasCommand, keyboardPending: this.keyboardPending, keys: [...this.keys], scanning: this.scanning,
    };
  }

  restoreState(s: I8042State): void {
    this.output = [...s.output];
    this.ctr = s.ctr;
    this.outputPort = s.outputPort;
    this.pending = s.pending;
    this.lastWasCommand = s.lastWasCommand;
    this.keyboardPending = s.keyboardPending;
    this.keys = [...(s.keys ?? [])];
    this.scanning = s.scanning ?? true;
    this.update();
  }
}
