/** @file vmrun and #VMEXIT: a small guest exercises each intercept and the test checks the exit code and exit information the VMCB reports. */
import { buildNestedTables, hpa, Tlb } from '@x86virt/mmu';
import { describe, expect, it } from 'vitest';
import { Svm } from '../../src/svm/svm.ts';
import { EFER_SVME, EVENTINJ, INTERCEPT_MISC1, INTERCEPT_MISC2, IOIO_INFO, V_INTR, VMCB, VMEXIT } from '../../src/svm/vmcb-layout.ts';
import { memoryView, readField, readFieldHigh, storeStateSaveArea, writeField } from '../../src/svm/vmcb-state.ts';
import { createMachine, type Machine } from '../helpers/machine.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

const VMCB_PA = 0x80000;
const HSAVE = 0x81000;
const IOPM = 0x82000;
const MSRPM = 0x85000;

interface Rig {
  readonly m: Machine;
  readonly svm: Svm;
  readonly view: DataView;
  set(field: keyof typeof VMCB, value: number): void;
  get(field: keyof typeof VMCB): number;
}

/** A flat guest at 0x1000 running `code`, with every port and MSR intercepted and the usual instruction intercepts. */
function rig(code: number[], o: { idt?: boolean } = {}): Rig {
  const m = createMachine({ ramSize: 0x100000, code });
  if (o.idt) {
    setupGdt(m);
    setupIdt(m, 0x3000);
  }
  const svm = new Svm(m.cpu, m.engine);
  const view = memoryView(m.ram);
  m.cpu.efer |= EFER_SVME;
  m.cpu.vmHsavePa = HSAVE;
  storeStateSaveArea(m.cpu, view, VMCB_PA);
  const set = (f: keyof typeof VMCB, v: number): void => writeField(view, VMCB_PA, VMCB[f], v);
  const get = (f: keyof typeof VMCB): number => readField(view, VMCB_PA, VMCB[f]);
  set('EFER', EFER_SVME);
  set('GUEST_ASID', 1);
  set('INTERCEPT_MISC2', INTERCEPT_MISC2.VMRUN | INTERCEPT_MISC2.VMMCALL);
  set(
    'INTERCEPT_MISC1',
    INTERCEPT_MISC1.IOIO_PROT | INTERCEPT_MISC1.MSR_PROT | INTERCEPT_MISC1.CPUID | INTERCEPT_MISC1.HLT | INTERCEPT_MISC1.INVLPG | INTERCEPT_MISC1.INTR | INTERCEPT_MISC1.VINTR | INTERCEPT_MISC1.SHUTDOWN,
  );
  m.ram.fill(0xff, IOPM, IOPM + 0x3000);
  m.ram.fill(0xff, MSRPM, MSRPM + 0x2000);
  set('IOPM_BASE_PA', IOPM);
  set('MSRPM_BASE_PA', MSRPM);
  return { m, svm, view, set, get };
}

describe('vmrun / #VMEXIT', () => {
  it('OUT imm8: IOIO with port, size, address size; EXITINFO2 = next rIP; guest state saved, host restored', () => {
    const r = rig([/* mov eax, 0x12345678 */ 0xb8, 0x78, 0x56, 0x34, 0x12, /* out 0x80, al */ 0xe6, 0x80]);
    const host = r.m.cpu.eip;
    expect(r.svm.vmrun(VMCB_PA, 100)).toBe(VMEXIT.IOIO);
    expect(r.get('EXITCODE')).toBe(0x7b);
    expect(r.get('EXITINFO1')).toBe((0x80 << 16) | IOIO_INFO.SZ8 | IOIO_INFO.A32);
    expect(r.get('EXITINFO2')).toBe(0x1007);
    expect(r.get('RIP')).toBe(0x1005);
    expect(r.get('RAX')).toBe(0x12345678);
    expect(r.m.io.writes).toEqual([]);
    expect(r.m.cpu.guestMode).toBe(false);
    expect(r.m.cpu.eip).toBe(host);
    expect(r.m.cpu.counters.retired[0]).toBe(1);
  });

  it('IN with DX and a 16-bit operand, REP OUTSB: TYPE, STR, REP, SZ16', () => {
    let r = rig([/* mov dx, 0x3f8 */ 0x66, 0xba, 0xf8, 0x03, /* in ax, dx */ 0x66, 0xed]);
    expect(r.svm.vmrun(VMCB_PA, 100)).toBe(VMEXIT.IOIO);
    expect(r.get('EXITINFO1')).toBe(((0x3f8 << 16) | IOIO_INFO.IN | IOIO_INFO.SZ16 | IOIO_INFO.A32) >>> 0);
    r = rig([/* mov dx, 0xf4 */ 0x66, 0xba, 0xf4, 0x00, /* rep outsb */ 0xf3, 0x6e]);
    expect(r.svm.vmrun(VMCB_PA, 100)).toBe(VMEXIT.IOIO);
    expect(r.get('EXITINFO1')).toBe((0xf4 << 16) | IOIO_INFO.STR | IOIO_INFO.REP | IOIO_INFO.SZ8 | IOIO_INFO.A32 | (3 << IOIO_INFO.SEG_SHIFT));
  });

  it('a port whose IOPM bit is clear goes to the device without an exit', () => {
    const r = rig([/* out 0x80, al */ 0xe6, 0x80, /* hlt */ 0xf4]);
    r.m.ram[IOPM + (0x80 >>> 3)] = 0;
    expect(r.svm.vmrun(VMCB_PA, 100)).toBe(VMEXIT.HLT);
    expect(r.m.io.writes).toEqual([{ port: 0x80, size: 1, value: 0 }]);
    expect(r.get('RIP')).toBe(0x1002);
    expect(r.get('NRIP')).toBe(0x1003);
  });

  it('CPUID, RDMSR, WRMSR, VMMCALL, VMRUN in the guest', () => {
    expect(rig([0x0f, 0xa2]).svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.CPUID);
    let r = rig([/* mov ecx, 0x10 */ 0xb9, 0x10, 0, 0, 0, /* rdmsr */ 0x0f, 0x32]);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.MSR);
    expect(r.get('EXITINFO1')).toBe(0);
    r = rig([/* mov ecx, 0x174 */ 0xb9, 0x74, 0x01, 0, 0, /* wrmsr */ 0x0f, 0x30]);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.MSR);
    expect(r.get('EXITINFO1')).toBe(1);
    expect(rig([0x0f, 0x01, 0xd9]).svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.VMMCALL);
    expect(rig([0x0f, 0x01, 0xd8]).svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.VMRUN);
  });

  it('ICEBP (F1) with its intercept: exit 88h before the #DB, rIP on it, nRIP past it', () => {
    const r = rig([/* nop */ 0x90, /* icebp */ 0xf1]);
    r.set('INTERCEPT_MISC2', INTERCEPT_MISC2.VMRUN | INTERCEPT_MISC2.ICEBP);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.ICEBP);
    expect(r.get('RIP')).toBe(0x1001);
    expect(r.get('NRIP')).toBe(0x1002);
    expect(r.get('EXITINTINFO')).toBe(0);
  });

  it('MOV to/from CR with decode assists; INVLPG with the linear address', () => {
    let r = rig([/* mov cr3, ebx */ 0x0f, 0x22, 0xdb]);
    r.set('INTERCEPT_CR', (1 << 0) | (1 << (16 + 3)));
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.CR0_WRITE + 3);
    expect(r.view.getUint32(VMCB_PA + VMCB.EXITINFO1.offset, true)).toBe(3); // EBX
    expect(readFieldHigh(r.view, VMCB_PA, VMCB.EXITINFO1)).toBe(0x80000000);
    r = rig([/* mov eax, cr0 */ 0x0f, 0x20, 0xc0]);
    r.set('INTERCEPT_CR', 1);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.CR0_READ);
    r = rig([/* invlpg [0x5000] */ 0x0f, 0x01, 0x3d, 0x00, 0x50, 0x00, 0x00]);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.INVLPG);
    expect(r.get('EXITINFO1')).toBe(0x5000);
  });

  it('exceptions by vector: #UD and #GP with its error code; #PF reports the address in EXITINFO2 and leaves CR2', () => {
    let r = rig([/* ud2 */ 0x0f, 0x0b]);
    r.set('INTERCEPT_EXCEPTIONS', 1 << 6);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.EXCP_BASE + 6);
    expect(r.get('RIP')).toBe(0x1000);
    r = rig([/* mov ds, ax (selector 0x1234: TI=1, no LDT) */ 0x8e, 0xd8], { idt: true });
    r.m.cpu.regs[0] = 0x1234;
    storeStateSaveArea(r.m.cpu, r.view, VMCB_PA);
    r.set('EFER', EFER_SVME);
    r.set('INTERCEPT_EXCEPTIONS', 1 << 13);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.EXCP_BASE + 13);
    expect(r.get('EXITINFO1')).toBe(0x1234); // selector | TI (an LDT selector), RPL bits clear
    // Paging on with an empty page directory at 0x10000: the fetch faults.
    r = rig([0x90]);
    r.set('CR0', (r.get('CR0') | 0x80000000) >>> 0);
    r.set('CR3', 0x10000);
    r.set('CR2', 0xdead000);
    r.set('INTERCEPT_EXCEPTIONS', 1 << 14);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.EXCP_BASE + 14);
    expect(r.get('EXITINFO1')).toBe(0); // not present, supervisor read (a fetch sets no I/D without NX)
    expect(r.get('EXITINFO2')).toBe(0x1000);
    expect(r.get('CR2')).toBe(0xdead000);
  });

  it('INTR exits before the acknowledge; a virtual interrupt exits as VINTR once IF=1', () => {
    let r = rig([0x90, 0x90, 0x90]);
    r.m.pic.pending.push(0x20);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.INTR);
    expect(r.m.pic.pending).toEqual([0x20]);
    expect(r.get('RIP')).toBe(0x1000);
    r = rig([/* nop; sti; nop; nop */ 0x90, 0xfb, 0x90, 0x90]);
    r.set('V_INTR', V_INTR.IRQ | V_INTR.IGN_TPR);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.VINTR);
    expect(r.get('RIP')).toBe(0x1003); // after STI and the one instruction of its shadow
  });

  it('EVENTINJ delivers through the guest IDT; a fault while delivering reports EXITINTINFO', () => {
    let r = rig([0x90], { idt: true });
    r.m.ram[0x3000 + 0x20 * 0x10] = 0xf4; // handler of vector 0x20: hlt
    r.set('EVENTINJ', (EVENTINJ.V | 0x20) >>> 0);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.HLT);
    expect(r.get('RIP')).toBe(0x3200);
    expect(r.get('EVENTINJ')).toBe(0);
    expect(r.svm.counters.injected).toBe(1);
    r = rig([0x90], { idt: true });
    r.m.ram[0x21000 + 0x21 * 8 + 5] &= 0x7f; // IDT gate 0x21 not present → #NP
    r.set('INTERCEPT_EXCEPTIONS', 1 << 11);
    r.set('EVENTINJ', (EVENTINJ.V | 0x21) >>> 0);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.EXCP_BASE + 11);
    expect(r.get('EXITINFO1')).toBe(0x21 * 8 + 2 + 1);
    expect(r.get('EXITINTINFO') % 0x1_0000_0000).toBe((EVENTINJ.V | 0x21) >>> 0);
  });

  it('a triple fault exits as SHUTDOWN; an invalid VMCB as VMEXIT_INVALID', () => {
    let r = rig([0x0f, 0x0b]);
    r.set('INTERCEPT_EXCEPTIONS', 0);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.SHUTDOWN);
    expect(r.m.cpu.shutdown).toBeNull();
    r = rig([0x90]);
    r.set('GUEST_ASID', 0);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.INVALID);
    expect(readFieldHigh(r.view, VMCB_PA, VMCB.EXITCODE)).toBe(0xffffffff);
    r = rig([0x90]);
    r.set('INTERCEPT_MISC2', 0);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.INVALID);
    expect(r.svm.counters.vmruns).toBe(1);
  });

  it('the budget ends guest mode as a preemption (an INTR exit) with the state saved', () => {
    const r = rig([/* inc eax; jmp $-1 */ 0x40, 0xeb, 0xfd]);
    expect(r.svm.vmrun(VMCB_PA, 9)).toBe(VMEXIT.INTR);
    expect(r.svm.preempted).toBe(true);
    expect(r.get('RAX')).toBe(5);
  });

  it('nested paging: guest-physical goes through N_CR3 (2-D walk counted); an unmapped gPA exits as NPF', () => {
    const r = rig([/* mov eax, [0x7000] */ 0xa1, 0x00, 0x70, 0x00, 0x00, /* mov eax, [0x90000] */ 0xa1, 0x00, 0x00, 0x09, 0x00]);
    const ncr3 = buildNestedTables(r.m.ram, hpa(0xa0000), 0x2000, 0x80000, hpa(0));
    r.m.ram[0x7000] = 0x5a;
    r.set('NP_ENABLE', 1);
    r.set('N_CR3', ncr3);
    r.set('TLB_CONTROL', 1);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.NPF);
    expect(r.get('RAX')).toBe(0x5a);
    expect(r.get('EXITINFO1') % 0x1_0000_0000).toBe(0x4); // not present, read, user (nested walks are user accesses)
    expect(readFieldHigh(r.view, VMCB_PA, VMCB.EXITINFO1)).toBe(1); // bit 32: the final gPA
    expect(r.get('EXITINFO2')).toBe(0x90000);
    expect(r.get('RIP')).toBe(0x1005);
    // Guest paging off: each miss is one nested walk of 2 references (code page, data page, faulting page).
    expect(r.svm.tlbFor(1).counters.walkReferences).toBe(6);
  });

  it('ASID-tagged TLBs: the guest fills its own TLB, the host TLB is untouched; a TLB of the monitor\'s making can be used', () => {
    const r = rig([0x90, 0xf4]);
    const own = new Tlb({ isRam: () => false });
    r.svm.useTlb(2, own);
    r.set('GUEST_ASID', 2);
    expect(r.svm.vmrun(VMCB_PA, 10)).toBe(VMEXIT.HLT);
    expect(own.counters.misses).toBeGreaterThan(0);
    expect(own.counters.fills).toBe(0);
    expect(r.m.cpu.tlb).toBe(r.svm.tlbFor(0));
  });
});
