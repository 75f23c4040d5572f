/** @file National Semiconductor 16550A UART: registers, 16-byte receive FIFO, interrupts, loopback. */
import type { AccessSize, IoDevice, Snapshottable, TimedDevice } from '../device.ts';
import type { ByteSource } from '../byte-queue.ts';
import { NO_IRQ, type IrqLine } from '../irq-line.ts';

/** Line status register bits (16550A datasheet). */
export const LSR = { DR: 0x01, OE: 0x02, PE: 0x04, FE: 0x08, BI: 0x10, THRE: 0x20, TEMT: 0x40, RXFE: 0x80 } as const;
/** Interrupt enable register bits. */
export const IER = { ERBFI: 0x01, ETBEI: 0x02, ELSI: 0x04, EDSSI: 0x08 } as const;
/** Interrupt identification codes (IIR bits 3:0); bits 7:6 are 11 while the FIFOs are enabled. */
export const IIR = { NONE: 0x01, RLS: 0x06, RDA: 0x04, CTI: 0x0c, THRE: 0x02, MS: 0x00, FIFO: 0xc0 } as const;
/** Modem control register bits. */
export const MCR = { DTR: 0x01, RTS: 0x02, OUT1: 0x04, OUT2: 0x08, LOOP: 0x10 } as const;
/** Modem status register bits. */
export const MSR = { DCTS: 0x01, DDSR: 0x02, TERI: 0x04, DDCD: 0x08, CTS: 0x10, DSR: 0x20, RI: 0x40, DCD: 0x80 } as const;

const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
/** Modem inputs when not in loopback: the host side is always ready (CTS, DSR, DCD asserted). */
const LINE_MSR = MSR.CTS | MSR.DSR | MSR.DCD;

/** Plain-data state of the UART. */
export interface Uart16550State {
  rx: number[];
  ier: number;
  lcr: number;
  mcr: number;
  lsrErrors: number;
  msr: number;
  scr: number;
  dll: number;
  dlm: number;
  fcr: number;
  thrInterrupt: boolean;
  transmitted: number;
}

/**
 * The 16550A at offsets 0–7 (COM1 is 0x3F8 on IRQ4). Transmission is instantaneous: a byte
 * written to THR goes to the injected `sink` at once, so THRE and TEMT always read 1 and the
 * THRE interrupt (when ETBEI is enabled) is pending again right after each THR write; it is
 * cleared by reading IIR while it is the reported source, or by writing THR. Received bytes
 * are pulled from the injected `source` whenever the receiver has room (on RBR/LSR/IIR reads
 * and on `tick`), so a host queue never overruns; in loopback (MCR.LOOP) transmitted bytes
 * enter the receiver instead, and the modem inputs mirror MCR. The character-timeout
 * interrupt (IIR 0x0C) is reported at once while the FIFO holds fewer bytes than the trigger
 * level (no 4-character delay). The interrupt output is not gated by MCR.OUT2, matching QEMU.
 */
export class Uart16550 implements IoDevice, TimedDevice, Snapshottable<Uart16550State> {
  private readonly rx = new Uint8Array(FIFO_SIZE);
  private rxHead = 0;
  private rxCount = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  /** Sticky error bits of LSR (OE, PE, FE, BI), cleared by reading LSR. */
  private lsrErrors = 0;
  private msr = LINE_MSR;
  private scr = 0;
  private dll = 0x0c;
  private dlm = 0;
  private fcr = 0;
  private thrInterrupt = false;
  /** Bytes sent to the sink (not counting loopback). */
  transmitted = 0;

  private readonly irq: IrqLine;
  private readonly sink: (byte: number) => void;
  private readonly source: ByteSource | null;

  constructor(irq: IrqLine = NO_IRQ, sink: (byte: number) => void = () => {}, source: ByteSource | null = null) {
    this.irq = irq;
    this.sink = sink;
    this.source = source;
  }

  /** The divisor latch (DLM:DLL); the baud rate is 115200 / divisor. */
  divisor(): number {
    return (this.dlm << 8) | this.dll;
  }

  private fifoEnabled(): boolean {
    return (this.fcr & 0x01) !== 0;
  }

  private capacity(): number {
    return this.fifoEnabled() ? FIFO_SIZE : 1;
  }

  /** Puts one byte into the receiver; a full receiver sets OE and drops it. */
  private receive(byte: number): void {
    if (this.rxCount >= this.capacity()) {
      this.lsrErrors |= LSR.OE;
      return;
    }
    this.rx[(this.rxHead + this.rxCount) % FIFO_SIZE] = byte;
    this.rxCount++;
  }

  /** Pulls waiting host bytes into the receiver while it has room. */
  private pull(): void {
    const src = this.source;
    if (src === null || (this.mcr & MCR.LOOP) !== 0) return;
    while (this.rxCount < this.capacity()) {
      const b = src.read();
      if (b < 0) break;
      this.receive(b);
    }
  }

  /** IIR's interrupt code now (without the FIFO bits). */
  private interruptId(): number {
    const ier = this.ier;
    if ((ier & IER.ELSI) !== 0 && (this.lsrErrors & (LSR.OE | LSR.PE | LSR.FE | LSR.BI)) !== 0) return IIR.RLS;
    if ((ier & IER.ERBFI) !== 0 && this.rxCount > 0) {
      if (!this.fifoEnabled()) return IIR.RDA;
      return this.rxCount >= TRIGGER_LEVELS[this.fcr >> 6]! ? IIR.RDA : IIR.CTI;
    }
    if ((ier & IER.ETBEI) !== 0 && this.thrInterrupt) return IIR.THRE;
    if ((ier & IER.EDSSI) !== 0 && (this.msr & 0x0f) !== 0) return IIR.MS;
    return IIR.NONE;
  }

  private update(): void {
    this.irq.setLevel(this.interruptId() !== IIR.NONE);
  }

  private transmit(byte: number): void {
    if (this.mcr & MCR.LOOP) {
      this.receive(byte);
    } else {
      this.transmitted++;
      this.sink(byte);
    }
    // The byte left THR at once: THR is empty again, which is a new THRE event.
    this.thrInterrupt = true;
  }

  private lsr(): number {
    let v = LSR.THRE | LSR.TEMT | this.lsrErrors;
    if (this.rxCount > 0) v |= LSR.DR;
    return v;
  }

  /** Modem status bits 7:4 from MCR in loopback, from the host side otherwise. */
  private modemInputs(): number {
    const m = this.mcr;
    if ((m & MCR.LOOP) === 0) return LINE_MSR;
    return ((m & MCR.RTS) ? MSR.CTS : 0) | ((m & MCR.DTR) ? MSR.DSR : 0) | ((m & MCR.OUT1) ? MSR.RI : 0) | ((m & MCR.OUT2) ? MSR.DCD : 0);
  }

  private setModemInputs(next: number): void {
    const prev = this.msr & 0xf0;
    let delta = this.msr & 0x0f;
    if ((prev ^ next) & MSR.CTS) delta |= MSR.DCTS;
    if ((prev ^ next) & MSR.DSR) delta |= MSR.DDSR;
    if ((prev & MSR.RI) !== 0 && (next & MSR.RI) === 0) delta |= MSR.TERI;
    if ((prev ^ next) & MSR.DCD) delta |= MSR.DDCD;
    this.msr = next | delta;
  }

  /** Pulls host input (the board calls this on every tick); needs no deadline of its own. */
  tick(_now: number): number {
    const before = this.rxCount;
    this.pull();
    if (this.rxCount !== before) this.update();
    return Infinity;
  }

  read(offset: number, _size: AccessSize): number {
    const dlab = (this.lcr & 0x80) !== 0;
    let v = 0;
    switch (offset) {
      case 0:
        if (dlab) return this.dll;
        this.pull();
        if (this.rxCount > 0) {
          v = this.rx[this.rxHead]!;
          this.rxHead = (this.rxHead + 1) % FIFO_SIZE;
          this.rxCount--;
          this.pull();
        }
        break;
      case 1:
        return dlab ? this.dlm : this.ier;
      case 2: {
        this.pull();
        const id = this.interruptId();
        if (id === IIR.THRE) this.thrInterrupt = false;
        v = id | (this.fifoEnabled() ? IIR.FIFO : 0);
        break;
      }
      case 3:
        return this.lcr;
      case 4:
        return this.mcr;
      case 5:
        this.pull();
        v = this.lsr();
        this.lsrErrors = 0;
        break;
      case 6:
        v = this.msr;
        this.msr &= 0xf0;
        break;
      default:
        return this.scr;
    }
    this.update();
    return v;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    const dlab = (this.lcr & 0x80) !== 0;
    switch (offset) {
      case 0:
        if (dlab) {
          this.dll = value;
          return;
        }
        this.thrInterrupt = false;
        this.transmit(value);
        break;
      case 1: {
        if (dlab) {
          this.dlm = value;
          return;
        }
        const enabling = (value & IER.ETBEI) !== 0 && (this.ier & IER.ETBEI) === 0;
        this.ier = value & 0x0f;
        // Enabling the THRE interrupt while THR is empty raises it at once.
        if (enabling) this.thrInterrupt = true;
        break;
      }
      case 2: {
        const toggled = ((value ^ this.fcr) & 0x01) !== 0;
        if (toggled || (value & 0x02)) {
          this.rxHead = 0;
          this.rxCount = 0;
        }
        this.fcr = value & 0xc9;
        if (toggled) this.pull();
        break;
      }
      case 3:
        this.lcr = value;
        return;
      case 4:
        this.mcr = value & 0x1f;
        this.setModemInputs(this.modemInputs());
        this.pull();
        break;
      case 5:
      case 6:
        return;
      default:
        this.scr = value;
        return;
    }
    this.update();
  }

  /** Power-on state (the divisor reads 12, i.e. 9600 baud). */
  reset(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.ier = 0;
    this.lcr = 0;
    this.mcr = 0;
    this.lsrErrors = 0;
    this.msr = LINE_MSR;
    this.scr = 0;
    this.dll = 0x0c;
    this.dlm = 0;
    this.fcr = 0;
    this.thrInterrupt = false;
    this.transmitted = 0;
    this.update();
  }

  saveState(): Uart16550State {
    const rx: number[] = [];
    for (let i = 0; i < this.rxCount; i++) rx.push(this.rx[(this.rxHead + i) % FIFO_SIZE]!);
    return {
      rx, ier: this.ier, lcr: this.lcr, mcr: this.mcr, lsrErrors: this.lsrErrors, msr: this.msr, scr: this.scr,
      dll: this.dll, dlm: this.dlm, fcr: this.fcr, thrInterrupt: this.thrInterrupt, transmitted: this.transmitted,
    };
  }

  restoreState(s: Uart16550State): void {
    this.rx.fill(0);
    s.rx.forEach((b, i) => (this.rx[i] = b));
    this.rxHead = 0;
    this.rxCount = s.rx.length;
    this.ier = s.ier;
    this.lcr = s.lcr;
    this.mcr = s.mcr;
    this.lsrErrors = s.lsrErrors;
    this.msr = s.msr;
    this.scr = s.scr;
    this.dll = s.dll;
    this.dlm = s.dlm;
    this.fcr = s.fcr;
    this.thrInterrupt = s.thrInterrupt;
    this.transmitted = s.transmitted;
    this.update();
  }
}
