/** @file Public API of @x86virt/x86-core (named exports only; see README.md). */

/** Decoded-instruction contract: the record, the table row, the prefix/segment/register/flag/operand-kind constants. */
export { OPF, OPK, PREFIX, REG, SEG } from './decode/instruction.ts';
/** Types of the decoded-instruction contract. */
export type { Instruction, OpcodeRow, Operand } from './decode/instruction.ts';
/** `decode(bytes, offset, mode)`: pure table-driven decoder; `MAX_INSTRUCTION_LENGTH` (15). */
export { decode, MAX_INSTRUCTION_LENGTH } from './decode/decoder.ts';
/** Every opcode row (pseudo-rows first: `ROW_ID`), indexed by `Instruction.id`; condition-code names. */
export { OPCODE_ROWS, ROW_ID } from './table/opcode-table.ts';
/** Condition-code suffixes in encoding order (`o`, `no`, `b`, …, `g`). */
export { CC_NAMES } from './table/primary.ts';
