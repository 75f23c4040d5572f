/** @file Moving processor state to and from a VMCB state-save area (the layout of APM Table B-2), and raw VMCB field access. */
import type { Cpu } from '../cpu/cpu.ts';
import { readEflags, writeEflags } from '../cpu/eflags.ts';
import { setCpl, setSegCache } from '../cpu/segmentation.ts';
import { VMCB, VMCB_SEG_FIELD, VMCB_SEGMENT, type VmcbField } from './vmcb-layout.ts';

const SEGMENTS = [VMCB_SEGMENT.ES, VMCB_SEGMENT.CS, VMCB_SEGMENT.SS, VMCB_SEGMENT.DS, VMCB_SEGMENT.FS, VMCB_SEGMENT.GS, VMCB_SEGMENT.LDTR, VMCB_SEGMENT.TR];

/** A DataView over the whole physical memory the VMCBs live in. */
export function memoryView(ram: Uint8Array): DataView {
  return new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
}

/**
 * Reads a VMCB field: fields of up to 4 bytes as unsigned numbers; 8-byte fields as
 * low + high · 2^32 (exact below 2^53; read `readFieldHigh` for the upper dword of wider values).
 */
export function readField(view: DataView, vmcb: number, field: VmcbField): number {
  const at = vmcb + field.offset;
  switch (field.bytes) {
    case 1:
      return view.getUint8(at);
    case 2:
      return view.getUint16(at, true);
    case 4:
      return view.getUint32(at, true);
    default:
      return view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x1_0000_0000;
  }
}

/** The upper dword of an 8-byte VMCB field. */
export function readFieldHigh(view: DataView, vmcb: number, field: VmcbField): number {
  return view.getUint32(vmcb + field.offset + 4, true);
}

/** Writes a VMCB field (8-byte fields from a non-negative number below 2^53, or −1 for all ones). */
export function writeField(view: DataView, vmcb: number, field: VmcbField, value: number): void {
  const at = vmcb + field.offset;
  switch (field.bytes) {
    case 1:
      view.setUint8(at, value & 0xff);
      return;
    case 2:
      view.setUint16(at, value & 0xffff, true);
      return;
    case 4:
      view.setUint32(at, value >>> 0, true);
      return;
    default:
      if (value < 0) {
        view.setInt32(at, -1, true);
        view.setInt32(at + 4, value === -1 ? -1 : 0, true);
        return;
      }
      if (value <= 0xffffffff) {
        // The common case (a register value as uint32): no division.
        view.setUint32(at, value, true);
        view.setUint32(at + 4, 0, true);
        return;
      }
      view.setUint32(at, value % 0x1_0000_0000, true);
      view.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
  }
}

/** Writes an 8-byte VMCB field from its two dwords. */
export function writeField64(view: DataView, vmcb: number, field: VmcbField, lo: number, hi: number): void {
  view.setUint32(vmcb + field.offset, lo >>> 0, true);
  view.setUint32(vmcb + field.offset + 4, hi >>> 0, true);
}

/** VMCB segment attrib (12 bits: descriptor byte 5, then bits 55:52) from a `Cpu.segAttr` value. */
export function toVmcbAttrib(segAttr: number): number {
  return (segAttr & 0xff) | ((segAttr >>> 4) & 0xf00);
}

/** `Cpu.segAttr` value from a VMCB segment attrib. */
export function fromVmcbAttrib(attrib: number): number {
  return (attrib & 0xff) | ((attrib & 0xf00) << 4);
}

/**
 * Copies the processor's state into the state-save area of the VMCB at `vmcb`: segments (ES…GS,
 * LDTR, TR), GDTR, IDTR, CPL, EFER, CR0/2/3/4, DR6/7, RFLAGS, RIP, RSP, RAX, SYSENTER MSRs.
 * (What #VMEXIT saves, and what a monitor uses to seed a VMCB from a loader's entry state.)
 */
export function storeStateSaveArea(cpu: Cpu, view: DataView, vmcb: number): void {
  for (let seg = 0; seg < 8; seg++) {
    const at = vmcb + SEGMENTS[seg]!;
    view.setUint16(at + VMCB_SEG_FIELD.SELECTOR, cpu.segSel[seg]!, true);
    view.setUint16(at + VMCB_SEG_FIELD.ATTRIB, toVmcbAttrib(cpu.segAttr[seg]!), true);
    view.setUint32(at + VMCB_SEG_FIELD.LIMIT, Math.min(cpu.segLimit[seg]!, 0xffffffff), true);
    view.setInt32(at + VMCB_SEG_FIELD.BASE, cpu.segBase[seg]!, true);
    view.setInt32(at + VMCB_SEG_FIELD.BASE + 4, 0, true);
  }
  view.setUint32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.LIMIT, cpu.gdtrLimit, true);
  view.setInt32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.BASE, cpu.gdtrBase, true);
  view.setUint32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.LIMIT, cpu.idtrLimit, true);
  view.setInt32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.BASE, cpu.idtrBase, true);
  view.setUint8(vmcb + VMCB.CPL.offset, cpu.cpl);
  // The 8-byte fields from 32-bit values, written as two dwords (the offsets are the layout's constants).
  store64(view, vmcb + VMCB.EFER.offset, cpu.efer);
  store64(view, vmcb + VMCB.CR0.offset, cpu.cr0);
  store64(view, vmcb + VMCB.CR2.offset, cpu.cr2);
  store64(view, vmcb + VMCB.CR3.offset, cpu.cr3);
  store64(view, vmcb + VMCB.CR4.offset, cpu.cr4);
  store64(view, vmcb + VMCB.DR6.offset, cpu.dr[6]!);
  store64(view, vmcb + VMCB.DR7.offset, cpu.dr[7]!);
  store64(view, vmcb + VMCB.RFLAGS.offset, readEflags(cpu));
  store64(view, vmcb + VMCB.RIP.offset, cpu.eip);
  store64(view, vmcb + VMCB.RSP.offset, cpu.regs[4]!);
  store64(view, vmcb + VMCB.RAX.offset, cpu.regs[0]!);
  store64(view, vmcb + VMCB.SYSENTER_CS.offset, cpu.sysenterCs);
  store64(view, vmcb + VMCB.SYSENTER_ESP.offset, cpu.sysenterEsp);
  store64(view, vmcb + VMCB.SYSENTER_EIP.offset, cpu.sysenterEip);
}

/** An 8-byte field from a 32-bit value (its upper dword zero). */
function store64(view: DataView, at: number, v: number): void {
  view.setInt32(at, v, true);
  view.setInt32(at + 4, 0, true);
}

/** Loads the processor from the state-save area at `vmcb` (the inverse of `storeStateSaveArea`). */
export function loadStateSaveArea(cpu: Cpu, view: DataView, vmcb: number): void {
  for (let seg = 0; seg < 8; seg++) {
    const at = vmcb + SEGMENTS[seg]!;
    const sel = view.getUint16(at + VMCB_SEG_FIELD.SELECTOR, true);
    const base = view.getInt32(at + VMCB_SEG_FIELD.BASE, true);
    const limit = view.getUint32(at + VMCB_SEG_FIELD.LIMIT, true);
    const attr = fromVmcbAttrib(view.getUint16(at + VMCB_SEG_FIELD.ATTRIB, true));
    // A world switch mostly finds a segment as it left it: its fast-check bounds are then current (`updateSegBounds` derives
    // them from these four; only bt-vmm narrows them, and it never uses the SVM unit, which its monitor alone could call).
    if (sel !== cpu.segSel[seg] || base !== cpu.segBase[seg] || limit !== cpu.segLimit[seg] || attr !== cpu.segAttr[seg]) setSegCache(cpu, seg, sel, base, limit, attr);
  }
  cpu.gdtrLimit = view.getUint32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.LIMIT, true) & 0xffff;
  cpu.gdtrBase = view.getInt32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.BASE, true);
  cpu.idtrLimit = view.getUint32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.LIMIT, true) & 0xffff;
  cpu.idtrBase = view.getInt32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.BASE, true);
  setCpl(cpu, view.getUint8(vmcb + VMCB.CPL.offset) & 3);
  cpu.efer = view.getInt32(vmcb + VMCB.EFER.offset, true);
  cpu.cr0 = view.getInt32(vmcb + VMCB.CR0.offset, true);
  cpu.cr2 = view.getInt32(vmcb + VMCB.CR2.offset, true);
  cpu.cr3 = view.getInt32(vmcb + VMCB.CR3.offset, true);
  cpu.cr4 = view.getInt32(vmcb + VMCB.CR4.offset, true);
  cpu.dr[6] = view.getInt32(vmcb + VMCB.DR6.offset, true);
  cpu.dr[7] = view.getInt32(vmcb + VMCB.DR7.offset, true);
  writeEflags(cpu, view.getInt32(vmcb + VMCB.RFLAGS.offset, true), -1);
  cpu.eip = view.getInt32(vmcb + VMCB.RIP.offset, true);
  cpu.nextEip = cpu.eip;
  cpu.regs[4] = view.getInt32(vmcb + VMCB.RSP.offset, true);
  cpu.regs[0] = view.getInt32(vmcb + VMCB.RAX.offset, true);
  cpu.sysenterCs = view.getUint32(vmcb + VMCB.SYSENTER_CS.offset, true) & 0xffff;
  cpu.sysenterEsp = view.getInt32(vmcb + VMCB.SYSENTER_ESP.offset, true);
  cpu.sysenterEip = view.getInt32(vmcb + VMCB.SYSENTER_EIP.offset, true);
}
