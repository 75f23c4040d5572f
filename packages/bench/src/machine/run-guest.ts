/** @file Runs one guest image in one execution mode: the single entry point the CLI and the benchmark runner use. */
import type { CostProfile } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';
import type { GuestRun, GuestRunOptions } from './guest-run.ts';
import { runHw } from './hw.ts';
import { runBt } from './bt.ts';
import { runNative } from './native.ts';

/** A mode asked for that this build cannot run yet. */
export class ModeUnavailableError extends Error {
  override readonly name = 'ModeUnavailableError';
}

/** The modes this build can run. A mode not listed is reported as missing, never faked. */
export function availableModes(): readonly Mode[] {
  return ['native', 'bt', 'hw-shadow', 'hw-nested'];
}

/** Runs `image` in `mode` with `profile`; throws `ModeUnavailableError` for a mode not built yet. */
export function runGuest(mode: Mode, image: Uint8Array, profile: CostProfile, opts: GuestRunOptions = {}): GuestRun {
  switch (mode) {
    case 'native':
      return runNative(image, profile, opts);
    case 'hw-shadow':
      return runHw(image, profile, 'shadow', opts);
    case 'hw-nested':
      return runHw(image, profile, 'nested', opts);
    case 'bt':
      return runBt(image, profile, opts);
  }
}
