/** @file The board's local APIC as the processor's MSR sees it: relocation and global enable through `apicMsr`, and a board built without one. */
import { describe, expect, it } from 'vitest';
import { Board } from '../../src/platform/pc.ts';

const P4_HZ = 3_800_000_000;
const ID = 0x20;

/** Offset of the MP floating pointer signature "_MP_" in guest RAM, or -1. */
function findMpSignature(ram: Uint8Array): number {
  for (let i = 0; i + 4 <= 0x100000; i += 16) if (ram[i] === 0x5f && ram[i + 1] === 0x4d && ram[i + 2] === 0x50 && ram[i + 3] === 0x5f) return i;
  return -1;
}

describe('Board local APIC and IA32_APIC_BASE', () => {
  it('reports 0xFEE00900 (enabled, BSP); a write relocates the register window', () => {
    const board = new Board({ cpuHz: P4_HZ });
    const msr = board.apicMsr!;
    expect(msr.baseMsrValue).toBe(0xfee00900);
    expect(board.bus.mmioRead(0xfee00000 + ID, 4)).toBe(0);
    msr.writeBaseMsr(0xfed00800);
    expect(msr.baseMsrValue).toBe(0xfed00900);
    expect(board.bus.mmioRead(0xfed00000 + 0x30, 4)).toBe(0x50014); // version register at the new base
    expect(board.bus.isMmio(0xfee00000)).toBe(false);
  });

  it('a base on top of the I/O APIC leaves the window where it was (no host error)', () => {
    const board = new Board({ cpuHz: P4_HZ });
    board.apicMsr!.writeBaseMsr(0xfec00800);
    expect(board.apicMsr!.baseMsrValue).toBe(0xfec00900);
    expect(board.bus.mmioRead(0xfee00000 + 0x30, 4)).toBe(0x50014);
  });

  it('clearing bit 11 disables it: the window reads all ones, writes are dropped, the 8259A drives INTR', () => {
    const board = new Board({ cpuHz: P4_HZ });
    board.apicMsr!.writeBaseMsr(0xfee00000);
    expect(board.bus.mmioRead(0xfee00030, 4)).toBe(0xffffffff);
    board.bus.mmioWrite(0xfee000f0, 4, 0x1ff);
    expect(board.lapic.softwareEnabled).toBe(false);
    board.bus.portWrite(0x21, 1, 0xfe); // unmask IRQ0 only
    board.tick(P4_HZ); // a second of PIT ticks
    expect(board.intr.hasInterrupt()).toBe(true);
    expect(board.intr.acknowledge()).toBe(0x08);
  });

  it('localApic: false — no apicMsr, APIC disabled from power-on and after a reset, no MP tables', () => {
    const board = new Board({ cpuHz: P4_HZ, localApic: false });
    expect(board.apicMsr).toBeNull();
    expect(board.lapic.globallyEnabled).toBe(false);
    expect(board.bus.mmioRead(0xfee00030, 4)).toBe(0xffffffff);
    expect(findMpSignature(board.guestRam)).toBe(-1);
    board.resetDevices();
    expect(board.lapic.globallyEnabled).toBe(false);
    const withApic = new Board({ cpuHz: P4_HZ });
    expect(findMpSignature(withApic.guestRam)).toBeGreaterThan(0);
  });
});
