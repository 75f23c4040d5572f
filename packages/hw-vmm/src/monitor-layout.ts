/** @file Where the monitor's structures live in the memory after guest RAM: VMCBs, host save area, permission maps, nested tables, shadow-table pool. */
import { IOPM_BYTES, MSRPM_BYTES, VMCB_SIZE } from '@x86virt/x86-core';
import { nestedTablesBytes } from '@x86virt/mmu';

/** Physical addresses of the monitor's structures (all 4 KiB aligned, at or above `monitorBase`). */
export interface MonitorLayout {
  /** The guest's VMCB. */
  readonly vmcb: number;
  /** The VMCB of the one-instruction emulation step. */
  readonly stepVmcb: number;
  /** VM_HSAVE_PA. */
  readonly hsave: number;
  /** I/O permission map: every port intercepted. */
  readonly iopm: number;
  /** I/O permission map of the emulation step: no port intercepted. */
  readonly stepIopm: number;
  /** MSR permission map: every MSR intercepted. */
  readonly msrpm: number;
  /** Nested page tables (`--mmu nested`). */
  readonly nestedTables: number;
  readonly nestedBytes: number;
  /** Shadow-table pool (`--mmu shadow`). */
  readonly pool: number;
  readonly poolPages: number;
}

/** Lays the structures out in [monitorBase, monitorBase + monitorBytes) for `guestBytes` of guest RAM. */
export function monitorLayout(monitorBase: number, monitorBytes: number, guestBytes: number): MonitorLayout {
  let at = monitorBase;
  const take = (bytes: number): number => {
    const a = at;
    at += Math.ceil(bytes / 0x1000) * 0x1000;
    return a;
  };
  const vmcb = take(VMCB_SIZE);
  const stepVmcb = take(VMCB_SIZE);
  const hsave = take(0x1000);
  const iopm = take(IOPM_BYTES);
  const stepIopm = take(IOPM_BYTES);
  const msrpm = take(MSRPM_BYTES);
  const nestedBytes = nestedTablesBytes(guestBytes);
  const nestedTables = take(nestedBytes);
  const poolPages = Math.floor((monitorBase + monitorBytes - at) / 0x1000);
  return { vmcb, stepVmcb, hsave, iopm, stepIopm, msrpm, nestedTables, nestedBytes, pool: at, poolPages };
}
