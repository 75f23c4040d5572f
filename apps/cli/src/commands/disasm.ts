/** @file `x86virt disasm FILE`: Intel-syntax listing of raw x86 code, one `address: bytes  text` line per instruction. */
import { readFileSync } from 'node:fs';
import { disassembleRange, formatLine } from '@x86virt/x86-core';
import { UsageError } from '../errors.ts';

/** Options of `x86virt disasm`. */
export interface DisasmOptions {
  /** Address of the file's first byte (default 0). */
  readonly org?: number;
  /** Code-segment size: 16 or 32 (default 32). */
  readonly bits?: number;
  /** First byte of the file to decode (default 0). */
  readonly start?: number;
  /** Number of bytes to decode (default: to the end of the file). */
  readonly length?: number;
}

/** Reads `file` and prints its disassembly; returns the exit status. */
export function disasmCommand(file: string, opts: DisasmOptions, out: (line: string) => void): number {
  const bits = opts.bits ?? 32;
  if (bits !== 16 && bits !== 32) throw new UsageError(`--bits must be 16 or 32, not ${bits}`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const start = opts.start ?? 0;
  if (start > bytes.length) throw new UsageError(`--start ${start} is past the end of '${file}' (${bytes.length} bytes)`);
  const lines = disassembleRange(bytes, { org: opts.org ?? 0, bits, start, ...(opts.length === undefined ? {} : { length: opts.length }) });
  for (const line of lines) out(formatLine(line));
  return 0;
}
