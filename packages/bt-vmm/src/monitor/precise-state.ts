/** @file Moving the guest's state between the silicon (translated code / direct execution) and the shadow vCPU (the guest's architectural view). */
import { EFLAGS, readEflags, setCpl, writeEflags, type Cpu } from '@x86virt/x86-core';
import { MON } from '../layout.ts';
import { RESTORE } from '../translate/ccf.ts';
import { installMonitorSegments, installShadowSegment } from '../host/host-setup.ts';

/** EFLAGS bits the shadow vCPU owns (the silicon never runs with the guest's values while translating). */
const SYSTEM_BITS = EFLAGS.IF | EFLAGS.IOPL | EFLAGS.VM | EFLAGS.RF | EFLAGS.VIF | EFLAGS.VIP;

/** The monitor data page (the in-memory part of the shadow vCPU), as a view. */
export class MonitorData {
  private readonly view: DataView;
  private readonly base: number;
  constructor(ram: Uint8Array, base: number) {
    this.view = new DataView(ram.buffer, ram.byteOffset);
    this.base = base;
  }
  get(off: number): number {
    return this.view.getInt32(this.base + off, true);
  }
  set(off: number, v: number): void {
    this.view.setInt32(this.base + off, v | 0, true);
  }
}

/**
 * Copies the silicon's guest state into the shadow vCPU at guest instruction `guestEip`.
 * `restore` reloads registers a non-IDENT sequence had spilled. In translated code the virtual
 * IF/IOPL come from the monitor data page; in direct execution from the silicon itself.
 */
export function captureGuest(silicon: Cpu, vcpu: Cpu, mon: MonitorData, guestEip: number, restore: number, direct: boolean): void {
  if ((restore & RESTORE.EAX) !== 0) silicon.regs[0] = mon.get(MON.SPILL_EAX);
  if ((restore & RESTORE.ECX) !== 0) silicon.regs[1] = mon.get(MON.SPILL_ECX);
  vcpu.regs.set(silicon.regs);
  const sf = readEflags(silicon);
  const sys = direct ? sf & (EFLAGS.IF | EFLAGS.IOPL) : (mon.get(MON.VIF) & EFLAGS.IF) | (mon.get(MON.VIOPL) & EFLAGS.IOPL);
  const keep = readEflags(vcpu) & (EFLAGS.VM | EFLAGS.RF | EFLAGS.VIF | EFLAGS.VIP);
  writeEflags(vcpu, (sf & ~SYSTEM_BITS) | sys | keep, -1);
  vcpu.cr8 = mon.get(MON.VTPR);
  vcpu.eip = guestEip | 0;
  vcpu.nextEip = vcpu.eip;
  vcpu.cycles = silicon.cycles;
  vcpu.tscOffset = silicon.tscOffset;
  vcpu.halted = false;
  vcpu.blockBreak = false;
}

/** Copies the shadow vCPU's registers and flags to the silicon and the virtual IF/IOPL to the monitor data page. */
export function releaseRegisters(silicon: Cpu, vcpu: Cpu, mon: MonitorData, direct: boolean): void {
  silicon.regs.set(vcpu.regs);
  const vf = readEflags(vcpu);
  mon.set(MON.VIF, vf & EFLAGS.IF);
  mon.set(MON.VIOPL, vf & EFLAGS.IOPL);
  mon.set(MON.VTPR, vcpu.cr8);
  writeEflags(silicon, direct ? vf & ~(EFLAGS.VM | EFLAGS.RF) : vf & ~SYSTEM_BITS, -1);
  silicon.cycles = vcpu.cycles;
  silicon.tscOffset = vcpu.tscOffset;
  silicon.halted = false;
  silicon.intShadow = false;
}

/** Installs the segments for translated kernel code: shadows of the guest's data segments, the TC code segment, the monitor's %gs; CPL1. */
export function enterTranslatedSegments(silicon: Cpu, vcpu: Cpu): void {
  for (const s of [0, 2, 3, 4]) installShadowSegment(silicon, s, vcpu);
  installMonitorSegments(silicon);
  setCpl(silicon, 1);
}

/** Installs the segments for direct execution of guest user code: shadows of all six guest segments; CPL3. */
export function enterDirectSegments(silicon: Cpu, vcpu: Cpu): void {
  for (let s = 0; s < 6; s++) installShadowSegment(silicon, s, vcpu);
  setCpl(silicon, 3);
}
