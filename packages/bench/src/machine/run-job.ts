/** @file One benchmark job (a workload in a mode): the unit a runner worker executes, and its outcome. */
import { readFileSync } from 'node:fs';
import type { EngineKind } from '@x86virt/x86-core';
import { guestImagePath } from '../guests.ts';
import type { Mode } from '../paper.ts';
import { loadProfile, toCostProfile } from '../profiles.ts';
import { parseResultLines, type RunResult } from '../results.ts';
import { availableModes, ModeUnavailableError, runGuest } from './run-guest.ts';

/** One run to do: a frobos command line in one mode under one cost profile. Plain data (crosses threads). */
export interface BenchJob {
  readonly id: number;
  readonly workload: string;
  readonly mode: Mode;
  readonly cmdline: string;
  /** Cost-profile name (`packages/bench/profiles/<name>.json`). */
  readonly profile: string;
  /** Guest image name under `guests/` (default `frobos`). */
  readonly guest?: string;
  readonly maxInsns?: number;
  /** Execution engine (default: the block compiler). */
  readonly engine?: EngineKind;
}

/** What a job came to: a result, a mode this build cannot run, or a host-side failure. */
export type JobOutcome =
  | { readonly kind: 'ran'; readonly job: BenchJob; readonly result: RunResult }
  | { readonly kind: 'unavailable'; readonly job: BenchJob; readonly reason: string }
  | { readonly kind: 'failed'; readonly job: BenchJob; readonly message: string };

/** The modes `runJob` can run in this build; the others are reported as missing ("not built"). */
export function jobModes(): readonly Mode[] {
  return availableModes();
}

/** Default instruction budget of a benchmark run: far above any workload, so a hang is caught. */
export const JOB_MAX_INSNS = 4_000_000_000;

/** Runs one job to its end (in the calling thread). Never throws: failures are outcomes. */
export async function runJob(job: BenchJob): Promise<JobOutcome> {
  if (!jobModes().includes(job.mode)) return { kind: 'unavailable', job, reason: `mode '${job.mode}' is not built yet` };
  try {
    const guest = job.guest ?? 'frobos';
    const path = guestImagePath(guest);
    if (path === undefined) return { kind: 'failed', job, message: `guest image '${guest}' not found` };
    const profile = toCostProfile(loadProfile(job.profile));
    const run = runGuest(job.mode, new Uint8Array(readFileSync(path)), profile, { cmdline: job.cmdline, maxInsns: job.maxInsns ?? JOB_MAX_INSNS, ...(job.engine !== undefined ? { engine: job.engine } : {}) });
    const result: RunResult = {
      mode: job.mode,
      workload: job.workload,
      cmdline: job.cmdline,
      serial: run.serial,
      results: parseResultLines(run.serial),
      exitCode: run.stop.kind === 'exit' ? run.stop.code : null,
      stop: run.stop,
      counters: { ...run.counters },
      cycles: run.cycles,
      hz: run.hz,
      hostMs: run.hostMs,
      instructions: run.instructions,
      mips: run.hostMs > 0 ? run.instructions / (run.hostMs * 1000) : 0,
    };
    return { kind: 'ran', job, result };
  } catch (e) {
    if (e instanceof ModeUnavailableError) return { kind: 'unavailable', job, reason: e.message };
    return { kind: 'failed', job, message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}
