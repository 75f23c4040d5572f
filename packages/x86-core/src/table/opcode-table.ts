/** @file All opcode rows, numbered, and the array-indexed dispatch structure the decoder walks (built once at module load). */
import { OPF, type OpcodeRow } from '../decode/instruction.ts';
import { GROUP_ROWS } from './groups.ts';
import { compileOperand, type OperandSpec } from './operand-spec.ts';
import { PRIMARY_ROWS } from './primary.ts';
import { parseRow, type ParsedRow } from './row-spec.ts';
import { SECONDARY_0F_ROWS } from './secondary-0f.ts';
import { SSE_ROWS } from './sse.ts';
import { EXTENDED_ROWS } from './extended.ts';
import { X87_ROWS } from './x87.ts';

/** Kinds of dispatch node below an opcode byte. */
export const NODE = {
  PREFIX: 0, // next[0..3]: no mandatory prefix, 66, F3, F2 (each branch also holds the no-prefix forms, as fallback)
  REG: 1, // next[ModRM.reg]
  MOD: 2, // next[0] memory forms (mod != 3), next[1] register forms
  RM: 3, // next[ModRM.rm]
} as const;

/** A dispatch node: the decoder indexes `next` by a prefix, ModRM field or opcode byte. */
export interface DispatchNode {
  readonly kind: number;
  readonly next: readonly Entry[];
}

/** A map entry: a row id (>= 0), -1 (no row: an invalid encoding), or a node. */
export type Entry = number | DispatchNode;

/** Ids of the pseudo-rows every decode may return. */
export const ROW_ID = { INVALID: 0, TRUNCATED: 1, TOO_LONG: 2, INVALID_MODRM: 3 } as const;

const PSEUDO_ROWS = 4;

const pseudo = (id: number, mnemonic: string, handler: string, flags: number): OpcodeRow => ({
  id, mnemonic, operands: '', handler, flags, cc: -1, opcode: [], ext: -1, mandatory: 0, modForm: 'any', regInOpcode: false,
});

/** Which map a parsed row belongs to, from its escape bytes: 0 one-byte, 1 0F, 2 0F 38, 3 0F 3A. */
function mapOf(p: ParsedRow): number {
  const o = p.opcode;
  if (o[0] !== 0x0f) return 0;
  if (o.length === 3 && o[1] === 0x38) return 2;
  if (o.length === 3 && o[1] === 0x3a) return 3;
  return 1;
}

const parsed: ParsedRow[] = [...PRIMARY_ROWS, ...GROUP_ROWS, ...SECONDARY_0F_ROWS, ...X87_ROWS, ...SSE_ROWS, ...EXTENDED_ROWS].map(parseRow);

/** Every row: the pseudo-rows (invalid, truncated, too long, invalid x87 escape) first, then the table rows in file order. */
export const OPCODE_ROWS: readonly OpcodeRow[] = [
  pseudo(ROW_ID.INVALID, '(bad)', 'ud', OPF.UD),
  pseudo(ROW_ID.TRUNCATED, '(truncated)', 'truncated', OPF.TRUNCATED),
  pseudo(ROW_ID.TOO_LONG, '(too long)', 'gp_too_long', OPF.TOO_LONG),
  pseudo(ROW_ID.INVALID_MODRM, '(bad)', 'ud', OPF.UD | OPF.MODRM),
  ...parsed.map((p, i): OpcodeRow => ({
    id: i + PSEUDO_ROWS, mnemonic: p.mnemonic, operands: p.operands, handler: p.handler, flags: p.flags, cc: p.cc,
    opcode: p.opcode, ext: p.ext, mandatory: p.mandatory, modForm: p.modForm, regInOpcode: p.regInOpcode,
  })),
];

/** Compiled operand specs per row id (Intel order), as the table wrote them. */
export const ROW_OPERANDS: readonly (readonly OperandSpec[])[] = [[], [], [], [], ...parsed.map((p) => p.codes.map(compileOperand))];

/** The ModRM form the dispatch tree selects a row on. */
const form = (r: OpcodeRow) => (parsed[r.id - PSEUDO_ROWS] as ParsedRow).treeForm;

const specificity = (r: OpcodeRow) =>
  (r.mandatory ? 8 : 0) + (r.ext >= 0 ? 4 : 0) + (form(r) !== 'any' ? 2 : 0) + (typeof form(r) === 'number' ? 1 : 0);

function leaf(rows: readonly OpcodeRow[]): Entry {
  if (rows.length === 0) return -1;
  const best = Math.max(...rows.map(specificity));
  const top = rows.filter((r) => specificity(r) === best);
  if (top.length > 1) throw new Error(`opcode table: rows ${top.map((r) => r.handler).join(', ')} overlap`);
  const row = top[0] as OpcodeRow;
  return row.mnemonic === '(bad)' ? -1 : row.id;
}

/** Builds the dispatch below one opcode byte: prefix, then reg, then mod, then rm, each level only if some row needs it. */
function build(rows: readonly OpcodeRow[], level: number): Entry {
  if (level === 0) {
    // A prefix with no form of its own: SSE opcodes make it invalid (as objdump does); others ignore it (bsf/tzcnt, nop/pause).
    const escape3 = rows.some((r) => r.opcode.length === 3);
    if (!escape3 && !rows.some((r) => r.mandatory)) return build(rows, 1);
    const sse = escape3 || (rows.some((r) => r.mandatory === 0 && r.flags & OPF.SSE) && rows.some((r) => r.mandatory !== 0 && r.flags & OPF.SSE));
    const next = [0, 0x66, 0xf3, 0xf2].map((p) => {
      const own = rows.filter((r) => r.mandatory === p);
      return build(p === 0 || sse ? own : [...own, ...rows.filter((r) => r.mandatory === 0)], 1);
    });
    return { kind: NODE.PREFIX, next };
  }
  if (level === 1) {
    if (!rows.some((r) => r.ext >= 0)) return build(rows, 2);
    const next = [0, 1, 2, 3, 4, 5, 6, 7].map((g) => build(rows.filter((r) => r.ext < 0 || r.ext === g), 2));
    return { kind: NODE.REG, next };
  }
  if (level === 2) {
    if (!rows.some((r) => form(r) !== 'any')) return leaf(rows);
    const mem = build(rows.filter((r) => form(r) === 'any' || form(r) === 'mem'), 4);
    const reg = build(rows.filter((r) => form(r) !== 'mem'), 3);
    return { kind: NODE.MOD, next: [mem, reg] };
  }
  if (level === 3) {
    if (!rows.some((r) => typeof form(r) === 'number')) return leaf(rows);
    const next = [0, 1, 2, 3, 4, 5, 6, 7].map((m) => {
      return leaf(rows.filter((r) => { const f = form(r); return typeof f !== 'number' || (f & 7) === m; }));
    });
    return { kind: NODE.RM, next };
  }
  return leaf(rows);
}

function buildMap(map: number): Entry[] {
  const byOpcode: OpcodeRow[][] = Array.from({ length: 256 }, () => []);
  OPCODE_ROWS.forEach((r, i) => {
    const p = parsed[i - PSEUDO_ROWS];
    if (!p || mapOf(p) !== map) return;
    const op = r.opcode[r.opcode.length - 1] as number;
    for (let k = 0; k < (r.regInOpcode ? 8 - (op & 7) : 1); k++) (byOpcode[op + k] as OpcodeRow[]).push(r);
  });
  return byOpcode.map((rows) => build(rows, 0));
}

/** Per row id: 1 if objdump rejects a register ModRM for it after choosing it, 2 if it rejects a memory one (`ob` rows), else 0. */
export const ROW_OPERAND_CHECK: Uint8Array = Uint8Array.from(OPCODE_ROWS, (r) => {
  const p = parsed[r.id - PSEUDO_ROWS];
  if (!p || !p.objdumpOperandCheck) return 0;
  return p.modForm === 'mem' ? 1 : p.modForm === 'reg' ? 2 : 0;
});

/** The four opcode maps, each a 256-entry array indexed by the opcode byte: one-byte, 0F, 0F 38, 0F 3A. */
export const OPCODE_MAPS: readonly (readonly Entry[])[] = [buildMap(0), buildMap(1), buildMap(2), buildMap(3)];
