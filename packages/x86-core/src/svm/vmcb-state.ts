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
    view.setUint32(at + VMCB_SEG_FIELD.LIMIT, Math.min(cpu.segLimit[seg]!, 0xffffffff) >>> 0, true);
    view.setUint32(at + VMCB_SEG_FIELD.BASE, cpu.segBase[seg]! >>> 0, true);
    view.setUint32(at + VMCB_SEG_FIELD.BASE + 4, 0, true);
  }
  view.setUint32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.LIMIT, cpu.gdtrLimit, true);
  view.setUint32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.BASE, cpu.gdtrBase >>> 0, true);
  view.setUint32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.LIMIT, cpu.idtrLimit, true);
  view.setUint32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.BASE, cpu.idtrBase >>> 0, true);
  writeField(view, vmcb, VMCB.CPL, cpu.cpl);
  writeField(view, vmcb, VMCB.EFER, cpu.efer >>> 0);
  writeField(view, vmcb, VMCB.CR0, cpu.cr0 >>> 0);
  writeField(view, vmcb, VMCB.CR2, cpu.cr2 >>> 0);
  writeField(view, vmcb, VMCB.CR3, cpu.cr3 >>> 0);
  writeField(view, vmcb, VMCB.CR4, cpu.cr4 >>> 0);
  writeField(view, vmcb, VMCB.DR6, cpu.dr[6]! >>> 0);
  writeField(view, vmcb, VMCB.DR7, cpu.dr[7]! >>> 0);
  writeField(view, vmcb, VMCB.RFLAGS, readEflags(cpu) >>> 0);
  writeField(view, vmcb, VMCB.RIP, cpu.eip >>> 0);
  writeField(view, vmcb, VMCB.RSP, cpu.regs[4]! >>> 0);
  writeField(view, vmcb, VMCB.RAX, cpu.regs[0]! >>> 0);
  writeField(view, vmcb, VMCB.SYSENTER_CS, cpu.sysenterCs >>> 0);
  writeField(view, vmcb, VMCB.SYSENTER_ESP, cpu.sysenterEsp >>> 0);
  writeField(view, vmcb, VMCB.SYSENTER_EIP, cpu.sysenterEip >>> 0);
}

/** Loads the processor from the state-save area at `vmcb` (the inverse of `storeStateSaveArea`). */
export function loadStateSaveArea(cpu: Cpu, view: DataView, vmcb: number): void {
  for (let seg = 0; seg < 8; seg++) {
    const at = vmcb + SEGMENTS[seg]!;
    setSegCache(
      cpu,
      seg,
      view.getUint16(at + VMCB_SEG_FIELD.SELECTOR, true),
      view.getUint32(at + VMCB_SEG_FIELD.BASE, true),
      view.getUint32(at + VMCB_SEG_FIELD.LIMIT, true),
      fromVmcbAttrib(view.getUint16(at + VMCB_SEG_FIELD.ATTRIB, true)),
    );
  }
  cpu.gdtrLimit = view.getUint32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.LIMIT, true) & 0xffff;
  cpu.gdtrBase = view.getInt32(vmcb + VMCB_SEGMENT.GDTR + VMCB_SEG_FIELD.BASE, true);
  cpu.idtrLimit = view.getUint32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.LIMIT, true) & 0xffff;
  cpu.idtrBase = view.getInt32(vmcb + VMCB_SEGMENT.IDTR + VMCB_SEG_FIELD.BASE, true);
  setCpl(cpu, readField(view, vmcb, VMCB.CPL) & 3);
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
