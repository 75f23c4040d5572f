/** @file IoBus tests: dispatch with offsets, unclaimed ports, access splitting, MMIO, counts, stop requests. */
import { describe, expect, it } from 'vitest';
import { IoBus } from '../src/io-bus.ts';
import type { AccessSize, IoDevice } from '../src/device.ts';

/** A device that logs accesses and reads back offset-derived values. */
class Probe implements IoDevice {
  log: string[] = [];
  read(offset: number, size: AccessSize): number {
    this.log.push(`r${offset}/${size}`);
    return 0x10 + offset;
  }
  write(offset: number, size: AccessSize, value: number): void {
    this.log.push(`w${offset}/${size}=${value.toString(16)}`);
  }
}

describe('IoBus ports', () => {
  it('dispatches with offsets from the base and honours a mapping offset', () => {
    const bus = new IoBus();
    const a = new Probe();
    bus.mapPorts('a', 0x3f8, 8, a);
    bus.mapPorts('a-hi', 0x64, 1, a, { offset: 4 });
    expect(bus.portRead(0x3fd, 1)).toBe(0x15);
    bus.portWrite(0x3f8, 1, 0x41);
    expect(bus.portRead(0x64, 1)).toBe(0x14);
    expect(a.log).toEqual(['r5/1', 'w0/1=41', 'r4/1']);
  });

  it('unclaimed ports read all ones for every size and ignore writes', () => {
    const bus = new IoBus();
    expect(bus.portRead(0x1234, 1)).toBe(0xff);
    expect(bus.portRead(0x1234, 2)).toBe(0xffff);
    expect(bus.portRead(0x1234, 4)).toBe(0xffffffff);
    bus.portWrite(0x1234, 4, 5);
    expect(bus.accessCounts()['unclaimed']).toBe(1 + 2 + 4 + 4);
  });

  it('splits wide accesses to 8-bit devices into little-endian byte accesses', () => {
    const bus = new IoBus();
    const a = new Probe();
    bus.mapPorts('a', 0x40, 2, a);
    expect(bus.portRead(0x40, 2)).toBe(0x1110);
    expect(bus.portRead(0x40, 4)).toBe(0xffff1110); // ports 0x42–0x43 unclaimed
    bus.portWrite(0x40, 2, 0xbeef);
    expect(a.log.slice(-2)).toEqual(['w0/1=ef', 'w1/1=be']);
  });

  it('passes 32-bit accesses whole to a 32-bit-wide device, masking the value', () => {
    const bus = new IoBus();
    const a = new Probe();
    bus.mapPorts('exit', 0xf4, 4, a, { width: 4 });
    bus.portWrite(0xf4, 4, 0x1_0000_0003);
    bus.portWrite(0xf4, 1, 0x1ff);
    expect(a.log).toEqual(['w0/4=3', 'w0/1=ff']);
  });

  it('refuses overlapping claims and counts accesses per mapping', () => {
    const bus = new IoBus();
    bus.mapPorts('a', 0x20, 2, new Probe());
    expect(() => bus.mapPorts('b', 0x21, 1, new Probe())).toThrow(/already belongs to a/);
    bus.portRead(0x20, 1);
    bus.portRead(0x21, 1);
    expect(bus.accessCounts()).toEqual({ a: 2, unclaimed: 0 });
  });

  it('carries stop requests until cleared', () => {
    const bus = new IoBus();
    expect(bus.stopRequested()).toBe(false);
    bus.requestStop();
    expect(bus.stopRequested()).toBe(true);
    bus.clearStop();
    expect(bus.stopRequested()).toBe(false);
  });
});

describe('IoBus MMIO', () => {
  it('claims physical ranges, dispatches offsets and reads all ones elsewhere', () => {
    const bus = new IoBus();
    const a = new Probe();
    expect(bus.isMmio(0xfee00000)).toBe(false);
    bus.mapMmio('apic', 0xfee00000, 0x1000, a);
    expect(bus.isMmio(0xfee00000)).toBe(true);
    expect(bus.isMmio(0xfee01000)).toBe(false);
    expect(bus.mmioRead(0xfee00020, 4)).toBe(0x30);
    bus.mmioWrite(0xfee000b0, 4, 0);
    expect(bus.mmioRead(0xfec00000, 4)).toBe(0xffffffff);
    expect(a.log).toEqual(['r32/4', 'w176/4=0']);
    expect(() => bus.mapMmio('x', 0xfee00800, 16, a)).toThrow(/overlaps apic/);
  });
});
