/** @file REP MOVS/STOS and CLD/STD inlined by the block compiler (on WebAssembly-memory RAM) against the interpreter (on a plain array): seeded counts, directions, overlaps, page and segment-limit crossings, code-page destinations, #PF and #GP mid-copy, REP yields, memset values — same registers, flags, memory, cycles and counters. */
import { describe, expect, it } from 'vitest';
import { setSegCache } from '../../src/cpu/segmentation.ts';
import { createMachine, poke32, type Machine } from '../helpers/machine.ts';
import { cyclingBudgets, engineState, expectSameAfterRuns } from '../helpers/engine-state.ts';
import { xorshift } from '../helpers/random.ts';
import { setupGdt, setupIdt } from '../helpers/protected-mode.ts';

/** The data the copies write (pages 0x50–0x5F, not present at first under paging). */
const DATA = 0x50000;
const DATA_END = 0x60000;
/** The parameter table: per entry ESI, EDI, ECX, EAX (bit 0: DF; the STOS value), the STOS destination. */
const TABLE = 0x38000;
const ENTRIES = 48;
const ENTRY = 32;
/** ES.limit in the 'es-limit' variant. */
const ES_LIMIT = 0x58b3f;
/** Pages only read (0x60–0x6F). */
const SOURCE = 0x60000;
const HANDLERS = 0x3000;

const ld = (reg: number, disp: number): number[] => [0x8b, 0x45 | (reg << 3), disp]; // mov r32, [ebp + disp8]
const ESI = 6;
const EDI = 7;
const ECX = 1;
const EAX = 0;

/** One pass over the table: each entry's DF, then REP MOVSD, MOVSB, MOVSW from ESI to EDI and REP STOSD, STOSB, STOSW at the STOS destination, ECX elements each; then the next entry. */
function program(): number[] {
  const c: number[] = [];
  c.push(...ld(ESI, 0), ...ld(EDI, 4), ...ld(ECX, 8), ...ld(EAX, 12));
  // test al, 1; jz +3; std; jmp +1; cld
  c.push(0xa8, 0x01, 0x74, 0x03, 0xfd, 0xeb, 0x01, 0xfc);
  c.push(0xf3, 0xa5); // rep movsd
  c.push(...ld(ESI, 0), ...ld(EDI, 4), ...ld(ECX, 8), 0xf3, 0xa4); // rep movsb
  c.push(...ld(ESI, 0), ...ld(EDI, 4), ...ld(ECX, 8), 0x66, 0xf3, 0xa5); // rep movsw
  // The stores go elsewhere (the copies' results stay for the comparison).
  c.push(...ld(EDI, 16), ...ld(ECX, 8), 0xf3, 0xab); // rep stosd
  c.push(...ld(EDI, 16), ...ld(ECX, 8), 0xf3, 0xaa); // rep stosb
  c.push(...ld(EDI, 16), ...ld(ECX, 8), 0x66, 0xf3, 0xab); // rep stosw
  c.push(0x83, 0xc5, ENTRY); // add ebp, ENTRY
  const end = TABLE + ENTRY * ENTRIES;
  c.push(0x81, 0xfd, end & 0xff, (end >>> 8) & 0xff, (end >>> 16) & 0xff, end >>> 24); // cmp ebp, end
  const jne = -(c.length + 6);
  c.push(0x0f, 0x85, jne & 0xff, (jne >>> 8) & 0xff, (jne >>> 16) & 0xff, (jne >>> 24) & 0xff);
  c.push(0xbd, TABLE & 0xff, (TABLE >>> 8) & 0xff, (TABLE >>> 16) & 0xff, TABLE >>> 24); // mov ebp, TABLE
  const jmp = -(c.length + 5);
  c.push(0xe9, jmp & 0xff, (jmp >>> 8) & 0xff, (jmp >>> 16) & 0xff, (jmp >>> 24) & 0xff);
  return c;
}

/** Table entries: mostly page-internal or page-crossing copies in DATA, some overlapping, some into the code page, some empty or long enough to yield. */
function fillTable(m: Machine, seed: number): void {
  const rnd = xorshift(seed);
  for (let k = 0; k < ENTRIES; k++) {
    const kind = rnd() % 12;
    let esi = 0x56000 + (rnd() % 0x4000);
    let edi = 0x56000 + (rnd() % 0x4000);
    let stos = 0x56000 + (rnd() % 0x4000);
    let ecx = rnd() % 300;
    if (kind === 0) ecx = 0;
    else if (kind === 1) ecx = 4097 + (rnd() % 1900); // more than REP_CHUNK: the instruction yields
    else if (kind === 2 || kind === 3) edi = esi + (rnd() % 19) - 9; // overlapping ranges, either way
    else if (kind === 4) {
      edi = 0x1800 + (rnd() % 0x200); // the code page (not over the program)
      if (rnd() % 2 === 0) esi = edi + 0x10;
      stos = 0x1800 + (rnd() % 0x200);
      ecx = rnd() % 200;
    } else if (kind === 5) ecx = rnd() % 1200; // crossing pages
    else if (kind === 6) esi = 0x1000 + (rnd() % 0x100); // reading the code
    else if (kind === 7) edi = stos = ES_LIMIT + 1 - 4 * ecx + (rnd() % 16) - 8; // ending near ES.limit
    else if (kind === 8) esi = SOURCE + (rnd() % 0xf000); // a page only ever read (not present at first under paging)
    const at = TABLE + ENTRY * k;
    poke32(m, at, esi);
    poke32(m, at + 4, edi);
    poke32(m, at + 8, ecx);
    // Some STOS values are one byte repeated (a memset: one fill where the RAM is a WebAssembly memory).
    poke32(m, at + 12, kind === 9 ? ((rnd() & 0xff) * 0x01010101) | 0 : kind === 10 ? (rnd() & 0xff) * 0x0101 : rnd());
    poke32(m, at + 16, stos);
  }
  for (let a = DATA; a < DATA_END; a += 4) poke32(m, a, rnd());
}

type Variant = 'flat' | 'es-limit' | 'paging';

function machine(variant: Variant, seed: number, jitThreshold: number, wasmRam: boolean): Machine {
  const m = createMachine({ code: program(), regs: { ebp: TABLE }, ramSize: 0x100000, wasmRam });
  setupGdt(m);
  setupIdt(m, HANDLERS);
  // #GP (a copy past ES.limit): ECX = 0, so the REP completes when restarted.
  m.ram.set(/* xor ecx, ecx; add esp, 4; iret */ [0x31, 0xc9, 0x83, 0xc4, 0x04, 0xcf], HANDLERS + 16 * 13);
  // #PF: map the page (identity, present, writable), drop the error code, iret (the REP restarts at its iteration).
  // push eax; mov eax, cr2; shr eax, 12; or dword [eax*4 + 0x35000], 3; mov eax, cr2; invlpg [eax]; pop eax; add esp, 4; iret
  m.ram.set([0x50, 0x0f, 0x20, 0xd0, 0xc1, 0xe8, 0x0c, 0x83, 0x0c, 0x85, 0x00, 0x50, 0x03, 0x00, 0x03, 0x0f, 0x20, 0xd0, 0x0f, 0x01, 0x38, 0x58, 0x83, 0xc4, 0x04, 0xcf], HANDLERS + 16 * 14);
  fillTable(m, seed);
  if (variant === 'es-limit') setSegCache(m.cpu, 0, m.cpu.segSel[0]!, 0, ES_LIMIT, m.cpu.segAttr[0]!);
  if (variant === 'paging') {
    poke32(m, 0x34000, 0x35000 | 3);
    for (let p = 0; p < 1024; p++) poke32(m, 0x35000 + p * 4, p < 0x40 ? (p << 12) | 3 : p << 12);
    m.cpu.cr3 = 0x34000;
    m.cpu.cr0 |= 0x80000000;
  }
  m.engine.jitThreshold = jitThreshold;
  return m;
}

function snapshot(m: Machine): unknown {
  return engineState(m, { data: [DATA, DATA_END], code: [0x1000, 0x2000], stack: [0x7000, 0x8000] });
}

describe('inline REP MOVS/STOS behave exactly as the interpreter', () => {
  for (const variant of ['flat', 'es-limit', 'paging'] as const) {
    for (const seed of [1, 2, 3]) {
      it(`${variant}, table ${seed}: the same state after runs of many budgets`, () => {
        // The interpreter on a plain array (TypedArray copies), the compiled code on a WebAssembly memory (memory.copy/fill).
        const interp = machine(variant, seed * 0x2545f491, Infinity, false);
        const jit = machine(variant, seed * 0x2545f491, 1, true);
        expectSameAfterRuns(interp, jit, [1, 7, 100, 5000, 14892, 60000], snapshot);
        expectSameAfterRuns(interp, jit, cyclingBudgets(1500, 7), snapshot);
        expect(jit.engine.compiledBlocks).toBeGreaterThan(2);
        // The program got through every entry at least once (EBP wrapped back to the table's start).
        expect(interp.cpu.counters.retired[0]).toBeGreaterThan(ENTRIES * 30);
        if (variant === 'es-limit') expect(interp.cpu.counters.vectors[13]).toBeGreaterThan(0);
        if (variant === 'paging') expect(interp.cpu.counters.vectors[14]).toBeGreaterThan(0);
      });
    }
  }
});
