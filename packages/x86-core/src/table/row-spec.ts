/** @file The one-line row notation of the opcode tables, and its parser into `OpcodeRow` fields (runs once, at module load). */
import { OPF } from '../decode/instruction.ts';

/**
 * A table row as written in the table files: `'<opcode> | <mnemonic> <operands> | <flags>'`.
 *
 * - opcode: optional mandatory prefix (`66`, `f3`, `f2`), the opcode bytes (`0f`, `0f 38`, `0f 3a`
 *   escapes, then the opcode byte; `40+` means 40–47 with the register in the low 3 bits), then
 *   optionally `/0`–`/7` (ModRM.reg extension), `m` (memory forms only), `r` (register forms only)
 *   or `=d8` (exactly this ModRM byte).
 * - operands: SDM operand codes (Vol.2 Appendix A.2), comma-separated, e.g. `Ev,Gv`, `AL,Ib`.
 *   `Ibs` is an `Ib` that the form sign-extends to the operand size (printed as `Ib`).
 * - flags: `L` lockable, `B` branch (ends the block), `I` indirect branch, `E` ends the block,
 *   `P` privileged, `S` sensitive, `IO`, `STR` string, `UD` #UD on the i686, `FPU`, `SSE`, `SVM`,
 *   `cc=N` condition code, `h=name` handler override, `ob` (objdump checks this row's memory-only
 *   or register-only operand after choosing the row: a wrong ModRM.mod is an invalid encoding
 *   whose length objdump counts as prefixes + 1 + immediates, see decoder.ts).
 * - mnemonic `(bad)`: an explicitly undefined form (overrides a no-prefix fallback).
 */
export type RowLine = string;

/** The parsed form of a row line, before ids are assigned. */
export interface ParsedRow {
  readonly mnemonic: string;
  readonly operands: string;
  readonly codes: readonly string[];
  readonly handler: string;
  readonly flags: number;
  readonly cc: number;
  readonly opcode: readonly number[];
  readonly ext: number;
  readonly mandatory: number;
  readonly modForm: 'any' | 'mem' | 'reg' | number;
  /** The ModRM form the dispatch tree selects on (modForm, unless the row is `ob`: then only explicit tokens). */
  readonly treeForm: 'any' | 'mem' | 'reg' | number;
  readonly regInOpcode: boolean;
  readonly objdumpOperandCheck: boolean;
}

const FLAG_LETTERS: Readonly<Record<string, number>> = {
  L: OPF.LOCKABLE,
  B: OPF.BRANCH | OPF.BLOCK_END,
  I: OPF.INDIRECT,
  E: OPF.BLOCK_END,
  P: OPF.PRIVILEGED,
  S: OPF.SENSITIVE,
  IO: OPF.IO | OPF.SENSITIVE,
  STR: OPF.STRING,
  UD: OPF.UD,
  FPU: OPF.FPU,
  SSE: OPF.SSE | OPF.UD,
  SVM: OPF.SVM,
};

/** Operand codes whose addressing method reads a ModRM byte. */
const MODRM_METHODS = new Set(['E', 'G', 'M', 'R', 'S', 'C', 'D', 'T', 'P', 'Q', 'N', 'V', 'W', 'U']);
/** Fixed operand names that are not addressing-method codes. */
const FIXED = new Set([
  'AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH', 'AX', 'DX', 'eAX', 'eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI',
  'ES', 'CS', 'SS', 'DS', 'FS', 'GS', '1', 'ST', 'STi',
]);

/** Parses one row line; throws (at module load only) on a malformed line, naming it. */
export function parseRow(line: RowLine): ParsedRow {
  const parts = line.split('|').map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) throw new Error(`opcode table: bad row '${line}'`);
  const [opPart = '', insnPart = '', flagPart = ''] = parts;
  let mandatory = 0;
  const opcode: number[] = [];
  let ext = -1;
  let modForm: 'any' | 'mem' | 'reg' | number = 'any';
  let regInOpcode = false;
  const tokens = opPart.split(/\s+/);
  tokens.forEach((t, i) => {
    if (i === 0 && (t === '66' || t === 'f3' || t === 'f2') && tokens.length > 1) mandatory = Number.parseInt(t, 16);
    else if (/^[0-9a-f]{2}\+$/.test(t)) {
      opcode.push(Number.parseInt(t, 16));
      regInOpcode = true;
    } else if (/^[0-9a-f]{2}$/.test(t)) opcode.push(Number.parseInt(t, 16));
    else if (/^\/[0-7]$/.test(t)) ext = Number(t.slice(1));
    else if (t === 'm') modForm = 'mem';
    else if (t === 'r') modForm = 'reg';
    else if (/^=[0-9a-f]{2}$/.test(t)) {
      const b = Number.parseInt(t.slice(1), 16);
      modForm = b;
      ext = (b >> 3) & 7;
    } else throw new Error(`opcode table: bad opcode token '${t}' in '${line}'`);
  });
  const space = insnPart.indexOf(' ');
  const mnemonic = space < 0 ? insnPart : insnPart.slice(0, space);
  const codes = space < 0 ? [] : insnPart.slice(space + 1).replace(/\s+/g, '').split(',');
  let flags = 0;
  let cc = -1;
  let handler = '';
  let objdumpOperandCheck = false;
  const explicitForm = modForm;
  for (const f of flagPart.split(/\s+/).filter(Boolean)) {
    if (f === 'ob') objdumpOperandCheck = true;
    else if (f.startsWith('cc=')) cc = Number(f.slice(3));
    else if (f.startsWith('h=')) handler = f.slice(2);
    else {
      const bit = FLAG_LETTERS[f];
      if (bit === undefined) throw new Error(`opcode table: bad flag '${f}' in '${line}'`);
      flags |= bit;
    }
  }
  for (const c of codes) {
    if (FIXED.has(c)) continue;
    const method = c[0] ?? '';
    if (MODRM_METHODS.has(method)) flags |= OPF.MODRM;
    if (method === 'M' && modForm === 'any') modForm = 'mem';
    if ((method === 'N' || method === 'U') && modForm === 'any') modForm = 'reg';
  }
  if (ext >= 0 || typeof modForm === 'number' || modForm !== 'any') flags |= OPF.MODRM;
  const shown = codes.map((c) => (c === 'Ibs' ? 'Ib' : c === 'Evw' ? 'Ev' : c));
  if (mnemonic === '(bad)') {
    handler = 'ud';
    flags |= OPF.UD;
  }
  if (!handler) handler = shown.length ? `${mnemonic}_${shown.join('')}` : mnemonic;
  const treeForm = objdumpOperandCheck ? explicitForm : modForm;
  return { mnemonic, operands: shown.join(','), codes, handler, flags, cc, opcode, ext, mandatory, modForm, treeForm, regInOpcode, objdumpOperandCheck };
}
