/** @file The VMCB layout against AMD APM Vol.2 Appendix B (Table B-1 control area, Table B-2 state-save area) and Appendix C exit codes. */
import { describe, expect, it } from 'vitest';
import { INTERCEPT_MISC1, INTERCEPT_MISC2, VMCB, VMCB_SEGMENT, VMEXIT } from '../../src/svm/vmcb-layout.ts';
import { fromVmcbAttrib, toVmcbAttrib } from '../../src/svm/vmcb-state.ts';

describe('VMCB layout (APM Vol.2 Appendix B)', () => {
  it('control area offsets and widths (Table B-1)', () => {
    const table: [keyof typeof VMCB, number, number][] = [
      ['INTERCEPT_CR', 0x000, 4],
      ['INTERCEPT_DR', 0x004, 4],
      ['INTERCEPT_EXCEPTIONS', 0x008, 4],
      ['INTERCEPT_MISC1', 0x00c, 4],
      ['INTERCEPT_MISC2', 0x010, 4],
      ['IOPM_BASE_PA', 0x040, 8],
      ['MSRPM_BASE_PA', 0x048, 8],
      ['TSC_OFFSET', 0x050, 8],
      ['GUEST_ASID', 0x058, 4],
      ['TLB_CONTROL', 0x05c, 1],
      ['V_INTR', 0x060, 4],
      ['V_INTR_VECTOR', 0x064, 1],
      ['INTERRUPT_SHADOW', 0x068, 8],
      ['EXITCODE', 0x070, 8],
      ['EXITINFO1', 0x078, 8],
      ['EXITINFO2', 0x080, 8],
      ['EXITINTINFO', 0x088, 8],
      ['NP_ENABLE', 0x090, 8],
      ['EVENTINJ', 0x0a8, 8],
      ['N_CR3', 0x0b0, 8],
      ['NRIP', 0x0c8, 8],
    ];
    for (const [name, offset, bytes] of table) expect(VMCB[name], name).toEqual({ offset, bytes });
  });

  it('state-save area offsets (Table B-2, from the VMCB start)', () => {
    expect(VMCB_SEGMENT).toEqual({ ES: 0x400, CS: 0x410, SS: 0x420, DS: 0x430, FS: 0x440, GS: 0x450, GDTR: 0x460, LDTR: 0x470, IDTR: 0x480, TR: 0x490 });
    const table: [keyof typeof VMCB, number][] = [
      ['CPL', 0x4cb],
      ['EFER', 0x4d0],
      ['CR4', 0x548],
      ['CR3', 0x550],
      ['CR0', 0x558],
      ['DR7', 0x560],
      ['DR6', 0x568],
      ['RFLAGS', 0x570],
      ['RIP', 0x578],
      ['RSP', 0x5d8],
      ['RAX', 0x5f8],
      ['STAR', 0x600],
      ['SYSENTER_CS', 0x628],
      ['SYSENTER_ESP', 0x630],
      ['SYSENTER_EIP', 0x638],
      ['CR2', 0x640],
      ['G_PAT', 0x668],
    ];
    for (const [name, offset] of table) expect(VMCB[name].offset, name).toBe(offset);
  });

  it('exit codes (Appendix C) and intercept bit positions', () => {
    expect([VMEXIT.CR0_READ, VMEXIT.CR0_WRITE + 3, VMEXIT.EXCP_BASE + 14, VMEXIT.INTR, VMEXIT.VINTR, VMEXIT.CPUID]).toEqual([0x00, 0x13, 0x4e, 0x60, 0x64, 0x72]);
    expect([VMEXIT.HLT, VMEXIT.INVLPG, VMEXIT.IOIO, VMEXIT.MSR, VMEXIT.TASK_SWITCH, VMEXIT.SHUTDOWN]).toEqual([0x78, 0x79, 0x7b, 0x7c, 0x7d, 0x7f]);
    expect([VMEXIT.VMRUN, VMEXIT.VMMCALL, VMEXIT.NPF, VMEXIT.INVALID]).toEqual([0x80, 0x81, 0x400, -1]);
    expect([INTERCEPT_MISC1.INTR, INTERCEPT_MISC1.CPUID, INTERCEPT_MISC1.HLT, INTERCEPT_MISC1.IOIO_PROT, INTERCEPT_MISC1.MSR_PROT, INTERCEPT_MISC1.SHUTDOWN >>> 0]).toEqual([
      1, 1 << 18, 1 << 24, 1 << 27, 1 << 28, 0x80000000,
    ]);
    expect([INTERCEPT_MISC2.VMRUN, INTERCEPT_MISC2.VMMCALL]).toEqual([1, 2]);
  });

  it('segment attributes pack to the VMCB 12-bit form and back', () => {
    // Flat 32-bit code: access 9Bh, G=1 D=1 → attrib C9Bh.
    expect(toVmcbAttrib(0x9b | (0xc << 12))).toBe(0xc9b);
    expect(fromVmcbAttrib(0xc9b)).toBe(0x9b | 0xc000);
  });
});
