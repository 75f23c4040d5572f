/** @file MC146818 RTC tests: virtual wall clock from the epoch, BCD/binary/12-hour formats, UIP, periodic/update interrupts, NMI mask, setting the time. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RTC_EPOCH, Mc146818, periodicTicks, RTC_HZ } from '../../src/chips/mc146818.ts';

function setup(epoch = DEFAULT_RTC_EPOCH): { rtc: Mc146818; at: (t: number) => void; irq: { level: boolean }; reg: (i: number) => number } {
  let now = 0;
  const irq = { level: false };
  const rtc = new Mc146818({ setLevel: (h) => (irq.level = h) }, () => now, epoch);
  const reg = (i: number): number => {
    rtc.write(0, 1, i);
    return rtc.read(1, 1);
  };
  return { rtc, at: (t) => (now = t), irq, reg };
}

describe('MC146818 clock', () => {
  it('reads the default epoch 2006-10-21 00:00:00 (Saturday) in BCD at tick 0', () => {
    const { reg } = setup();
    expect([reg(9), reg(8), reg(7), reg(6), reg(4), reg(2), reg(0), reg(0x32)]).toEqual([0x06, 0x10, 0x21, 0x07, 0x00, 0x00, 0x00, 0x20]);
  });

  it('advances with virtual time only', () => {
    const { reg, at } = setup();
    at(RTC_HZ * 3725 + 5); // 1 h 2 min 5 s
    expect([reg(4), reg(2), reg(0)]).toEqual([0x01, 0x02, 0x05]);
  });

  it('binary and 12-hour formats follow register B', () => {
    const { rtc, reg, at } = setup(Date.UTC(1999, 11, 31, 23, 59, 58) / 1000);
    expect(reg(0x32)).toBe(0x19);
    rtc.write(0, 1, 0x0b);
    rtc.write(1, 1, 0x04); // binary, 12-hour
    expect([reg(4), reg(2), reg(0)]).toEqual([0x80 | 11, 59, 58]);
    at(RTC_HZ * 2);
    expect([reg(9), reg(8), reg(7), reg(4)]).toEqual([0, 1, 1, 12]);
  });

  it('UIP is set during the last 244 µs of each second', () => {
    const { reg, at } = setup();
    at(RTC_HZ - 9);
    expect(reg(0x0a)).toBe(0x26);
    at(RTC_HZ - 8);
    expect(reg(0x0a)).toBe(0xa6);
  });

  it('writing the time registers moves the clock', () => {
    const { rtc, reg, at } = setup();
    rtc.write(0, 1, 0x0b);
    rtc.write(1, 1, 0x82); // SET, 24h, BCD
    rtc.write(0, 1, 0x04);
    rtc.write(1, 1, 0x13);
    rtc.write(0, 1, 0x09);
    rtc.write(1, 1, 0x07);
    rtc.write(0, 1, 0x0b);
    rtc.write(1, 1, 0x02);
    at(RTC_HZ * 61);
    expect([reg(9), reg(8), reg(7), reg(4), reg(2), reg(0)]).toEqual([0x07, 0x10, 0x21, 0x13, 0x01, 0x01]);
  });
});

describe('MC146818 interrupts and NMI mask', () => {
  it('periodic rates follow RS: rate 6 is 1024 Hz, rate 15 is 2 Hz, rates 1–2 alias 256/128 Hz', () => {
    expect([periodicTicks(0), periodicTicks(1), periodicTicks(2), periodicTicks(3), periodicTicks(6), periodicTicks(15)]).toEqual([0, 128, 256, 4, 32, 16384]);
  });

  it('PIE raises IRQ8 at each period; reading C clears IRQF and lowers the line', () => {
    const { rtc, irq, reg } = setup();
    rtc.write(0, 1, 0x0b);
    rtc.write(1, 1, 0x42); // PIE
    expect(rtc.tick(0)).toBe(32);
    expect(irq.level).toBe(false);
    expect(rtc.tick(32)).toBe(64);
    expect(irq.level).toBe(true);
    expect(reg(0x0c)).toBe(0xc0);
    expect(irq.level).toBe(false);
    expect(reg(0x0c)).toBe(0x00);
  });

  it('UIE raises IRQ8 once a second with UF', () => {
    const { rtc, irq, reg } = setup();
    rtc.write(0, 1, 0x0b);
    rtc.write(1, 1, 0x12);
    expect(rtc.tick(0)).toBe(RTC_HZ);
    rtc.tick(RTC_HZ);
    expect(irq.level).toBe(true);
    expect(reg(0x0c) & 0x90).toBe(0x90);
  });

  it('the alarm fires when the time matches (0xC0+ is "don\'t care")', () => {
    const { rtc, reg } = setup();
    for (const [i, v] of [[1, 0x05], [3, 0xc0], [5, 0xc0], [0x0b, 0x22]] as const) {
      rtc.write(0, 1, i);
      rtc.write(1, 1, v);
    }
    rtc.tick(RTC_HZ * 4);
    expect(reg(0x0c) & 0x20).toBe(0);
    rtc.tick(RTC_HZ * 5);
    expect(reg(0x0c) & 0xa0).toBe(0xa0);
  });

  it('port 0x70 bit 7 masks NMI and does not change the index', () => {
    const { rtc } = setup();
    rtc.setCmos(0x15, 0x80);
    rtc.write(0, 1, 0x80 | 0x15);
    expect(rtc.nmiMasked).toBe(true);
    expect(rtc.read(1, 1)).toBe(0x80);
    rtc.write(0, 1, 0x15);
    expect(rtc.nmiMasked).toBe(false);
  });

  it('register D reports a valid battery; CMOS RAM keeps bytes; state round-trips', () => {
    const { rtc, reg, at } = setup();
    expect(reg(0x0d)).toBe(0x80);
    rtc.write(0, 1, 0x40);
    rtc.write(1, 1, 0x99);
    expect(reg(0x40)).toBe(0x99);
    at(RTC_HZ * 10);
    const saved = JSON.parse(JSON.stringify(rtc.saveState()));
    const other = new Mc146818(undefined, () => RTC_HZ * 10);
    other.restoreState(saved);
    other.write(0, 1, 0);
    expect(other.read(1, 1)).toBe(0x10);
    other.write(0, 1, 0x40);
    expect(other.read(1, 1)).toBe(0x99);
  });
});
