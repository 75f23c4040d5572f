/** @file Intel 8254 programmable interval timer: three counters, modes 0–5, counter latch, read-back. */
import type { AccessSize, IoDevice, Snapshottable, TimedDevice } from '../device.ts';
import { NO_IRQ, type IrqLine } from '../irq-line.ts';

/** The 8254's input clock on the PC: 14.31818 MHz / 12, in Hz. */
export const PIT_HZ = 1_193_182;

/** Access modes of a control word (bits 5:4), 8254 datasheet. */
export const PIT_ACCESS = { LATCH: 0, LSB: 1, MSB: 2, LSB_MSB: 3 } as const;

/** Plain-data state of one counter. */
export interface PitChannelState {
  mode: number;
  bcd: boolean;
  access: number;
  count: number;
  counting: boolean;
  start: number;
  elapsedBase: number;
  paused: boolean;
  triggered: boolean;
  pendingCount: number;
  pendingStart: number;
  gate: boolean;
  writeMsbNext: boolean;
  writeLatch: number;
  readMsbNext: boolean;
  latched: number;
  latchedMsbNext: boolean;
  status: number;
  lastTick: number;
}

/** Plain-data state of the 8254. */
export interface I8254State {
  channels: PitChannelState[];
}

function toBcd(v: number): number {
  return (v % 10) | ((Math.floor(v / 10) % 10) << 4) | ((Math.floor(v / 100) % 10) << 8) | ((Math.floor(v / 1000) % 10) << 12);
}

function fromBcd(v: number): number {
  return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

/**
 * One counter. Time is in PIT input-clock ticks. A count written at tick t is loaded into
 * the counting element at t+1 (`start`), with value D (the count, 0 meaning 2^16 or 10^4 in
 * BCD); the counter's value and OUT at any later tick follow from the elapsed ticks in
 * closed form, so nothing runs per tick.
 */
class PitChannel {
  mode = 0;
  bcd = false;
  access: number = PIT_ACCESS.LSB_MSB;
  /** The count register as written (16 bits, BCD if `bcd`). */
  count = 0;
  /** A count has been loaded and the counting element runs (or waits for `start`). */
  counting = false;
  /** Tick at which the counting element held D. */
  start = 0;
  /** Ticks counted before a gate pause (modes 0 and 4). */
  elapsedBase = 0;
  paused = false;
  /** Modes 1 and 5: a gate trigger has started the count. */
  triggered = false;
  /** Modes 2 and 3: a new count waiting for the end of the current period (-1: none). */
  pendingCount = -1;
  pendingStart = 0;
  gate = true;
  writeMsbNext = false;
  writeLatch = 0;
  readMsbNext = false;
  /** Latched count (-1: none). */
  latched = -1;
  latchedMsbNext = false;
  /** Latched status byte (-1: none). */
  status = -1;
  /** Last tick at which OUT edges were delivered. */
  lastTick = 0;

  /** The initial count D as a number of ticks. */
  period(): number {
    if (this.bcd) return this.count === 0 ? 10000 : fromBcd(this.count);
    return this.count === 0 ? 0x10000 : this.count;
  }

  private modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Applies a pending mode 2/3 reload whose period boundary has passed. */
  sync(now: number): void {
    if (this.pendingCount >= 0 && now >= this.pendingStart) {
      this.count = this.pendingCount;
      this.start = this.pendingStart;
      this.elapsedBase = 0;
      this.pendingCount = -1;
    }
  }

  /** True while the counting element is loaded and running (or paused with a count). */
  private running(now: number): boolean {
    if (!this.counting) return false;
    if ((this.mode === 1 || this.mode === 5) && !this.triggered) return false;
    return now >= this.start || this.paused;
  }

  /** Ticks counted by `now` since the element was loaded. */
  elapsed(now: number): number {
    if (this.paused) return this.elapsedBase;
    return this.elapsedBase + Math.max(0, now - this.start);
  }

  /** OUT at tick `now`. */
  out(now: number): boolean {
    if (!this.running(now)) return this.mode !== 0;
    const d = this.period();
    const e = this.elapsed(now);
    switch (this.mode) {
      case 0:
      case 1:
        return e >= d;
      case 2:
      case 6:
        return !this.gate || e % d !== d - 1;
      case 3:
      case 7:
        return !this.gate || e % d < Math.ceil(d / 2);
      default:
        return e !== d;
    }
  }

  /** The counting element's value at `now` (binary, before any BCD conversion). */
  value(now: number): number {
    const d = this.period();
    if (!this.running(now)) return d & 0xffff;
    const e = this.elapsed(now);
    const m = this.modulus();
    switch (this.mode) {
      case 2:
      case 6:
        return d - (e % d);
      case 3:
      case 7: {
        const high = Math.ceil(d / 2);
        const p = e % d;
        const q = p < high ? p : p - high;
        return (d - 2 * q) & ~1 & 0xffff;
      }
      default:
        return (((d - e) % m) + m) % m;
    }
  }

  /** First rising edge of OUT strictly after tick `after`, or Infinity. */
  nextRise(after: number): number {
    if (this.pendingCount >= 0 && after >= this.pendingStart) this.sync(after);
    if (!this.counting || this.paused || !this.gate) return Infinity;
    if ((this.mode === 1 || this.mode === 5) && !this.triggered) return Infinity;
    const d = this.period();
    const origin = this.start - this.elapsedBase;
    switch (this.mode) {
      case 2:
      case 3:
      case 6:
      case 7: {
        const k = Math.max(1, Math.floor((after - origin) / d) + 1);
        const t = origin + k * d;
        return this.pendingCount >= 0 && t > this.pendingStart ? this.pendingStart : t;
      }
      case 0:
      case 1: {
        const t = origin + d;
        return t > after ? t : Infinity;
      }
      default: {
        const t = origin + d + 1;
        return t > after ? t : Infinity;
      }
    }
  }

  /** Rising edges of OUT in (from, to]. */
  risesBetween(from: number, to: number): number {
    let n = 0;
    let t = this.nextRise(from);
    while (t <= to) {
      n++;
      if (n > 1 && this.isPeriodic() && this.pendingCount < 0) {
        const d = this.period();
        return n + Math.floor((to - t) / d);
      }
      this.sync(t);
      t = this.nextRise(t);
    }
    return n;
  }

  private isPeriodic(): boolean {
    return this.mode === 2 || this.mode === 3 || this.mode === 6 || this.mode === 7;
  }

  /** Loads a fully written count at tick `now`. */
  load(now: number, value: number): void {
    const periodic = this.isPeriodic();
    if (periodic && this.counting && this.gate && !this.paused) {
      // Modes 2 and 3: a new count takes effect at the end of the current period.
      const d = this.period();
      const e = this.elapsed(now);
      this.pendingCount = value;
      this.pendingStart = this.start - this.elapsedBase + (Math.floor(e / d) + 1) * d;
      return;
    }
    this.count = value;
    this.counting = true;
    this.pendingCount = -1;
    this.elapsedBase = 0;
    this.start = now + 1;
    this.paused = !this.gate && this.mode !== 1 && this.mode !== 5;
    if (this.paused) this.elapsedBase = 0;
  }

  /** Gate input (only counter 2's is wired on the PC). */
  setGate(now: number, high: boolean): void {
    if (high === this.gate) return;
    this.sync(now);
    this.gate = high;
    if (!this.counting) return;
    if (high) {
      if (this.mode === 1 || this.mode === 5 || this.isPeriodic()) {
        // Rising gate: (re)trigger; modes 2/3 restart from the initial count.
        this.triggered = true;
        if (this.pendingCount >= 0) this.count = this.pendingCount;
        this.elapsedBase = 0;
        this.paused = false;
        this.start = now + 1;
        this.pendingCount = -1;
      } else if (this.paused) {
        this.paused = false;
        this.start = now + 1;
      }
    } else if (this.mode === 0 || this.mode === 4 || this.isPeriodic()) {
      this.elapsedBase = this.elapsed(now);
      this.paused = true;
    }
  }

  /** Status byte of a read-back command. */
  statusByte(now: number): number {
    const nullCount = !this.counting || now < this.start || this.pendingCount >= 0;
    return (this.out(now) ? 0x80 : 0) | (nullCount ? 0x40 : 0) | (this.access << 4) | (this.mode << 1) | (this.bcd ? 1 : 0);
  }

  latch(now: number): void {
    if (this.latched >= 0) return;
    const v = this.value(now);
    this.latched = this.bcd ? toBcd(v % 10000) : v & 0xffff;
    this.latchedMsbNext = false;
  }

  saveState(): PitChannelState {
    return {
      mode: this.mode, bcd: this.bcd, access: this.access, count: this.count, counting: this.counting,
      start: this.start, elapsedBase: this.elapsedBase, paused: this.paused, triggered: this.triggered,
      pendingCount: this.pendingCount, pendingStart: this.pendingStart, gate: this.gate,
      writeMsbNext: this.writeMsbNext, writeLatch: this.writeLatch, readMsbNext: this.readMsbNext,
      latched: this.latched, latchedMsbNext: this.latchedMsbNext, status: this.status, lastTick: this.lastTick,
    };
  }

  restoreState(s: PitChannelState): void {
    Object.assign(this, s);
  }
}

/**
 * The 8254 (ports 0x40–0x43): counters 0–2 at offsets 0–2, the control word at offset 3.
 * Counter 0's OUT drives `out0` (IRQ0 on the PC): each rising edge is delivered as a pulse
 * when the board ticks the chip at (or after) the edge's tick, which is the deadline `tick`
 * returns. Register accesses take the current tick from the injected `now` source.
 * Counter 3-byte ops follow the datasheet: LSB/MSB access, counter latch (the latched value
 * is held until read), read-back of count and status (status first when both are latched).
 * OUT edges of counters 1 and 2 are not delivered (no wire on the PC); counter 2's OUT and
 * gate are reachable through `out(2)`/`setGate(2, …)` for port 0x61.
 */
export class I8254 implements IoDevice, TimedDevice, Snapshottable<I8254State> {
  private readonly channels = [new PitChannel(), new PitChannel(), new PitChannel()];
  private readonly out0: IrqLine;
  private readonly now: () => number;
  /** Rising edges of OUT0 delivered to `out0` so far. */
  out0Edges = 0;

  constructor(out0: IrqLine = NO_IRQ, now: () => number = () => 0) {
    this.out0 = out0;
    this.now = now;
  }

  /** OUT of counter `channel` now. */
  out(channel: number): boolean {
    const t = this.now();
    const c = this.channels[channel]!;
    c.sync(t);
    return c.out(t);
  }

  /** Drives the gate of counter `channel`. */
  setGate(channel: number, high: boolean): void {
    this.channels[channel]!.setGate(this.now(), high);
  }

  /** Gate level of counter `channel`. */
  gate(channel: number): boolean {
    return this.channels[channel]!.gate;
  }

  /** Counter 0's current initial count as ticks per period (for diagnostics). */
  period(channel: number): number {
    return this.channels[channel]!.period();
  }

  /** Delivers OUT0 edges up to `now` and returns the tick of the next one (Infinity: none). */
  tick(now: number): number {
    const c = this.channels[0]!;
    const from = c.lastTick;
    if (now > from) {
      const rises = c.risesBetween(from, now);
      c.sync(now);
      c.lastTick = now;
      if (rises > 0) {
        this.out0Edges += rises;
        this.out0.setLevel(false);
        this.out0.setLevel(true);
      }
      if (!c.out(now)) this.out0.setLevel(false);
    }
    return c.nextRise(now);
  }

  read(offset: number, _size: AccessSize): number {
    if (offset === 3) return 0xff;
    const c = this.channels[offset]!;
    const now = this.now();
    c.sync(now);
    if (c.status >= 0) {
      const s = c.status;
      c.status = -1;
      return s;
    }
    let v: number;
    if (c.latched >= 0) {
      v = c.latched;
      if (c.access !== PIT_ACCESS.LSB_MSB) {
        c.latched = -1;
        return c.access === PIT_ACCESS.MSB ? (v >> 8) & 0xff : v & 0xff;
      }
      const msb = c.latchedMsbNext;
      c.latchedMsbNext = !msb;
      if (msb) c.latched = -1;
      return msb ? (v >> 8) & 0xff : v & 0xff;
    }
    const raw = c.value(now);
    v = c.bcd ? toBcd(raw % 10000) : raw & 0xffff;
    switch (c.access) {
      case PIT_ACCESS.LSB:
        return v & 0xff;
      case PIT_ACCESS.MSB:
        return (v >> 8) & 0xff;
      default: {
        const msb = c.readMsbNext;
        c.readMsbNext = !msb;
        return msb ? (v >> 8) & 0xff : v & 0xff;
      }
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    const now = this.now();
    if (offset === 3) {
      this.control(now, value);
      return;
    }
    const c = this.channels[offset]!;
    c.sync(now);
    this.deliverUpTo(now);
    switch (c.access) {
      case PIT_ACCESS.LSB:
        this.loadCount(c, now, value);
        break;
      case PIT_ACCESS.MSB:
        this.loadCount(c, now, value << 8);
        break;
      default:
        if (!c.writeMsbNext) {
          c.writeLatch = value;
          c.writeMsbNext = true;
          if (c.mode === 0) {
            // Mode 0: writing the first byte stops the count and drops OUT.
            c.counting = false;
            if (c === this.channels[0]) this.out0.setLevel(false);
          }
        } else {
          c.writeMsbNext = false;
          this.loadCount(c, now, c.writeLatch | (value << 8));
        }
    }
  }

  private loadCount(c: PitChannel, now: number, value: number): void {
    c.load(now, value);
    if (c === this.channels[0]) this.out0.setLevel(c.out(now));
  }

  /** Brings counter 0's delivered edges up to `now` before its programming changes. */
  private deliverUpTo(now: number): void {
    this.tick(now);
  }

  private control(now: number, value: number): void {
    const sc = value >> 6;
    if (sc === 3) {
      // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 3:1 select counters 2..0.
      for (let i = 0; i < 3; i++) {
        if ((value & (2 << i)) === 0) continue;
        const c = this.channels[i]!;
        c.sync(now);
        if ((value & 0x10) === 0 && c.status < 0) c.status = c.statusByte(now);
        if ((value & 0x20) === 0) c.latch(now);
      }
      return;
    }
    const c = this.channels[sc]!;
    c.sync(now);
    const access = (value >> 4) & 3;
    if (access === PIT_ACCESS.LATCH) {
      c.latch(now);
      return;
    }
    this.deliverUpTo(now);
    c.access = access;
    c.mode = (value >> 1) & 7;
    c.bcd = (value & 1) !== 0;
    c.counting = false;
    c.triggered = false;
    c.paused = false;
    c.elapsedBase = 0;
    c.pendingCount = -1;
    c.writeMsbNext = false;
    c.readMsbNext = false;
    c.latched = -1;
    c.status = -1;
    // Writing a control word sets OUT: low in mode 0, high in every other mode.
    if (sc === 0) this.out0.setLevel(c.mode !== 0);
  }

  /** Power-on state: every counter in mode 0, no count, gates high. */
  reset(): void {
    for (let i = 0; i < 3; i++) this.channels[i] = new PitChannel();
    this.out0Edges = 0;
  }

  saveState(): I8254State {
    return { channels: this.channels.map((c) => c.saveState()) };
  }

  restoreState(s: I8254State): void {
    s.channels.forEach((c, i) => this.channels[i]!.restoreState(c));
  }
}
