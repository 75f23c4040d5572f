/** @file Intel 82093AA I/O APIC: IOREGSEL/IOWIN, ID, version, 24 redirection entries, edge/level, masking, remote IRR and EOI. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';
import type { IrqLine } from '../irq-line.ts';

/** Indirect register indexes (82093AA datasheet §3.2). */
export const IOAPIC_REG = { ID: 0x00, VERSION: 0x01, ARB: 0x02, REDTBL: 0x10 } as const;

/** Redirection entries (input pins INTIN0–23). */
export const IOAPIC_PINS = 24;

/** IOAPICVER: version 0x11, maximum redirection entry 23 (82093AA datasheet §3.2.2). */
export const IOAPIC_VERSION = 0x00170011;

/** Redirection entry bits (low dword) (82093AA datasheet §3.2.4). */
export const IOAPIC_RTE = {
  VECTOR: 0xff, DELIVERY_MODE: 0x700, LOGICAL: 1 << 11, DELIVERY_STATUS: 1 << 12, ACTIVE_LOW: 1 << 13,
  REMOTE_IRR: 1 << 14, LEVEL: 1 << 15, MASKED: 1 << 16,
} as const;

/** Where the I/O APIC sends interrupt messages: the local APIC(s) on the APIC bus. */
export interface ApicBusTarget {
  /** True if the APIC answers destination `dest` (physical ID or logical mask). */
  matchesDestination(dest: number, logical: boolean): boolean;
  /** A fixed or lowest-priority message with `vector`, level- or edge-triggered. */
  accept(vector: number, level: boolean): void;
}

/** Plain-data state of the I/O APIC. */
export interface IoApicState {
  id: number;
  select: number;
  lo: number[];
  hi: number[];
  pins: boolean[];
}

/** Writable bits of a redirection entry's low dword (delivery status and remote IRR are read-only). */
const RTE_WRITABLE = 0x1ffff & ~(IOAPIC_RTE.DELIVERY_STATUS | IOAPIC_RTE.REMOTE_IRR);

/**
 * One 82093AA at chip offsets 0x00 (IOREGSEL, 8 bits used) and 0x10 (IOWIN, 32 bits): a
 * register index, then 32-bit reads and writes through the window. Each input pin has a
 * redirection entry; a pin's active edge (edge mode) or active level (level mode, while
 * remote IRR is clear) sends a message with the entry's vector to every APIC the destination
 * field addresses (fixed and lowest-priority delivery: one processor, so lowest priority is
 * that processor). A level-triggered message sets remote IRR, cleared when a local APIC
 * broadcasts an EOI for that vector (`eoi`); a line still active then sends again. Masked
 * pins send nothing (an edge that arrives masked is lost; a level is seen when unmasked).
 * Polarity (bit 13) is honoured. SMI, NMI, INIT and ExtINT delivery modes are not sent
 * (counted in `undelivered`). Power-on: every entry masked, ID 0.
 */
export class IoApic implements IoDevice, Snapshottable<IoApicState> {
  private id = 0;
  private select = 0;
  private readonly lo = new Int32Array(IOAPIC_PINS);
  private readonly hi = new Int32Array(IOAPIC_PINS);
  private readonly pins: boolean[] = new Array<boolean>(IOAPIC_PINS).fill(false);
  private readonly lines: IrqLine[] = [];
  private readonly target: ApicBusTarget;
  /** Messages for delivery modes this model does not send. */
  undelivered = 0;

  constructor(target: ApicBusTarget) {
    this.target = target;
    for (let i = 0; i < IOAPIC_PINS; i++) this.lines.push({ setLevel: (high) => this.setPin(i, high) });
    this.reset();
  }

  /** The wire into input pin `pin` (0–23). */
  pinLine(pin: number): IrqLine {
    const line = this.lines[pin];
    if (!line) throw new RangeError(`no INTIN${pin} on the I/O APIC`);
    return line;
  }

  /** Drives input pin `pin` to `high` (electrical level; the entry's polarity decides what is active). */
  setPin(pin: number, high: boolean): void {
    const was = this.pins[pin]!;
    this.pins[pin] = high;
    const rte = this.lo[pin]!;
    const activeLow = (rte & IOAPIC_RTE.ACTIVE_LOW) !== 0;
    const active = high !== activeLow;
    const wasActive = was !== activeLow;
    if ((rte & IOAPIC_RTE.LEVEL) !== 0) {
      if (active) this.service(pin);
    } else if (active && !wasActive) {
      this.service(pin);
    }
  }

  /** A local APIC's EOI for `vector`: clears remote IRR of the level entries with that vector. */
  eoi(vector: number): void {
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const rte = this.lo[pin]!;
      if ((rte & IOAPIC_RTE.LEVEL) !== 0 && (rte & 0xff) === vector && (rte & IOAPIC_RTE.REMOTE_IRR) !== 0) {
        this.lo[pin] = rte & ~IOAPIC_RTE.REMOTE_IRR;
        this.levelCheck(pin);
      }
    }
  }

  /** Sends pin `pin`'s message if its entry allows it now. */
  private service(pin: number): void {
    const rte = this.lo[pin]!;
    if ((rte & IOAPIC_RTE.MASKED) !== 0) return;
    const level = (rte & IOAPIC_RTE.LEVEL) !== 0;
    if (level && (rte & IOAPIC_RTE.REMOTE_IRR) !== 0) return;
    const mode = (rte >> 8) & 7;
    if (mode !== 0 && mode !== 1) {
      this.undelivered++;
      return;
    }
    const dest = (this.hi[pin]! >>> 24) & 0xff;
    if (!this.target.matchesDestination(dest, (rte & IOAPIC_RTE.LOGICAL) !== 0)) return;
    if (level) this.lo[pin] = rte | IOAPIC_RTE.REMOTE_IRR;
    this.target.accept(rte & 0xff, level);
  }

  /** A level entry whose line is still active is sent again (after unmasking or an EOI). */
  private levelCheck(pin: number): void {
    const rte = this.lo[pin]!;
    if ((rte & IOAPIC_RTE.LEVEL) === 0) return;
    const active = this.pins[pin]! !== ((rte & IOAPIC_RTE.ACTIVE_LOW) !== 0);
    if (active) this.service(pin);
  }

  read(offset: number, _size: AccessSize): number {
    if (offset === 0) return this.select;
    if (offset !== 0x10) return 0;
    const r = this.select;
    if (r === IOAPIC_REG.ID || r === IOAPIC_REG.ARB) return (this.id << 24) >>> 0;
    if (r === IOAPIC_REG.VERSION) return IOAPIC_VERSION;
    if (r >= IOAPIC_REG.REDTBL && r < IOAPIC_REG.REDTBL + 2 * IOAPIC_PINS) {
      const pin = (r - IOAPIC_REG.REDTBL) >> 1;
      return ((r & 1) === 0 ? this.lo[pin]! : this.hi[pin]!) >>> 0;
    }
    return 0;
  }

  write(offset: number, _size: AccessSize, value: number): void {
    if (offset === 0) {
      this.select = value & 0xff;
      return;
    }
    if (offset !== 0x10) return;
    const r = this.select;
    if (r === IOAPIC_REG.ID) {
      this.id = (value >>> 24) & 0x0f;
      return;
    }
    if (r >= IOAPIC_REG.REDTBL && r < IOAPIC_REG.REDTBL + 2 * IOAPIC_PINS) {
      const pin = (r - IOAPIC_REG.REDTBL) >> 1;
      if ((r & 1) === 1) {
        this.hi[pin] = value & 0xff000000;
        return;
      }
      const old = this.lo[pin]!;
      let v = (value & RTE_WRITABLE) | (old & IOAPIC_RTE.REMOTE_IRR);
      // Remote IRR has no meaning for edge entries.
      if ((v & IOAPIC_RTE.LEVEL) === 0) v &= ~IOAPIC_RTE.REMOTE_IRR;
      this.lo[pin] = v;
      if ((v & IOAPIC_RTE.MASKED) === 0) this.levelCheck(pin);
    }
  }

  /** Power-on state: ID 0, every entry masked with the other fields 0. */
  reset(): void {
    this.id = 0;
    this.select = 0;
    this.lo.fill(IOAPIC_RTE.MASKED);
    this.hi.fill(0);
    this.undelivered = 0;
  }

  saveState(): IoApicState {
    return { id: this.id, select: this.select, lo: [...this.lo], hi: [...this.hi], pins: [...this.pins] };
  }

  restoreState(s: IoApicState): void {
    this.id = s.id;
    this.select = s.select;
    this.lo.set(s.lo);
    this.hi.set(s.hi);
    for (let i = 0; i < IOAPIC_PINS; i++) this.pins[i] = s.pins[i] ?? false;
  }
}
