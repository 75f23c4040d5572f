/** @file Guest-physical memory under hw-vmm: the bus view above guest RAM, the step TLB's guest-RAM-only walks, and the fetch-outside-RAM check. */
import { Access, PageWalk } from '@x86virt/mmu';
import type { AccessSize, IoPorts } from '@x86virt/x86-core';
import { describe, expect, it } from 'vitest';
import { fetchLeavesRam, GuestRamTlb, guestPhysicalIo } from '../src/guest-physical.ts';

const MiB = 0x100000;
const PG = 0x80000000 | 0;
const PE = 1;

/** A bus with one MMIO page at 0xFEE00000 answering 0x1234; the rest unclaimed (all ones). */
function fakeBus(log: string[]): IoPorts {
  return {
    portRead: () => 0xff,
    portWrite: () => {},
    isMmio: (a) => a >= 0xfee00000 && a < 0xfee01000,
    mmioRead: (a: number, size: AccessSize) => (a >= 0xfee00000 && a < 0xfee01000 ? 0x1234 : size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff),
    mmioWrite: (a: number, size: AccessSize, v: number) => void log.push(`w ${a.toString(16)}/${size}=${v.toString(16)}`),
    stopRequested: () => log.length > 0,
  };
}

describe('guestPhysicalIo', () => {
  it('claims everything from monitorBase up as MMIO and forwards to the board bus (all ones, writes dropped there)', () => {
    const log: string[] = [];
    const io = guestPhysicalIo(fakeBus(log), 4 * MiB);
    expect(io.isMmio(4 * MiB - 1)).toBe(false);
    expect(io.isMmio(4 * MiB)).toBe(true);
    expect(io.isMmio(5 * MiB)).toBe(true);
    expect(io.isMmio(0xfee00010)).toBe(true);
    expect(io.mmioRead(4 * MiB, 4)).toBe(0xffffffff);
    expect(io.mmioRead(0xfee00010, 4)).toBe(0x1234);
    expect(io.stopRequested!()).toBe(false);
    io.mmioWrite(4 * MiB + 8, 2, 0xbeef);
    expect(log).toEqual(['w 400008/2=beef']);
    expect(io.stopRequested!()).toBe(true);
  });
});

describe('GuestRamTlb', () => {
  it('walks the guest tables in guest RAM only: a page directory above guest RAM is not present even where the machine memory has one', () => {
    const mem = new Uint8Array(8 * MiB);
    const guestRam = mem.subarray(0, 4 * MiB);
    const view = new DataView(mem.buffer);
    // A present PDE (4 MiB page, PSE) at the monitor's memory, and the same in guest RAM at 0x1000.
    view.setUint32(4 * MiB, 0x00000087, true);
    view.setUint32(0x1000, 0x00000087, true);
    const tlb = new GuestRamTlb(guestRam);
    const walk = new PageWalk();
    expect(tlb.translate(mem, PG | PE, 4 * MiB, 0x10, 0x1234, Access.READ, walk)).toBeLessThan(0);
    expect(tlb.translate(mem, PG | PE, 0x1000, 0x10, 0x1234, Access.READ, walk)).toBe(0x1234);
    expect(tlb.filledCount).toBe(0);
  });
});

describe('fetchLeavesRam', () => {
  const site = (linear: number) => ({ linear, d32: true, user: false, cr0: PE, cr3: 0, cr4: 0 });
  it('is true for code outside guest RAM and for an instruction that runs past its end, false otherwise', () => {
    const ram = new Uint8Array(MiB);
    expect(fetchLeavesRam(ram, site(MiB))).toBe(true);
    expect(fetchLeavesRam(ram, site(0x1000))).toBe(false);
    ram[MiB - 1] = 0x90; // nop: fits
    expect(fetchLeavesRam(ram, site(MiB - 1))).toBe(false);
    ram.set([0xb8, 1, 2], MiB - 3); // mov eax, imm32: needs 2 bytes beyond RAM
    expect(fetchLeavesRam(ram, site(MiB - 3))).toBe(true);
  });
  it('leaves a guest page fault to the step (false) and does not set accessed bits', () => {
    const ram = new Uint8Array(MiB);
    const view = new DataView(ram.buffer);
    view.setUint32(0x1000 + 4, 0x00400083, true); // PDE 1: 4 MiB page at 4 MiB (outside this 1 MiB RAM)
    expect(fetchLeavesRam(ram, { ...site(0x400000), cr0: PG | PE, cr3: 0x1000, cr4: 0x10 })).toBe(true);
    expect(view.getUint32(0x1004, true)).toBe(0x00400083);
    expect(fetchLeavesRam(ram, { ...site(0x800000), cr0: PG | PE, cr3: 0x1000, cr4: 0x10 })).toBe(false);
  });
});
