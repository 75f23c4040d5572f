/** @file The monitor's own memory after guest RAM, hashed region by region: what an attack run must leave unchanged. */
import { createHash } from 'node:crypto';
import { HOST_SEL, MON, MONITOR_REGION_BYTES } from '@x86virt/bt-vmm';
import type { MonitorLayout } from '@x86virt/hw-vmm';
import { INTERCEPT_MISC1, IOPM_BYTES, MSRPM_BYTES } from '@x86virt/x86-core';

/**
 * A range of host-physical memory the monitor owns and writes only while it sets the machine
 * up. `mask` (optional) is ANDed into every little-endian dword before hashing: bits the
 * hardware itself legitimately changes later (nested A/D bits, the VINTR intercept the monitor
 * toggles for interrupt windows).
 */
export interface MonitorRegion {
  readonly name: string;
  readonly base: number;
  readonly bytes: number;
  readonly mask?: (offset: number) => number;
}

/** SHA-256 of each region (hex), by name. */
export type MonitorDigest = Readonly<Record<string, string>>;

/** Hashes `regions` of `ram`. */
export function hashMonitorRegions(ram: Uint8Array, regions: readonly MonitorRegion[]): MonitorDigest {
  const out: Record<string, string> = {};
  for (const r of regions) {
    const bytes = ram.slice(r.base, r.base + r.bytes);
    if (r.mask !== undefined) {
      const v = new DataView(bytes.buffer);
      for (let o = 0; o + 4 <= bytes.length; o += 4) v.setUint32(o, (v.getUint32(o, true) & r.mask(o)) >>> 0, true);
    }
    out[r.name] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}

/** Page-table entry bits the walker sets by itself: accessed (5) and dirty (6). */
const NOT_AD = ~0x60;

/**
 * bt-vmm's fixed memory: the monitor's own host-GDT entries (TC code, monitor data, host TSS),
 * the host IDT and TSS, and the page table that maps the monitor region (every one written once
 * at start-up). The data page, target cache, guest part of the host GDT, translation cache and
 * shadow pool change as the monitor works; what reaches them is checked by the guest-visible
 * outcome instead.
 */
export function btMonitorRegions(monitorBase: number): MonitorRegion[] {
  const gdtMonitor = monitorBase + MON.GDT + (HOST_SEL.TC_CODE & ~7);
  return [
    { name: 'bt.gdt.monitor', base: gdtMonitor, bytes: 3 * 8 },
    { name: 'bt.idt', base: monitorBase + MON.IDT, bytes: 256 * 8 },
    { name: 'bt.tss', base: monitorBase + MON.TSS, bytes: 0x68 },
    { name: 'bt.pageTable', base: monitorBase + MONITOR_REGION_BYTES, bytes: 0x1000 },
  ];
}

/**
 * hw-vmm's fixed memory: the intercept vectors (VINTR masked), IOPM/MSRPM base, TSC offset and
 * ASID of the VMCB and the step VMCB, NP_ENABLE and N_CR3 of the VMCB; the IOPMs and the MSRPM; the nested
 * tables (A/D bits masked) in nested mode.
 */
export function hwMonitorRegions(layout: MonitorLayout, nested: boolean): MonitorRegion[] {
  const intercepts = (o: number): number => (o === 0x0c ? ~INTERCEPT_MISC1.VINTR : -1);
  const controls = (name: string, base: number): MonitorRegion[] => [
    { name: `${name}.intercepts`, base, bytes: 0x14, mask: intercepts },
    { name: `${name}.maps+asid`, base: base + 0x40, bytes: 0x1c },
  ];
  // The step VMCB's paging fields are written by the monitor each time it sets a step up, so only its intercepts and maps are fixed.
  const regions: MonitorRegion[] = [
    ...controls('hw.vmcb', layout.vmcb),
    { name: 'hw.vmcb.npEnable', base: layout.vmcb + 0x90, bytes: 8 },
    { name: 'hw.vmcb.nCr3', base: layout.vmcb + 0xb0, bytes: 8 },
    ...controls('hw.stepVmcb', layout.stepVmcb),
    { name: 'hw.iopm', base: layout.iopm, bytes: IOPM_BYTES },
    { name: 'hw.stepIopm', base: layout.stepIopm, bytes: IOPM_BYTES },
    { name: 'hw.msrpm', base: layout.msrpm, bytes: MSRPM_BYTES },
  ];
  if (nested) regions.push({ name: 'hw.nestedTables', base: layout.nestedTables, bytes: layout.nestedBytes, mask: () => NOT_AD });
  return regions;
}
