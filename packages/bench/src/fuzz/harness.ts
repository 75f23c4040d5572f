/** @file Builds a fuzz program into a multiboot (a.out-kludge) image: descriptor tables, paging, exception handlers, phase entry/exit, the final state dump and memory hash. */
import { Asm } from './asm.ts';
import { ERROR_CODE_VECTORS, FUZZ_LAYOUT as L, PHASE_END_VECTOR, SEL } from './layout.ts';
import { phaseSlots, type FuzzPhase, type FuzzProgram } from './program.ts';
import { Rng } from './rng.ts';

const EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
const COM1 = 0x3f8;
const EXIT_PORT = 0xf4;
/** Exit code of a run that ended through an exception the harness could not resume from (the FATAL word says which). */
export const FUZZ_EXIT_FATAL = 3;

// ---- instruction helpers (SS overrides: the harness never trusts DS/ES, which the guest may have reloaded) ----
const movRI = (a: Asm, r: number, imm: number): Asm => a.db(0xb8 + r).dd(imm);
const ssStore = (a: Asm, addr: number, r: number): Asm => a.db(0x36, 0x89, (r << 3) | 5).dd(addr);
const ssStoreImm = (a: Asm, addr: number, imm: number): Asm => a.db(0x36, 0xc7, 0x05).dd(addr).dd(imm);
const ssStoreSreg = (a: Asm, addr: number, sreg: number): Asm => a.db(0x36, 0x8c, (sreg << 3) | 5).dd(addr);
const movSreg = (a: Asm, sreg: number, r: number): Asm => a.db(0x8e, 0xc0 | (sreg << 3) | r);
const loadData = (a: Asm, sel: number, withSs: boolean): Asm => {
  movRI(a, EAX, sel);
  for (const s of withSs ? [3, 0, 2, 4, 5] : [3, 0, 4, 5]) movSreg(a, s, EAX);
  return a;
};
const jmp = (a: Asm, label: string): Asm => a.db(0xe9).rel32(label);
const call = (a: Asm, label: string): Asm => a.db(0xe8).rel32(label);
const putc = (a: Asm, c: number): Asm => a.db(0xb0, c, 0xee);

/** A GDT descriptor as two dwords. */
function descriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const lo = ((limit & 0xffff) | ((base & 0xffff) << 16)) >>> 0;
  const hi = (((base >>> 16) & 0xff) | (access << 8) | (((limit >>> 16) & 0xf) << 16) | (flags << 20) | (base & 0xff000000)) >>> 0;
  return [lo, hi];
}

/** Where each phase's slots start. */
function slotBases(program: FuzzProgram): number[] {
  let k: number = L.RAND_K;
  let u: number = L.RAND_U;
  return program.phases.map((p) => {
    const at = p.ring === 'kernel' ? k : u;
    const end = at + phaseSlots(p) * L.SLOT;
    if (end > (p.ring === 'kernel' ? L.RAND_U : L.RAND_END)) throw new Error('fuzz program too large: its phases overflow the random-code pages');
    if (p.ring === 'kernel') k = end;
    else u = end;
    return at;
  });
}

/** Bytes of one slot at `addr` (branch slots resolved against the phase's slot range). */
function slotBytes(slot: string, addr: number, lastSlot: number): number[] {
  if (slot.startsWith('j:')) {
    const [, op, ahead] = slot.split(':');
    const target = Math.min(addr + Number(ahead) * L.SLOT, lastSlot);
    return [Number.parseInt(op as string, 16), (target - (addr + 2)) & 0xff];
  }
  const b = slot.split(' ').map((x) => Number.parseInt(x, 16));
  if (b.length === 0 || b.length >= L.SLOT || b.some((x) => !(x >= 0 && x <= 0xff))) throw new Error(`bad fuzz slot '${slot}'`);
  return b;
}

/** The hashed memory at the end: [linear address, dwords]. */
function hashedRegions(): [number, number][] {
  return [
    [L.FRAMES, (L.FRAME_COUNT * 0x1000) / 4],
    [L.BIG_WINDOW, (L.BIG_PAGES * 0x1000) / 4],
    [L.PD, 0x3000 / 4], // PD, PT0, PT1 (accessed/dirty bits included)
    [L.USTACK_LO, (L.USTACK_HI - L.USTACK_LO) / 4],
    [0x108000, 0x2000 / 4], // the kernel stacks
  ];
}

/** Emits the exception stubs and the common handler: log the event, resume at the next slot or fall to the fatal path. */
function emitHandlers(a: Asm): void {
  for (let v = 0; v < 32; v++) {
    a.label(`stub${v}`);
    if (v === 8) {
      // #DF: the saved CS:EIP are undefined (SDM Vol.3 §6.15): record the vector only.
      ssStoreImm(a, L.FATAL, 0x100 | v);
      jmp(a, 'final');
      continue;
    }
    if (!ERROR_CODE_VECTORS.has(v)) a.db(0x6a, 0x00);
    a.db(0x6a, v);
    jmp(a, 'common');
  }
  for (const v of [0x30, 0x31]) {
    a.label(`stub${v}`).db(0x6a, 0x00).db(0x6a, v);
    jmp(a, 'common');
  }
  a.label('common');
  a.db(0x50, 0x53); // push eax; push ebx  → [esp+8] vector, +12 error, +16 eip, +20 cs
  a.db(0x36, 0x8b, 0x1d).dd(L.LOG_COUNT); // mov ebx, ss:[count]
  a.db(0x36, 0xff, 0x05).dd(L.LOG_COUNT); // inc dword ss:[count]
  a.db(0x83, 0xe3, L.LOG_ENTRIES - 1); // and ebx, entries-1
  a.db(0xc1, 0xe3, 0x04); // shl ebx, 4
  a.db(0x8b, 0x44, 0x24, 20); // mov eax, [esp+20] (cs)
  a.db(0x83, 0xe0, 0x03); // and eax, 3
  a.db(0xc1, 0xe0, 0x08); // shl eax, 8
  a.db(0x0b, 0x44, 0x24, 8); // or eax, [esp+8]
  a.db(0x36, 0x89, 0x83).dd(L.LOG); // mov ss:[ebx+LOG], eax
  a.db(0x8b, 0x44, 0x24, 12).db(0x36, 0x89, 0x83).dd(L.LOG + 4);
  a.db(0x8b, 0x44, 0x24, 16).db(0x36, 0x89, 0x83).dd(L.LOG + 8);
  a.db(0x0f, 0x20, 0xd0).db(0x36, 0x89, 0x83).dd(L.LOG + 12); // cr2
  a.db(0x8b, 0x44, 0x24, 16); // mov eax, [esp+16] (eip)
  a.db(0x3d).dd(L.RAND_K).db(0x0f, 0x82).rel32('notrand'); // cmp eax, RAND_K; jb
  a.db(0x3d).dd(L.RAND_END).db(0x0f, 0x83).rel32('notrand'); // cmp eax, RAND_END; jae
  a.db(0xa8, L.SLOT - 1).db(0x75).rel8('nextslot'); // test al, 15; jnz nextslot
  a.db(0x83, 0x7c, 0x24, 8, 1).db(0x0f, 0x84).rel32('resume'); // a #DB trap at a slot start (after a branch): resume there
  a.label('nextslot');
  a.db(0x25).dd(~(L.SLOT - 1) >>> 0).db(0x05).dd(L.SLOT); // and eax, ~15; add eax, 16
  a.db(0x89, 0x44, 0x24, 16); // mov [esp+16], eax
  a.label('resume');
  a.db(0x5b, 0x58, 0x83, 0xc4, 0x08, 0xcf); // pop ebx; pop eax; add esp, 8; iretd
  a.label('notrand');
  a.db(0x83, 0x7c, 0x24, 8, 1).db(0x0f, 0x84).rel32('resume'); // #DB in harness code (TF still set): continue
  a.db(0x8b, 0x44, 0x24, 8).db(0x0d).dd(0x200); // mov eax, [esp+8]; or eax, 0x200
  ssStore(a, L.FATAL, EAX);
  jmp(a, 'final');
}

/** Emits the code of one phase's entry (prologue) and exit (epilogue). */
function emitPhase(a: Asm, program: FuzzProgram, p: number, slotBase: number): void {
  const phase = program.phases[p] as FuzzPhase;
  const rec = L.STATE + p * L.RECORD_DWORDS * 4;
  const next = p + 1 < program.phases.length ? `enter${p + 1}` : 'final';
  a.label(`enter${p}`);
  if (phase.ring === 'kernel') {
    movRI(a, ESP, L.KSTACK);
    loadData(a, phase.dataSel, false);
    a.db(0x68).dd(phase.eflags).db(0x9d); // push imm; popfd
    for (const r of [EAX, ECX, EDX, EBX, EBP, ESI, EDI]) movRI(a, r, phase.regs[r] ?? 0);
    a.db(0xe9).dd(slotBase - (a.here + 4));
    // The epilogue: the phase's last slot jumps here.
    a.label(`exit${p}`);
    a.db(0x9c, 0x36, 0x8f, 0x05).dd(rec + 32); // pushfd; pop ss:[rec+32]
    for (const r of [EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI]) ssStore(a, rec + 4 * r, r);
    [0, 3, 4, 5, 2].forEach((s, i) => ssStoreSreg(a, rec + 36 + 4 * i, s)); // es ds fs gs ss
    a.db(0x0f, 0x20, 0xc0); // mov eax, cr0
    ssStore(a, rec + 56, EAX);
    a.db(0x6a, 0x02, 0x9d); // push 2; popfd
    loadData(a, SEL.KDATA, false);
    jmp(a, next);
  } else {
    movRI(a, ESP, L.ESP0);
    a.db(0x36, 0xc7, 0x05).dd(L.STATE - 4).abs32(`exit${p}`); // the phase-end handler's target
    loadData(a, phase.dataSel, false);
    a.db(0x6a, SEL.UDATA, 0x68).dd(L.USER_ESP).db(0x68).dd(phase.eflags).db(0x6a, SEL.UCODE, 0x68).dd(slotBase);
    for (const r of [EAX, ECX, EDX, EBX, EBP, ESI, EDI]) movRI(a, r, phase.regs[r] ?? 0);
    a.db(0xcf); // iretd to CPL 3
    // Reached from the phase-end handler, registers already in the temporary record: copy it.
    a.label(`exit${p}`);
    loadData(a, SEL.KDATA, false);
    a.db(0xfc); // cld
    movRI(a, ESI, L.STATE - 4 - L.RECORD_DWORDS * 4);
    movRI(a, EDI, rec);
    movRI(a, ECX, L.RECORD_DWORDS);
    a.db(0xf3, 0xa5); // rep movsd
    jmp(a, next);
  }
}

/** The user phases' end: INT 0x80 from CPL 3. Saves the user state to the temporary record and jumps to the phase's exit. */
function emitPhaseEnd(a: Asm): void {
  const tmp = L.STATE - 4 - L.RECORD_DWORDS * 4;
  a.label('stubEnd');
  for (const r of [EAX, ECX, EDX, EBX, EBP, ESI, EDI]) ssStore(a, tmp + 4 * r, r);
  a.db(0x8b, 0x44, 0x24, 12); // user esp
  ssStore(a, tmp + 16, EAX);
  a.db(0x8b, 0x44, 0x24, 8); // eflags
  ssStore(a, tmp + 32, EAX);
  [0, 3, 4, 5].forEach((s, i) => ssStoreSreg(a, tmp + 36 + 4 * i, s));
  a.db(0x8b, 0x44, 0x24, 16); // user ss
  ssStore(a, tmp + 52, EAX);
  a.db(0x0f, 0x20, 0xc0);
  ssStore(a, tmp + 56, EAX);
  a.db(0x36, 0xff, 0x25).dd(L.STATE - 4); // jmp ss:[target]
}

/** Emits the final dump: records, exception log, memory hash on COM1; then the exit port. */
function emitFinal(a: Asm, phases: number): void {
  a.label('final');
  a.db(0xfa); // cli
  movRI(a, ESP, L.ESP0);
  loadData(a, SEL.KDATA, true);
  a.db(0x6a, 0x02, 0x9d, 0xfc);
  movRI(a, EDX, COM1);
  for (const [addr, n, per] of [[L.STATE, phases * L.RECORD_DWORDS, L.RECORD_DWORDS], [L.LOG_COUNT, 2, 2], [L.LOG, L.LOG_ENTRIES * 4, 4]] as const) {
    movRI(a, ESI, addr);
    movRI(a, ECX, n);
    movRI(a, EDI, per);
    call(a, 'dump');
  }
  putc(a, 0x48); // 'H', then the running hash after each region (the first differing one says where)
  movRI(a, EAX, 0x811c9dc5);
  for (const [addr, n] of hashedRegions()) {
    a.db(0x50);
    putc(a, 0x20);
    a.db(0x58);
    movRI(a, ESI, addr);
    movRI(a, ECX, n);
    call(a, 'hash');
    call(a, 'puthex'); // EAX comes back unchanged (eight 4-bit rotations)
  }
  putc(a, 0x0a);
  a.db(0x36, 0xa1).dd(L.FATAL); // mov eax, ss:[FATAL]
  a.db(0x85, 0xc0, 0x74, 0x02, 0xb0, FUZZ_EXIT_FATAL); // test eax,eax; jz +2; mov al, 3
  a.db(0xe6, EXIT_PORT);
  a.label('spin').db(0xf4).db(0xeb).rel8('spin');

  // puthex: EAX as 8 hex digits to port DX.
  a.label('puthex');
  a.db(0x51, 0x53); // push ecx; push ebx
  movRI(a, ECX, 8);
  a.label('puthex_l');
  a.db(0xc1, 0xc0, 0x04, 0x89, 0xc3, 0x83, 0xe3, 0x0f, 0x50); // rol eax,4; mov ebx,eax; and ebx,15; push eax
  a.db(0x36, 0x8a, 0x83).dd(L.HEX); // mov al, ss:[ebx+HEX]
  a.db(0xee, 0x58, 0x49).db(0x75).rel8('puthex_l'); // out dx,al; pop eax; dec ecx; jnz
  a.db(0x5b, 0x59, 0xc3);

  // dump: ECX dwords from ESI, EDI per line.
  a.label('dump');
  a.db(0x31, 0xed); // xor ebp, ebp
  a.label('dump_l');
  a.db(0x36, 0x8b, 0x06); // mov eax, ss:[esi]
  call(a, 'puthex');
  putc(a, 0x20);
  a.db(0x83, 0xc6, 0x04, 0x45, 0x39, 0xfd).db(0x75).rel8('dump_n'); // add esi,4; inc ebp; cmp ebp,edi; jne
  a.db(0x31, 0xed);
  putc(a, 0x0a);
  a.label('dump_n');
  a.db(0x49).db(0x0f, 0x85).rel32('dump_l');
  a.db(0xc3);

  // hash: fold ECX dwords from ESI into EAX (kept in EBX on return too).
  a.label('hash');
  a.db(0xc1, 0xc0, 0x05, 0x36, 0x33, 0x06, 0x69, 0xc0).dd(0x9e3779b1); // rol eax,5; xor eax,ss:[esi]; imul eax,eax,K
  a.db(0x83, 0xc6, 0x04, 0x49).db(0x75).rel8('hash'); // add esi,4; dec ecx; jnz
  a.db(0x89, 0xc3, 0xc3); // mov ebx, eax; ret
}

/** Builds the image of `program`: a flat a.out-kludge multiboot kernel loaded at `FUZZ_LAYOUT.LOAD`. */
export function buildFuzzImage(program: FuzzProgram): Uint8Array {
  const bases = slotBases(program);
  const a = new Asm(L.LOAD);
  // Multiboot header with the a.out kludge (flags bit 16).
  const flags = 0x00010000;
  a.dd(0x1badb002).dd(flags).dd((-(0x1badb002 + flags)) >>> 0);
  a.dd(L.LOAD).dd(L.LOAD).dd(L.IMAGE_END).dd(L.IMAGE_END).dd(L.CODE);
  a.org(L.CODE);
  // Entry: mask the PIC, own descriptor tables, paging on.
  a.db(0xfa, 0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1);
  a.db(0x0f, 0x01, 0x15).dd(L.GDTR).db(0x0f, 0x01, 0x1d).dd(L.IDTR);
  a.db(0xea).abs32('cs_loaded').dw(SEL.KCODE);
  a.label('cs_loaded');
  loadData(a, SEL.KDATA, true);
  movRI(a, ESP, L.ESP0);
  movRI(a, EAX, SEL.TSS).db(0x0f, 0x00, 0xd8); // ltr ax
  movRI(a, EAX, L.PD).db(0x0f, 0x22, 0xd8);
  movRI(a, EAX, 0x10).db(0x0f, 0x22, 0xe0); // CR4.PSE
  a.db(0x0f, 0x20, 0xc0).db(0x25).dd(~0x10000 >>> 0).db(0x0d).dd((0x80000000 | (program.wp ? 0x10000 : 0)) >>> 0).db(0x0f, 0x22, 0xc0);
  jmp(a, 'enter0');
  emitHandlers(a);
  emitPhaseEnd(a);
  program.phases.forEach((_, p) => emitPhase(a, program, p, bases[p] as number));
  emitFinal(a, program.phases.length);
  a.org(L.CODE_END, 0xcc);

  // Data: GDT, descriptor-table pointers, TSS, hex digits.
  const gdt: [number, number][] = [
    [0, 0],
    descriptor(0, 0xfffff, 0x9a, 0xc),
    descriptor(0, 0xfffff, 0x92, 0xc),
    descriptor(0, 0xfffff, 0xfa, 0xc),
    descriptor(0, 0xfffff, 0xf2, 0xc),
    descriptor(L.TSS, 0x67, 0x89, 0x0),
    descriptor(0, 0xffff, 0xf2, 0x4),
    descriptor(L.SCRATCH, 0xfffff, 0xf0, 0xc),
    descriptor(0, 0xfffff, 0x72, 0xc),
    descriptor(0, 0xffff, 0x96, 0x4),
  ];
  for (const [lo, hi] of gdt) a.dd(lo).dd(hi);
  a.org(L.GDTR, 0).dw(gdt.length * 8 - 1).dd(L.GDT);
  a.org(L.IDTR, 0).dw(256 * 8 - 1).dd(L.IDT);
  a.org(L.TSS, 0).dd(0).dd(L.ESP0).dd(SEL.KDATA);
  a.org(L.TSS + 0x66, 0).dw(0x68);
  a.org(L.HEX, 0);
  for (const c of '0123456789abcdef') a.db(c.charCodeAt(0));
  // The IDT is filled in after `finish` (it needs the stub addresses); then the page tables.
  const image = a;
  image.org(L.PD, 0);
  image.dd((L.PT0 | 7) >>> 0).dd(program.pde1 >>> 0);
  image.org(L.PT0, 0);
  for (let i = 0; i < 1024; i++) {
    const addr = i * 0x1000;
    let pte = addr | 3;
    if (i === 0) pte = 0;
    else if (addr >= L.RAND_U && addr < L.RAND_END) pte = addr | 5;
    else if (addr >= L.USTACK_LO && addr < L.USTACK_HI) pte = addr | 7;
    else if (addr >= L.BIG_WINDOW) pte = (L.BIG_PHYS + (addr - L.BIG_WINDOW)) | 3;
    image.dd(pte >>> 0);
  }
  for (let i = 0; i < 1024; i++) image.dd(i < L.SCRATCH_PAGES ? (program.ptes[i] ?? 0) >>> 0 : 0);
  // Random code: each phase's slots, then its terminal slot.
  const code: [number, number[]][] = [];
  program.phases.forEach((phase, p) => {
    const base = bases[p] as number;
    const last = base + (phaseSlots(phase) - 1) * L.SLOT;
    let at = base;
    for (const item of phase.items) {
      for (const s of item.slots) {
        code.push([at, slotBytes(s, at, last)]);
        at += L.SLOT;
      }
    }
    code.push([at, phase.ring === 'user' ? [0xcd, PHASE_END_VECTOR] : [0xe9, 0, 0, 0, 0]]);
  });
  image.org(L.IMAGE_END, 0);
  const bytes = image.finish();
  const view = new DataView(bytes.buffer);
  const at = (addr: number): number => addr - L.LOAD;
  for (let s = L.RAND_K; s < L.RAND_END; s++) bytes[at(s)] = 0x90;
  for (const [addr, b] of code) bytes.set(b, at(addr));
  // Kernel terminal slots: jmp to the phase's epilogue.
  program.phases.forEach((phase, p) => {
    if (phase.ring !== 'kernel') return;
    const last = (bases[p] as number) + (phaseSlots(phase) - 1) * L.SLOT;
    view.setInt32(at(last + 1), a.addressOf(`exit${p}`) - (last + 5), true);
  });
  // IDT gates: interrupt gates to the stubs; #BP/#OF and the phase end reachable from CPL 3.
  const gates: [number, number][] = [];
  for (let v = 0; v < 32; v++) gates.push([v, a.addressOf(`stub${v}`)]);
  gates.push([0x30, a.addressOf('stub48')], [0x31, a.addressOf('stub49')], [PHASE_END_VECTOR, a.addressOf('stubEnd')]);
  for (const [v, target] of gates) {
    const dpl = v === 3 || v === 4 || v === PHASE_END_VECTOR || v === 0x30 ? 3 : 0;
    const type = v === 0x30 ? 0xf : 0xe;
    const e = at(L.IDT + v * 8);
    view.setUint32(e, ((target & 0xffff) | (SEL.KCODE << 16)) >>> 0, true);
    view.setUint32(e + 4, ((target & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8)) >>> 0, true);
  }
  // Scratch frames: seeded contents.
  const rng = new Rng(program.dataSeed);
  for (let o = 0; o < L.FRAME_COUNT * 0x1000; o += 4) view.setUint32(at(L.FRAMES + o), rng.chance(0.25) ? rng.below(256) : rng.u32(), true);
  return bytes;
}
