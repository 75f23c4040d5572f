/** @file 8254 PIT tests against the datasheet: modes 0–5, OUT waveforms, counter latch, read-back, BCD, gate, IRQ edges. */
import { describe, expect, it } from 'vitest';
import { I8254 } from '../../src/chips/i8254.ts';
import type { IrqLine } from '../../src/irq-line.ts';

/** An IrqLine that records every level it is driven to. */
class RecordingLine implements IrqLine {
  levels: boolean[] = [];
  setLevel(high: boolean): void {
    this.levels.push(high);
  }
  rises(): number {
    let n = 0;
    for (let i = 1; i < this.levels.length; i++) if (this.levels[i] && !this.levels[i - 1]) n++;
    return n;
  }
}

function setup(): { pit: I8254; line: RecordingLine; at: (t: number) => void } {
  let now = 0;
  const line = new RecordingLine();
  const pit = new I8254(line, () => now);
  return { pit, line, at: (t) => (now = t) };
}

/** Programs counter `ch` with a control word and a 16-bit count (LSB then MSB). */
function program(pit: I8254, ch: number, mode: number, count: number, bcd = false): void {
  pit.write(3, 1, (ch << 6) | 0x30 | (mode << 1) | (bcd ? 1 : 0));
  pit.write(ch, 1, count & 0xff);
  pit.write(ch, 1, count >> 8);
}

function readCount(pit: I8254, ch: number): number {
  pit.write(3, 1, ch << 6); // counter latch
  const lo = pit.read(ch, 1);
  return lo | (pit.read(ch, 1) << 8);
}

describe('8254 mode 2 (rate generator)', () => {
  it('counts down from N, drops OUT for one clock at count 1, and rises every N clocks', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 100); // written at tick 0, loaded at tick 1
    at(1);
    expect(readCount(pit, 0)).toBe(100);
    at(50);
    expect(readCount(pit, 0)).toBe(51);
    at(99);
    expect(pit.out(0)).toBe(true);
    at(100);
    expect(readCount(pit, 0)).toBe(1);
    expect(pit.out(0)).toBe(false);
    at(101);
    expect(pit.out(0)).toBe(true);
    expect(readCount(pit, 0)).toBe(100);
  });

  it('tick() returns the next rising edge and pulses IRQ0 once per delivery', () => {
    const { pit, line } = setup();
    program(pit, 0, 2, 100);
    expect(pit.tick(0)).toBe(101);
    expect(pit.tick(101)).toBe(201);
    expect(pit.out0Edges).toBe(1);
    // A late tick covering three edges delivers one pulse (the PIC latches one) but counts all three.
    const before = line.rises();
    expect(pit.tick(450)).toBe(501);
    expect(pit.out0Edges).toBe(4);
    expect(line.rises() - before).toBe(1);
  });

  it('a new count takes effect at the end of the current period', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 100);
    at(30);
    pit.write(0, 1, 50);
    pit.write(0, 1, 0);
    expect(pit.tick(30)).toBe(101);
    at(101);
    expect(readCount(pit, 0)).toBe(50);
    expect(pit.tick(101)).toBe(151);
  });

  it('count 0 means 65536', () => {
    const { pit } = setup();
    program(pit, 0, 2, 0);
    expect(pit.period(0)).toBe(65536);
    expect(pit.tick(0)).toBe(65537);
  });
});

describe('8254 mode 3 (square wave)', () => {
  it('even N: OUT high N/2 clocks, low N/2 clocks, counting down by two', () => {
    const { pit, at } = setup();
    program(pit, 0, 3, 10);
    const outs: boolean[] = [];
    for (let t = 1; t <= 20; t++) {
      at(t);
      outs.push(pit.out(0));
    }
    expect(outs.map((o) => (o ? 1 : 0)).join('')).toBe('11111000001111100000');
    at(2);
    expect(readCount(pit, 0)).toBe(8);
  });

  it('odd N: OUT high (N+1)/2 clocks and low (N-1)/2 clocks', () => {
    const { pit, at } = setup();
    program(pit, 0, 3, 9);
    const outs: boolean[] = [];
    for (let t = 1; t <= 18; t++) {
      at(t);
      outs.push(pit.out(0));
    }
    expect(outs.map((o) => (o ? 1 : 0)).join('')).toBe('111110000111110000');
    expect(pit.tick(1)).toBe(10);
  });
});

describe('8254 modes 0, 1, 4, 5', () => {
  it('mode 0: OUT low on the control word, high N+1 clocks after the count is written, no repeat', () => {
    const { pit, line, at } = setup();
    pit.write(3, 1, 0x30);
    expect(line.levels.at(-1)).toBe(false);
    pit.write(0, 1, 5);
    pit.write(0, 1, 0);
    expect(pit.tick(0)).toBe(6);
    at(5);
    expect(pit.out(0)).toBe(false);
    at(6);
    expect(pit.out(0)).toBe(true);
    expect(pit.tick(6)).toBe(Infinity);
    expect(pit.out0Edges).toBe(1);
    at(10);
    expect(readCount(pit, 0)).toBe(0xfffc); // the counter wraps and keeps counting
  });

  it('mode 0: writing the first byte of a two-byte count stops counting', () => {
    const { pit, at } = setup();
    program(pit, 0, 0, 100);
    at(10);
    pit.write(0, 1, 20);
    at(50);
    expect(pit.out(0)).toBe(false);
    expect(pit.tick(50)).toBe(Infinity);
    pit.write(0, 1, 0);
    expect(pit.tick(50)).toBe(71);
  });

  it('mode 4: OUT stays high and strobes low for one clock when the count reaches 0', () => {
    const { pit, at } = setup();
    program(pit, 0, 4, 3);
    at(3);
    expect(pit.out(0)).toBe(true);
    at(4);
    expect(pit.out(0)).toBe(false);
    at(5);
    expect(pit.out(0)).toBe(true);
    expect(pit.tick(0)).toBe(5);
  });

  it('mode 1 and 5 wait for a gate trigger (counter 2)', () => {
    const { pit, at } = setup();
    pit.setGate(2, false);
    program(pit, 2, 1, 4);
    at(10);
    expect(pit.out(2)).toBe(true);
    pit.setGate(2, true); // trigger at 10: loaded at 11
    at(12);
    expect(pit.out(2)).toBe(false);
    at(15);
    expect(pit.out(2)).toBe(true);
    program(pit, 2, 5, 2);
    pit.setGate(2, false);
    at(20);
    pit.setGate(2, true);
    at(23);
    expect(pit.out(2)).toBe(false);
    at(24);
    expect(pit.out(2)).toBe(true);
  });

  it('mode 0 with gate low holds the count (the calibration idiom of port 0x61)', () => {
    const { pit, at } = setup();
    pit.setGate(2, false);
    program(pit, 2, 0, 1000);
    at(500);
    expect(readCount(pit, 2)).toBe(1000);
    pit.setGate(2, true);
    at(1500);
    expect(pit.out(2)).toBe(false);
    at(1501);
    expect(pit.out(2)).toBe(true);
  });
});

describe('8254 latch, read-back, access modes, BCD', () => {
  it('counter latch holds the value until both bytes are read', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 1000);
    at(101);
    pit.write(3, 1, 0x00);
    at(500);
    pit.write(3, 1, 0x00); // a second latch before reading is ignored
    expect(pit.read(0, 1)).toBe(900 & 0xff);
    expect(pit.read(0, 1)).toBe(900 >> 8);
    // Unlatched reads follow the counter.
    expect(pit.read(0, 1) | (pit.read(0, 1) << 8)).toBe(501);
  });

  it('LSB-only and MSB-only access modes', () => {
    const { pit, at } = setup();
    pit.write(3, 1, 0x14); // counter 0, LSB only, mode 2
    pit.write(0, 1, 0x80);
    expect(pit.period(0)).toBe(0x80);
    pit.write(3, 1, 0x24); // MSB only
    pit.write(0, 1, 0x02);
    expect(pit.period(0)).toBe(0x200);
    at(2);
    expect(pit.read(0, 1)).toBe(0x01);
  });

  it('read-back returns status (OUT, null count, access, mode, BCD) before the count', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 100);
    pit.write(3, 1, 0xc2); // read-back count and status of counter 0, at tick 0 (count not yet loaded)
    expect(pit.read(0, 1)).toBe(0x80 | 0x40 | 0x34);
    expect(pit.read(0, 1)).toBe(100);
    expect(pit.read(0, 1)).toBe(0);
    at(100);
    pit.write(3, 1, 0xe2); // status only
    expect(pit.read(0, 1)).toBe(0x34); // OUT low at count 1, count loaded
  });

  it('BCD counting: count 0x0100 is one hundred, read back in BCD', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 0x0100, true);
    expect(pit.period(0)).toBe(100);
    at(11);
    expect(readCount(pit, 0)).toBe(0x90);
  });

  it('saves and restores as plain data', () => {
    const { pit, at } = setup();
    program(pit, 0, 2, 100);
    pit.tick(150);
    at(150);
    const saved = JSON.parse(JSON.stringify(pit.saveState()));
    const other = new I8254(undefined, () => 150);
    other.restoreState(saved);
    expect(readCount(other, 0)).toBe(readCount(pit, 0));
    expect(other.tick(150)).toBe(201);
  });
});
