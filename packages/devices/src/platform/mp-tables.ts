/** @file Intel MP specification 1.4 tables (floating pointer + configuration table) and the BIOS data area fields that firmware leaves for an OS. */

/** Where the firmware structures go. */
export const MP_LAYOUT = {
  /** MP floating pointer structure: 16-byte aligned in the system BIOS area (MP spec §4: 0xF0000–0xFFFFF is searched). */
  FLOATING_POINTER: 0xf0000,
  /** MP configuration table, right after the floating pointer. */
  CONFIG_TABLE: 0xf0010,
  /** Extended BIOS data area segment (its 1 KiB starts at 0x9FC00: the top of conventional memory). */
  EBDA_SEGMENT: 0x9fc0,
  /** Conventional memory the BDA reports, in KiB (640 less the EBDA). */
  BASE_MEMORY_KIB: 639,
} as const;

/** BIOS data area offsets (from physical 0x400) this board fills. */
export const BDA = {
  COM1: 0x400, EQUIPMENT: 0x410, BASE_MEMORY: 0x413, EBDA_SEGMENT: 0x40e, VIDEO_MODE: 0x449, COLUMNS: 0x44a,
  CRTC_BASE: 0x463, HARD_DISKS: 0x475,
} as const;

/** MP configuration table entry types (MP spec 1.4 Table 4-3). */
export const MP_ENTRY = { PROCESSOR: 0, BUS: 1, IOAPIC: 2, IO_INTERRUPT: 3, LOCAL_INTERRUPT: 4 } as const;
/** Interrupt types of entries 3 and 4 (MP spec Table 4-10). */
export const MP_INT = { INT: 0, NMI: 1, SMI: 2, EXTINT: 3 } as const;

/** What the tables describe. */
export interface MpDescription {
  /** The processor's local APIC ID, version, CPUID signature and feature flags. */
  readonly apicId: number;
  readonly apicVersion: number;
  readonly cpuSignature: number;
  readonly cpuFeatures: number;
  /** Local APIC register base. */
  readonly localApicBase: number;
  /** The I/O APIC's ID, version and base. */
  readonly ioApicId: number;
  readonly ioApicVersion: number;
  readonly ioApicBase: number;
  /** ISA IRQ → I/O APIC input pin, for every IRQ wired to it. */
  readonly isaRouting: readonly (readonly [irq: number, pin: number])[];
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return (0x100 - sum) & 0xff;
}

function ascii(view: Uint8Array, at: number, text: string, width: number): void {
  const s = text.padEnd(width, ' ');
  for (let i = 0; i < width; i++) view[at + i] = s.charCodeAt(i);
}

/** The configuration table (header and entries) as bytes, checksummed. */
export function mpConfigTable(d: MpDescription): Uint8Array {
  const entries: Uint8Array[] = [];
  const proc = new Uint8Array(20);
  const pv = new DataView(proc.buffer);
  proc[0] = MP_ENTRY.PROCESSOR;
  proc[1] = d.apicId;
  proc[2] = d.apicVersion;
  proc[3] = 0x03; // EN | BP
  pv.setUint32(4, d.cpuSignature, true);
  pv.setUint32(8, d.cpuFeatures >>> 0, true);
  entries.push(proc);
  const bus = new Uint8Array(8);
  bus[0] = MP_ENTRY.BUS;
  bus[1] = 0;
  ascii(bus, 2, 'ISA', 6);
  entries.push(bus);
  const io = new Uint8Array(8);
  io[0] = MP_ENTRY.IOAPIC;
  io[1] = d.ioApicId;
  io[2] = d.ioApicVersion;
  io[3] = 0x01; // EN
  new DataView(io.buffer).setUint32(4, d.ioApicBase >>> 0, true);
  entries.push(io);
  for (const [irq, pin] of d.isaRouting) {
    // Type INT, flags 0 (polarity and trigger conform to the ISA bus: active high, edge).
    entries.push(Uint8Array.of(MP_ENTRY.IO_INTERRUPT, MP_INT.INT, 0, 0, 0, irq, d.ioApicId, pin));
  }
  // The 8259A's INTR on every local APIC's LINT0 (virtual wire), NMI on LINT1.
  entries.push(Uint8Array.of(MP_ENTRY.LOCAL_INTERRUPT, MP_INT.EXTINT, 0, 0, 0, 0, 0xff, 0));
  entries.push(Uint8Array.of(MP_ENTRY.LOCAL_INTERRUPT, MP_INT.NMI, 0, 0, 0, 0, 0xff, 1));

  const length = 44 + entries.reduce((n, e) => n + e.length, 0);
  const table = new Uint8Array(length);
  const v = new DataView(table.buffer);
  ascii(table, 0, 'PCMP', 4);
  v.setUint16(4, length, true);
  table[6] = 0x04;
  ascii(table, 8, 'X86VIRT', 8);
  ascii(table, 16, 'PC', 12);
  v.setUint16(34, entries.length, true);
  v.setUint32(36, d.localApicBase >>> 0, true);
  let at = 44;
  for (const e of entries) {
    table.set(e, at);
    at += e.length;
  }
  table[7] = checksum(table);
  return table;
}

/** The 16-byte floating pointer structure for a configuration table at `tableAddress`. */
export function mpFloatingPointer(tableAddress: number): Uint8Array {
  const fp = new Uint8Array(16);
  ascii(fp, 0, '_MP_', 4);
  new DataView(fp.buffer).setUint32(4, tableAddress >>> 0, true);
  fp[8] = 1; // length in 16-byte paragraphs
  fp[9] = 0x04; // MP spec 1.4
  // Feature byte 1 = 0: a configuration table is present. Byte 2 bit 7 (IMCRP) = 0: virtual wire mode.
  fp[10] = checksum(fp);
  return fp;
}

/** Writes the floating pointer and configuration table into `ram` (MP_LAYOUT addresses). */
export function writeMpTables(ram: Uint8Array, d: MpDescription): void {
  ram.set(mpFloatingPointer(MP_LAYOUT.CONFIG_TABLE), MP_LAYOUT.FLOATING_POINTER);
  ram.set(mpConfigTable(d), MP_LAYOUT.CONFIG_TABLE);
}

/** What the BIOS data area reports. */
export interface BdaDescription {
  readonly hardDisks: number;
}

/**
 * BIOS data area fields: COM1's base, the equipment word (one serial port, 80×25 colour),
 * base memory 639 KiB (0x413) and the EBDA segment 0x9FC0 (0x40E) whose first word gives its
 * size (1 KiB), text mode 3 with 80 columns and the CRTC at 0x3D4, the hard disk count (0x475).
 */
export function writeBiosDataArea(ram: Uint8Array, d: BdaDescription): void {
  const v = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
  v.setUint16(BDA.COM1, 0x3f8, true);
  v.setUint16(BDA.EQUIPMENT, (1 << 9) | (2 << 4), true);
  v.setUint16(BDA.BASE_MEMORY, MP_LAYOUT.BASE_MEMORY_KIB, true);
  v.setUint16(BDA.EBDA_SEGMENT, MP_LAYOUT.EBDA_SEGMENT, true);
  ram[BDA.VIDEO_MODE] = 0x03;
  v.setUint16(BDA.COLUMNS, 80, true);
  v.setUint16(BDA.CRTC_BASE, 0x3d4, true);
  ram[BDA.HARD_DISKS] = d.hardDisks;
  ram[MP_LAYOUT.EBDA_SEGMENT * 16] = 1;
}
