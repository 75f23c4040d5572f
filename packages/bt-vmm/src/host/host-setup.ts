/** @file Host set-up: the monitor's page table for the top 4 MiB, the host GDT/IDT/TSS it owns, and installing shadow segment caches on the silicon. */
import { Pte } from '@x86virt/mmu';
import { SEG_ATTR, setSegCache, updateSegFlat, type Cpu } from '@x86virt/x86-core';
import { GUEST_GDT_ENTRIES, HOST_GDT_ENTRIES, HOST_SEL, MON, MONITOR_LINEAR, MONITOR_REGION_BYTES } from '../layout.ts';
import { decodeDescriptor, shadowDescriptor, truncationCap, writeDescriptor, type Descriptor } from './descriptors.ts';
import type { GuestMemory } from './guest-memory.ts';

/** Attributes of the flat CPL1 code segment the translation cache runs in. */
const TC_CODE_ATTR = SEG_ATTR.P | SEG_ATTR.S | SEG_ATTR.DB | SEG_ATTR.G | (1 << 5) | 0xb;
/** Attributes of the monitor-data segment (`%gs` of translated code). */
const MON_DATA_ATTR = SEG_ATTR.P | SEG_ATTR.S | SEG_ATTR.DB | SEG_ATTR.G | (1 << 5) | 0x3;
/** 32-bit available TSS. */
const TSS_ATTR = SEG_ATTR.P | 0x9;

/**
 * Writes the monitor's page table (1024 supervisor-only PTEs mapping the monitor region to
 * host-physical `monitorPhys`) at `tablePhys`, and returns the PDE that every shadow page
 * directory carries at index 1023.
 */
export function buildMonitorPageTable(ram: Uint8Array, monitorPhys: number, tablePhys: number): number {
  const v = new DataView(ram.buffer, ram.byteOffset);
  for (let i = 0; i < MONITOR_REGION_BYTES / 0x1000; i++) {
    v.setInt32(tablePhys + i * 4, (monitorPhys + i * 0x1000) | Pte.P | Pte.RW | Pte.A | Pte.D, true);
  }
  return tablePhys | Pte.P | Pte.RW | Pte.A;
}

/** Builds the host GDT's monitor entries, an all-not-present host IDT and the host TSS, and points the silicon at them. */
export function buildHostTables(ram: Uint8Array, monitorPhys: number, silicon: Cpu): void {
  ram.fill(0, monitorPhys + MON.GDT, monitorPhys + MON.TSS + 0x68);
  const gdt = monitorPhys + MON.GDT;
  writeDescriptor(ram, gdt + (HOST_SEL.TC_CODE & ~7), 0, 0xffffffff, TC_CODE_ATTR);
  writeDescriptor(ram, gdt + (HOST_SEL.MONITOR_DATA & ~7), MONITOR_LINEAR, MONITOR_REGION_BYTES - 1, MON_DATA_ATTR);
  writeDescriptor(ram, gdt + (HOST_SEL.TSS & ~7), MONITOR_LINEAR + MON.TSS, 0x67, TSS_ATTR);
  silicon.gdtrBase = MONITOR_LINEAR + MON.GDT;
  silicon.gdtrLimit = HOST_GDT_ENTRIES * 8 - 1;
  silicon.idtrBase = MONITOR_LINEAR + MON.IDT;
  silicon.idtrLimit = 256 * 8 - 1;
  // I/O map base beyond the TSS limit: no permission bitmap, so port I/O above IOPL always faults.
  ram[monitorPhys + MON.TSS + 0x66] = 0x68;
  setSegCache(silicon, 7, HOST_SEL.TSS, MONITOR_LINEAR + MON.TSS, 0x67, TSS_ATTR | 0x2);
  setSegCache(silicon, 6, 0, 0, 0, 0);
}

const guestDesc: Descriptor = { base: 0, limit: 0, attr: 0 };
const hostDesc: Descriptor = { base: 0, limit: 0, attr: 0 };

/**
 * Re-derives the host GDT's guest part from the guest's GDT (read through the guest's page
 * tables): every guest descriptor below `GUEST_GDT_ENTRIES` gets its shadow (see
 * `shadowDescriptor`), the rest of the guest part is cleared. Returns how many entries it wrote.
 */
export function syncHostGdt(ram: Uint8Array, monitorPhys: number, guest: GuestMemory, gdtrBase: number, gdtrLimit: number): number {
  const gdt = monitorPhys + MON.GDT;
  const entries = Math.min(GUEST_GDT_ENTRIES, Math.floor((gdtrLimit + 1) / 8));
  ram.fill(0, gdt, gdt + GUEST_GDT_ENTRIES * 8);
  let n = 0;
  for (let i = 1; i < entries; i++) {
    const lo = guest.read32((gdtrBase + i * 8) | 0);
    const hi = guest.read32((gdtrBase + i * 8 + 4) | 0);
    if (lo === null || hi === null) continue;
    decodeDescriptor(lo, hi, guestDesc);
    shadowDescriptor(guestDesc, hostDesc);
    if (hostDesc.attr === 0) continue;
    writeDescriptor(ram, gdt + i * 8, hostDesc.base, hostDesc.limit, hostDesc.attr);
    n++;
  }
  return n;
}

/**
 * Installs on the silicon the shadow of the guest's segment `seg` (the shadow vCPU's cache):
 * same selector and base, DPL 0 shown as 1, and fast-check bounds cut below the monitor
 * region (wrap-around included), so no guest segment can reach the monitor (`Cpu.segFlat` follows them).
 */
export function installShadowSegment(silicon: Cpu, seg: number, vcpu: Cpu): void {
  const attr = vcpu.segAttr[seg]!;
  const dpl = (attr >> 5) & 3;
  const shownAttr = (attr & SEG_ATTR.S) !== 0 && dpl === 0 ? attr | (1 << 5) : attr;
  const base = vcpu.segBase[seg]!;
  const cap = truncationCap(base);
  setSegCache(silicon, seg, vcpu.segSel[seg]!, base, Math.min(vcpu.segLimit[seg]!, Math.max(cap, 0)), shownAttr);
  silicon.segLo[seg] = vcpu.segLo[seg]!;
  silicon.segHiR[seg] = Math.min(vcpu.segHiR[seg]!, cap);
  silicon.segHiW[seg] = Math.min(vcpu.segHiW[seg]!, cap);
  updateSegFlat(silicon, seg);
}

/** Loads the silicon's CS with the translation-cache code segment and GS with the monitor-data segment. */
export function installMonitorSegments(silicon: Cpu): void {
  setSegCache(silicon, 1, HOST_SEL.TC_CODE, 0, 0xffffffff, TC_CODE_ATTR);
  setSegCache(silicon, 5, HOST_SEL.MONITOR_DATA, MONITOR_LINEAR, MONITOR_REGION_BYTES - 1, MON_DATA_ATTR);
}
