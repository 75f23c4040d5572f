/** @file `x86virt translate IMAGE`: boots a kernel under bt mode and lists the CCFs made, beside the guest instructions they translate. */
import { readFileSync } from 'node:fs';
import { createBtMachine } from '@x86virt/bench';
import { formatTranslation } from '@x86virt/bt-vmm';
import type { CostProfile } from '@x86virt/x86-core';
import { UsageError } from '../errors.ts';

/** Options of `x86virt translate`. */
export interface TranslateOptions {
  /** Guest address whose translations to show (with `bytes`), or a symbol of the ELF image. */
  readonly at?: number;
  readonly symbol?: string;
  /** Bytes of guest code from `at` whose CCFs are shown (default 256; a symbol's own size if it has one). */
  readonly bytes?: number;
  /** Stop after this many guest instructions (default: run to the end). */
  readonly after?: number;
  readonly cmdline: string;
  readonly mem: number;
  readonly profile: CostProfile;
}

/** The value and size of ELF32 symbol `name` (from .symtab), or undefined. */
export function elfSymbol(image: Uint8Array, name: string): { value: number; size: number } | undefined {
  const v = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (v.getUint32(0) !== 0x7f454c46) return undefined;
  const shoff = v.getUint32(0x20, true);
  const shentsize = v.getUint16(0x2e, true);
  const shnum = v.getUint16(0x30, true);
  for (let i = 0; i < shnum; i++) {
    const sh = shoff + i * shentsize;
    if (v.getUint32(sh + 4, true) !== 2) continue; // SHT_SYMTAB
    const off = v.getUint32(sh + 0x10, true);
    const size = v.getUint32(sh + 0x14, true);
    const strtab = shoff + v.getUint32(sh + 0x18, true) * shentsize;
    const strOff = v.getUint32(strtab + 0x10, true);
    for (let s = off; s + 16 <= off + size; s += 16) {
      let p = strOff + v.getUint32(s, true);
      let text = '';
      while (image[p] !== 0 && p < image.length) text += String.fromCharCode(image[p++]!);
      if (text === name) return { value: v.getUint32(s + 4, true), size: v.getUint32(s + 8, true) };
    }
  }
  return undefined;
}

/** Runs `file` under bt-vmm and prints the translation listing; returns the exit status. */
export function translateCommand(file: string, opts: TranslateOptions, out: (line: string) => void): number {
  let image: Uint8Array;
  try {
    image = new Uint8Array(readFileSync(file));
  } catch (e) {
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let from = opts.at;
  let bytes = opts.bytes ?? 256;
  if (opts.symbol !== undefined) {
    const sym = elfSymbol(image, opts.symbol);
    if (sym === undefined) throw new UsageError(`no symbol '${opts.symbol}' in '${file}'`);
    from = sym.value;
    if (opts.bytes === undefined && sym.size > 0) bytes = sym.size;
  }
  const { board, monitor } = createBtMachine(image, opts.profile, { cmdline: opts.cmdline, memMiB: opts.mem }, () => {});
  const stop = monitor.run(opts.after ?? 20_000_000_000);
  const ccfs = monitor.tc.all.filter((c) => from === undefined || c.insns.some((r) => r.eip >= from && r.eip < from + bytes));
  out(`# ${file} under bt: stopped (${stop.kind}) after ${monitor.retired} instructions; ${ccfs.length} of ${monitor.tc.all.length} CCFs shown`);
  for (const line of formatTranslation(monitor.tc, monitor.guest, board.ram, ccfs).trimEnd().split('\n')) out(line);
  return 0;
}
