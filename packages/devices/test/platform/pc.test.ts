/** @file Board tests: memory map and CMOS sizes, device wiring to IRQs, stop requests, firmware state, and deterministic PIT ticks through the PIC. */
import { describe, expect, it } from 'vitest';
import { Board } from '../../src/platform/pc.ts';
import { ClockConverter } from '../../src/clock.ts';
import { E820, pcMemoryMap } from '../../src/platform/memory-map.ts';
import { PIT_HZ } from '../../src/chips/i8254.ts';

const P4_HZ = 3_800_000_000;

/** Programs the PIC pair like a guest kernel: vectors 0x20/0x28, cascade on IR2, masks. */
function initPic(board: Board, masterMask: number, slaveMask: number): void {
  const out = (p: number, v: number): void => board.bus.portWrite(p, 1, v);
  out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, 0x01); out(0x21, masterMask);
  out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, 0x01); out(0xa1, slaveMask);
}

describe('Board memory', () => {
  it('owns RAM of memMiB and reports QEMU\'s E820 map with the 640 KiB–1 MiB hole', () => {
    const board = new Board({ cpuHz: P4_HZ, memMiB: 64 });
    expect(board.ram.length).toBe(64 << 20);
    expect(board.memoryMap).toEqual([
      { base: 0, length: 0x9fc00, type: E820.RAM },
      { base: 0x9fc00, length: 0x400, type: E820.RESERVED },
      { base: 0xf0000, length: 0x10000, type: E820.RESERVED },
      { base: 0x100000, length: 0x3ee0000, type: E820.RAM },
      { base: 0x3fe0000, length: 0x20000, type: E820.RESERVED },
      { base: 0xfffc0000, length: 0x40000, type: E820.RESERVED },
    ]);
    expect(pcMemoryMap(16 << 20)[3]).toEqual({ base: 0x100000, length: 0xee0000, type: E820.RAM });
  });

  it('sets the CMOS memory-size bytes', () => {
    const board = new Board({ cpuHz: P4_HZ, memMiB: 64 });
    const cmos = (i: number): number => board.rtc.getCmos(i);
    expect(cmos(0x15) | (cmos(0x16) << 8)).toBe(640);
    expect(cmos(0x17) | (cmos(0x18) << 8)).toBe(63 * 1024);
    expect(cmos(0x30) | (cmos(0x31) << 8)).toBe(63 * 1024);
    expect(cmos(0x34) | (cmos(0x35) << 8)).toBe(48 * 16);
  });

  it('refuses RAM sizes outside 2..3072 MiB', () => {
    expect(() => new Board({ cpuHz: P4_HZ, memMiB: 1 })).toThrow(/memMiB/);
    expect(() => new Board({ cpuHz: P4_HZ, memMiB: 4096 })).toThrow(/memMiB/);
  });
});

describe('Board wiring and stops', () => {
  it('COM1 transmits to the sink and its THRE interrupt arrives as IRQ4 (vector 0x24)', () => {
    const out: number[] = [];
    const board = new Board({ cpuHz: P4_HZ, firmwareState: false, serialSink: (b) => out.push(b) });
    initPic(board, 0xef, 0xff);
    for (const c of 'ok') {
      while ((board.bus.portRead(0x3fd, 1) & 0x20) === 0);
      board.bus.portWrite(0x3f8, 1, c.charCodeAt(0));
    }
    expect(String.fromCharCode(...out)).toBe('ok');
    expect(board.pic.hasInterrupt()).toBe(false);
    board.bus.portWrite(0x3f9, 1, 0x02);
    expect(board.pic.hasInterrupt()).toBe(true);
    expect(board.pic.acknowledge()).toBe(0x24);
  });

  it('COM1 receives from serialInput', () => {
    const board = new Board({ cpuHz: P4_HZ });
    board.serialInput!.push('y');
    expect(board.bus.portRead(0x3fd, 1) & 1).toBe(1);
    expect(board.bus.portRead(0x3f8, 1)).toBe(0x79);
  });

  it('the RTC periodic interrupt arrives through the slave on IRQ8 (vector 0x28)', () => {
    const board = new Board({ cpuHz: P4_HZ, firmwareState: false });
    initPic(board, 0xfb, 0xfe);
    board.bus.portWrite(0x70, 1, 0x0b);
    board.bus.portWrite(0x71, 1, 0x42);
    const deadline = board.tick(0);
    expect(deadline).toBe(new ClockConverter(P4_HZ, 32768).toCycles(32));
    board.tick(deadline);
    expect(board.pic.acknowledge()).toBe(0x28);
  });

  it('a 32-bit OUT to 0xF4 requests a stop with the exit code', () => {
    const board = new Board({ cpuHz: P4_HZ });
    expect(board.bus.stopRequested()).toBe(false);
    board.bus.portWrite(0xf4, 4, 7);
    expect([board.stopReason, board.exitCode, board.bus.stopRequested()]).toEqual(['exit', 7, true]);
    board.clearStop();
    expect(board.bus.stopRequested()).toBe(false);
    expect(board.exitCode).toBe(7);
  });

  it('0xFE to port 0x64 requests a reset', () => {
    const board = new Board({ cpuHz: P4_HZ });
    board.bus.portWrite(0x64, 1, 0xfe);
    expect([board.stopReason, board.exitCode, board.bus.stopRequested()]).toEqual(['reset', null, true]);
    board.resetDevices();
    expect([board.stopReason, board.bus.stopRequested()]).toEqual([null, false]);
  });

  it('port 0x80 latches POST codes; unclaimed ports read all ones', () => {
    const codes: number[] = [];
    const board = new Board({ cpuHz: P4_HZ, postSink: (c) => codes.push(c) });
    board.bus.portWrite(0x80, 1, 0x55);
    expect(codes).toEqual([0x55]);
    expect(board.bus.portRead(0x2f8, 1)).toBe(0xff);
  });

  it('port 0x61 gates PIT counter 2 and reads its OUT', () => {
    const board = new Board({ cpuHz: P4_HZ });
    let now = 0;
    board.setCycleSource(() => now);
    const bus = board.bus;
    bus.portWrite(0x61, 1, 0x00);
    bus.portWrite(0x43, 1, 0xb0); // counter 2, mode 0
    bus.portWrite(0x42, 1, 100);
    bus.portWrite(0x42, 1, 0);
    bus.portWrite(0x61, 1, 0x01); // gate on at tick 0
    const conv = new ClockConverter(P4_HZ, PIT_HZ);
    now = conv.toCycles(100);
    expect(bus.portRead(0x61, 1) & 0x20).toBe(0);
    now = conv.toCycles(101);
    expect(bus.portRead(0x61, 1) & 0x20).toBe(0x20);
  });

  it('leaves the chips as QEMU\'s firmware does (PIC masks, PIT mode 2 at 18.2 Hz)', () => {
    const board = new Board({ cpuHz: P4_HZ });
    expect(board.bus.portRead(0x21, 1)).toBe(0xb8);
    expect(board.bus.portRead(0xa1, 1)).toBe(0x8e);
    board.bus.portWrite(0x43, 1, 0xe2);
    expect(board.bus.portRead(0x40, 1) & 0x3f).toBe(0x34);
    expect(board.tick(0)).toBe(new ClockConverter(P4_HZ, PIT_HZ).toCycles(65537));
    expect(board.bus.portRead(0x3fc, 1)).toBe(0x08);
  });

  it('saves and restores every device as JSON', () => {
    const a = new Board({ cpuHz: P4_HZ });
    a.tick(123_456_789);
    a.bus.portWrite(0x3ff, 1, 0x5a);
    a.bus.portWrite(0xf4, 4, 3);
    const saved = JSON.parse(JSON.stringify(a.saveState()));
    const b = new Board({ cpuHz: P4_HZ });
    b.restoreState(saved);
    expect(b.saveState()).toEqual(a.saveState());
    expect(b.bus.portRead(0x3ff, 1)).toBe(0x5a);
    expect([b.exitCode, b.bus.stopRequested()]).toEqual([3, true]);
    expect(b.tick(123_456_789)).toBe(a.tick(123_456_789));
  });
});

/**
 * A timer guest, played against the board the way the CPU would: program the PIC and PIT
 * (mode 2, `divisor`), then loop: take IRQ0 when INTR is up (INTA, count, EOI), run a few
 * "instructions" of seeded random cost, and HLT (the clock jumps to the board's deadline).
 */
function runTimerGuest(cpuHz: number, divisor: number, seconds: number, seed: number): { count: number; at: number[]; edges: number } {
  const board = new Board({ cpuHz }); // counter 0 already in mode 2, as the firmware leaves it: OUT is high

  let now = 0;
  board.setCycleSource(() => now);
  initPic(board, 0xfe, 0xff);
  const out = (p: number, v: number): void => board.bus.portWrite(p, 1, v);
  out(0x43, 0x34);
  out(0x40, divisor & 0xff);
  out(0x40, divisor >> 8);
  const end = cpuHz * seconds;
  let deadline = board.tick(now);
  let rng = seed;
  const at: number[] = [];
  while (now < end) {
    if (board.pic.hasInterrupt()) {
      expect(board.pic.acknowledge()).toBe(0x20);
      at.push(now);
      out(0x20, 0x20);
    }
    rng = (rng * 1103515245 + 12345) % 2 ** 31;
    for (let i = rng % 40; i > 0; i--) now += 1 + (i % 7);
    if (now >= deadline) deadline = board.tick(now);
    else {
      now = Math.min(deadline, end); // hlt
      if (now === deadline) deadline = board.tick(now);
    }
  }
  return { count: at.length, at, edges: board.pit.out0Edges };
}

describe('deterministic PIT ticks through the PIC', () => {
  it('counts the same ticks at the same cycles in two runs', () => {
    const a = runTimerGuest(P4_HZ, 11932, 1, 42);
    const b = runTimerGuest(P4_HZ, 11932, 1, 42);
    expect(b.at).toEqual(a.at);
    expect(b.count).toBe(a.count);
  });

  it('matches the PIT rate: ⌊(1 193 182 · s − 1) / divisor⌋ ticks in s seconds, at any CPU frequency', () => {
    // Counter loaded at PIT tick 1; OUT rises at 1 + k · divisor.
    for (const cpuHz of [P4_HZ, 1_000_000_000, 2_400_000_000]) {
      const r = runTimerGuest(cpuHz, 11932, 1, 7);
      expect(r.count).toBe(99);
      expect(r.edges).toBe(99);
    }
    expect(runTimerGuest(P4_HZ, 1193, 2, 9).count).toBe(Math.floor((PIT_HZ * 2 - 1) / 1193));
  });

  it('delivers IRQ0 exactly at the cycle of each PIT edge', () => {
    const conv = new ClockConverter(P4_HZ, PIT_HZ);
    const r = runTimerGuest(P4_HZ, 11932, 1, 1);
    r.at.forEach((cycle, k) => expect(cycle).toBe(conv.toCycles(1 + (k + 1) * 11932)));
  });
});

describe('PIT programming from power-on', () => {
  it('writing mode 2 raises OUT0 from its power-on low: one IRQ0 edge at once (8254 datasheet), then the periodic ones', () => {
    const board = new Board({ cpuHz: P4_HZ, firmwareState: false });
    initPic(board, 0xfe, 0xff);
    board.bus.portWrite(0x43, 1, 0x34);
    expect(board.pic.hasInterrupt()).toBe(true);
    expect(board.pic.acknowledge()).toBe(0x20);
  });
});
