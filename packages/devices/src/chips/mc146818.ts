/** @file Motorola MC146818 real-time clock and CMOS RAM (ports 0x70–0x71), with the PC's NMI mask bit. */
import type { AccessSize, IoDevice, Snapshottable, TimedDevice } from '../device.ts';
import { NO_IRQ, type IrqLine } from '../irq-line.ts';

/** The RTC's time base (a 32.768 kHz crystal, divider DV = 010). */
export const RTC_HZ = 32_768;

/**
 * Default epoch: the guest's wall clock at tick 0, in Unix seconds. 2006-10-21T00:00:00Z, the
 * Saturday ASPLOS XII opened, so that every run sees the same date unless told otherwise.
 */
export const DEFAULT_RTC_EPOCH = 1_161_388_800;

/** Register indexes (MC146818 datasheet; 0x32 is the PC's century byte). */
export const RTC_REG = {
  SECONDS: 0x00, SECONDS_ALARM: 0x01, MINUTES: 0x02, MINUTES_ALARM: 0x03, HOURS: 0x04, HOURS_ALARM: 0x05,
  DAY_OF_WEEK: 0x06, DAY_OF_MONTH: 0x07, MONTH: 0x08, YEAR: 0x09, A: 0x0a, B: 0x0b, C: 0x0c, D: 0x0d, CENTURY: 0x32,
} as const;

/** Register B bits. */
export const RTC_B = { SET: 0x80, PIE: 0x40, AIE: 0x20, UIE: 0x10, SQWE: 0x08, DM: 0x04, H24: 0x02, DSE: 0x01 } as const;
/** Register C bits. */
export const RTC_C = { IRQF: 0x80, PF: 0x40, AF: 0x20, UF: 0x10 } as const;

/** Update-in-progress window before each second's update: 244 µs, 8 ticks of 32.768 kHz. */
const UIP_TICKS = 8;

/** Plain-data state of the RTC. */
export interface Mc146818State {
  cmos: number[];
  index: number;
  nmiMasked: boolean;
  offsetSeconds: number;
  flags: number;
  lastTick: number;
}

/** Periodic-interrupt period in ticks for rate select `rs` (0: none). */
export function periodicTicks(rs: number): number {
  if (rs === 0) return 0;
  if (rs <= 2) return 1 << (rs + 6);
  return 1 << (rs - 1);
}

/**
 * The RTC and its 128 bytes of CMOS. Time is virtual: at RTC tick `now` (32.768 kHz ticks since
 * power-on) the clock reads `epoch + ⌊now / 32768⌋ + offset` seconds (UTC), where `offset`
 * changes only when the guest writes the time registers. The registers follow the data-mode
 * bits of register B (BCD or binary, 12- or 24-hour). Register C's PF/UF/AF flags are raised
 * at their ticks (periodic rate of register A; once a second when SET is clear; alarm match),
 * IRQ8 (through the injected line) is high while IRQF is set, and reading C clears them.
 * Register A's UIP bit reads 1 during the last 244 µs of every second. Writing port 0x70 with
 * bit 7 set masks NMI (`nmiMasked`); the index is bits 6:0.
 */
export class Mc146818 implements IoDevice, TimedDevice, Snapshottable<Mc146818State> {
  /** Wall-clock seconds (Unix) at tick 0. */
  readonly epoch: number;
  /** True while port 0x70 bit 7 masks NMI. */
  nmiMasked = false;
  private readonly cmos = new Uint8Array(128);
  private index = 0;
  private offsetSeconds = 0;
  private flags = 0;
  private lastTick = 0;
  private readonly irq: IrqLine;
  private readonly now: () => number;

  constructor(irq: IrqLine = NO_IRQ, now: () => number = () => 0, epoch: number = DEFAULT_RTC_EPOCH) {
    this.irq = irq;
    this.now = now;
    this.epoch = epoch;
    this.powerOn();
  }

  private powerOn(): void {
    this.cmos.fill(0);
    this.cmos[RTC_REG.A] = 0x26; // DV = 010 (32.768 kHz), RS = 0110 (1024 Hz)
    this.cmos[RTC_REG.B] = RTC_B.H24;
    this.cmos[RTC_REG.D] = 0x80; // VRT: the battery is good
    this.index = 0;
    this.nmiMasked = false;
    this.offsetSeconds = 0;
    this.flags = 0;
    this.lastTick = 0;
  }

  /** Sets a CMOS RAM byte (the board's memory-size and equipment bytes). */
  setCmos(index: number, value: number): void {
    this.cmos[index & 0x7f] = value & 0xff;
  }

  /** A CMOS byte as stored (no clock conversion). */
  getCmos(index: number): number {
    return this.cmos[index & 0x7f]!;
  }

  /** The guest's wall clock at tick `now`, in Unix seconds. */
  secondsAt(now: number): number {
    return this.epoch + Math.floor(now / RTC_HZ) + this.offsetSeconds;
  }

  /** Raises PF/UF/AF for every event in (lastTick, now]. */
  private advance(now: number): void {
    const from = this.lastTick;
    if (now <= from) return;
    this.lastTick = now;
    const b = this.cmos[RTC_REG.B]!;
    const period = periodicTicks(this.cmos[RTC_REG.A]! & 0x0f);
    if (period > 0 && Math.floor(now / period) > Math.floor(from / period)) this.flags |= RTC_C.PF;
    if ((b & RTC_B.SET) === 0 && Math.floor(now / RTC_HZ) > Math.floor(from / RTC_HZ)) {
      this.flags |= RTC_C.UF;
      if (this.alarmMatchedIn(from, now)) this.flags |= RTC_C.AF;
    }
    this.updateIrq();
  }

  /** True if some second boundary in (from, now] lands on the alarm time. */
  private alarmMatchedIn(from: number, now: number): boolean {
    const first = Math.floor(from / RTC_HZ) + 1;
    const last = Math.floor(now / RTC_HZ);
    for (let s = Math.max(first, last - 86400); s <= last; s++) {
      const t = this.epoch + s + this.offsetSeconds;
      if (this.alarmMatches(t)) return true;
    }
    return false;
  }

  private alarmMatches(t: number): boolean {
    const d = new Date(t * 1000);
    const want = [
      [RTC_REG.SECONDS_ALARM, d.getUTCSeconds()],
      [RTC_REG.MINUTES_ALARM, d.getUTCMinutes()],
      [RTC_REG.HOURS_ALARM, d.getUTCHours()],
    ] as const;
    for (const [reg, actual] of want) {
      const raw = this.cmos[reg]!;
      if ((raw & 0xc0) === 0xc0) continue; // "don't care"
      const value = reg === RTC_REG.HOURS_ALARM ? this.decodeHour(raw) : this.decode(raw);
      if (value !== actual) return false;
    }
    return true;
  }

  private updateIrq(): void {
    const b = this.cmos[RTC_REG.B]!;
    const active = this.flags & (((b & RTC_B.PIE) ? RTC_C.PF : 0) | ((b & RTC_B.AIE) ? RTC_C.AF : 0) | ((b & RTC_B.UIE) ? RTC_C.UF : 0));
    if (active) this.flags |= RTC_C.IRQF;
    this.irq.setLevel((this.flags & RTC_C.IRQF) !== 0);
  }

  /** Raises due flags and returns the next tick at which an enabled interrupt fires. */
  tick(now: number): number {
    this.advance(now);
    const b = this.cmos[RTC_REG.B]!;
    let next = Infinity;
    const period = periodicTicks(this.cmos[RTC_REG.A]! & 0x0f);
    if ((b & RTC_B.PIE) && period > 0) next = (Math.floor(now / period) + 1) * period;
    if ((b & (RTC_B.UIE | RTC_B.AIE)) && (b & RTC_B.SET) === 0) next = Math.min(next, (Math.floor(now / RTC_HZ) + 1) * RTC_HZ);
    return next;
  }

  private binary(): boolean {
    return (this.cmos[RTC_REG.B]! & RTC_B.DM) !== 0;
  }

  private encode(v: number): number {
    return this.binary() ? v : ((Math.floor(v / 10) << 4) | (v % 10));
  }

  private decode(v: number): number {
    return this.binary() ? v : ((v >> 4) * 10 + (v & 0x0f));
  }

  private encodeHour(h: number): number {
    if (this.cmos[RTC_REG.B]! & RTC_B.H24) return this.encode(h);
    const pm = h >= 12 ? 0x80 : 0;
    return this.encode(h % 12 === 0 ? 12 : h % 12) | pm;
  }

  private decodeHour(raw: number): number {
    if (this.cmos[RTC_REG.B]! & RTC_B.H24) return this.decode(raw);
    const h = this.decode(raw & 0x7f) % 12;
    return raw & 0x80 ? h + 12 : h;
  }

  /** The value of clock register `reg` at Unix time `t`. */
  private clockRegister(reg: number, t: number): number {
    const d = new Date(t * 1000);
    switch (reg) {
      case RTC_REG.SECONDS:
        return this.encode(d.getUTCSeconds());
      case RTC_REG.MINUTES:
        return this.encode(d.getUTCMinutes());
      case RTC_REG.HOURS:
        return this.encodeHour(d.getUTCHours());
      case RTC_REG.DAY_OF_WEEK:
        return this.encode(d.getUTCDay() + 1);
      case RTC_REG.DAY_OF_MONTH:
        return this.encode(d.getUTCDate());
      case RTC_REG.MONTH:
        return this.encode(d.getUTCMonth() + 1);
      case RTC_REG.YEAR:
        return this.encode(d.getUTCFullYear() % 100);
      default:
        return this.encode(Math.floor(d.getUTCFullYear() / 100));
    }
  }

  /** Writing a clock register moves the guest's wall clock so that the field reads `value`. */
  private setClockRegister(reg: number, value: number, now: number): void {
    const t = this.secondsAt(now);
    const d = new Date(t * 1000);
    const f = {
      year: d.getUTCFullYear(), month: d.getUTCMonth(), day: d.getUTCDate(),
      hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(),
    };
    switch (reg) {
      case RTC_REG.SECONDS: f.second = this.decode(value); break;
      case RTC_REG.MINUTES: f.minute = this.decode(value); break;
      case RTC_REG.HOURS: f.hour = this.decodeHour(value); break;
      case RTC_REG.DAY_OF_MONTH: f.day = this.decode(value); break;
      case RTC_REG.MONTH: f.month = this.decode(value) - 1; break;
      case RTC_REG.YEAR: f.year = Math.floor(f.year / 100) * 100 + this.decode(value); break;
      case RTC_REG.CENTURY: f.year = this.decode(value) * 100 + (f.year % 100); break;
      default: return; // day of week follows from the date
    }
    const target = Date.UTC(f.year, f.month, f.day, f.hour, f.minute, f.second) / 1000;
    this.offsetSeconds += target - t;
  }

  read(offset: number, _size: AccessSize): number {
    if (offset === 0) return 0xff;
    const now = this.now();
    this.advance(now);
    const i = this.index;
    switch (i) {
      case RTC_REG.SECONDS: case RTC_REG.MINUTES: case RTC_REG.HOURS: case RTC_REG.DAY_OF_WEEK:
      case RTC_REG.DAY_OF_MONTH: case RTC_REG.MONTH: case RTC_REG.YEAR: case RTC_REG.CENTURY:
        return this.clockRegister(i, this.secondsAt(now));
      case RTC_REG.A: {
        const uip = (this.cmos[RTC_REG.B]! & RTC_B.SET) === 0 && now % RTC_HZ >= RTC_HZ - UIP_TICKS;
        return (this.cmos[RTC_REG.A]! & 0x7f) | (uip ? 0x80 : 0);
      }
      case RTC_REG.C: {
        const v = this.flags;
        this.flags = 0;
        this.updateIrq();
        return v;
      }
      default:
        return this.cmos[i]!;
    }
  }

  write(offset: number, _size: AccessSize, value: number): void {
    value &= 0xff;
    if (offset === 0) {
      this.nmiMasked = (value & 0x80) !== 0;
      this.index = value & 0x7f;
      return;
    }
    const now = this.now();
    this.advance(now);
    const i = this.index;
    switch (i) {
      case RTC_REG.SECONDS: case RTC_REG.MINUTES: case RTC_REG.HOURS: case RTC_REG.DAY_OF_WEEK:
      case RTC_REG.DAY_OF_MONTH: case RTC_REG.MONTH: case RTC_REG.YEAR: case RTC_REG.CENTURY:
        this.setClockRegister(i, value, now);
        return;
      case RTC_REG.A:
        this.cmos[i] = value & 0x7f;
        return;
      case RTC_REG.B:
        // Setting SET stops updates and clears UIE (datasheet).
        this.cmos[i] = value & RTC_B.SET ? value & ~RTC_B.UIE : value;
        this.updateIrq();
        return;
      case RTC_REG.C:
      case RTC_REG.D:
        return;
      default:
        this.cmos[i] = value;
    }
  }

  /** Power-on state (CMOS RAM cleared; the board refills its bytes). */
  reset(): void {
    this.powerOn();
    this.irq.setLevel(false);
  }

  saveState(): Mc146818State {
    return {
      cmos: Array.from(this.cmos), index: this.index, nmiMasked: this.nmiMasked,
      offsetSeconds: this.offsetSeconds, flags: this.flags, lastTick: this.lastTick,
    };
  }

  restoreState(s: Mc146818State): void {
    this.cmos.set(s.cmos);
    this.index = s.index;
    this.nmiMasked = s.nmiMasked;
    this.offsetSeconds = s.offsetSeconds;
    this.flags = s.flags;
    this.lastTick = s.lastTick;
    this.updateIrq();
  }
}
