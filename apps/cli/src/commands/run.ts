/** @file `x86virt run IMAGE`: boots a kernel in one mode; serial to stdout; exit status from the guest's exit port. */
import { readFileSync, writeFileSync } from 'node:fs';
import { runGuest, type GuestRun, type GuestStop, type Mode } from '@x86virt/bench';
import type { CostProfile } from '@x86virt/x86-core';
import { UsageError } from '../errors.ts';

/** Options of `x86virt run`, as parsed. */
export interface RunOptions {
  readonly mode: 'native' | 'bt' | 'hw';
  readonly mmu: 'shadow' | 'nested';
  readonly mem: number;
  readonly cmdline: string;
  readonly maxInsns: number;
  readonly stats?: string;
  readonly profile: CostProfile;
}

/**
 * Process exit statuses of `run` for stops that are not a guest exit. A guest exit code v
 * gives status v & 0xff (so these values are ambiguous with a guest that exits with them:
 * `--stats` records the exact stop).
 */
export const RUN_STATUS = { budget: 124, shutdown: 125, hung: 126, reset: 0 } as const;

/** The process exit status for a guest stop. */
export function statusOf(stop: GuestStop): number {
  switch (stop.kind) {
    case 'exit':
      return stop.code & 0xff;
    case 'reset':
      return RUN_STATUS.reset;
    case 'budget':
      return RUN_STATUS.budget;
    case 'shutdown':
      return RUN_STATUS.shutdown;
    case 'hung':
      return RUN_STATUS.hung;
  }
}

/** One line describing a stop that is not a clean exit, for stderr. */
export function describeStop(stop: GuestStop): string | null {
  switch (stop.kind) {
    case 'exit':
      return null;
    case 'reset':
      return 'guest reset the machine (8042 reset line)';
    case 'budget':
      return `stopped after --max-insns ${stop.maxInsns} instructions: the guest did not exit`;
    case 'shutdown':
      return `guest shut down the processor: ${stop.reason}`;
    case 'hung':
      return `guest hung: ${stop.reason}`;
  }
}

/** Runs the command; returns the process exit status. */
export function runCommand(image: string, o: RunOptions, err: (line: string) => void): number {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(image));
  } catch (e) {
    throw new UsageError(`cannot read image '${image}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const mode: Mode = o.mode === 'hw' ? (o.mmu === 'nested' ? 'hw-nested' : 'hw-shadow') : o.mode;
  const out: number[] = [];
  const flush = (): void => {
    if (out.length > 0) process.stdout.write(Buffer.from(out));
    out.length = 0;
  };
  const result = runGuest(mode, bytes, o.profile, {
    cmdline: o.cmdline,
    memMiB: o.mem,
    maxInsns: o.maxInsns,
    onSerial: (b) => {
      out.push(b);
      if (b === 10 || out.length >= 4096) flush();
    },
  });
  flush();
  const why = describeStop(result.stop);
  if (why !== null) err(`x86virt: ${why}`);
  if (o.stats !== undefined) writeStats(o.stats, result, o.profile);
  return statusOf(result.stop);
}

function writeStats(target: string, r: GuestRun, profile: CostProfile): void {
  const { serial: _serial, ...rest } = r;
  const json = `${JSON.stringify({ ...rest, profile: profile.name, seconds: r.cycles / r.hz, mips: r.instructions / (r.hostMs * 1000) }, null, 2)}\n`;
  if (target === '-') process.stderr.write(json);
  else writeFileSync(target, json);
}
