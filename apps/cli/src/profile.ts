/** @file Cost profiles by name for the CLI: the shipped profiles of @x86virt/bench, mapped to the silicon's shape. */
import { loadProfile, PROFILE_NAMES as NAMES, ProfileError, toCostProfile } from '@x86virt/bench';
import type { CostProfile } from '@x86virt/x86-core';
import { UsageError } from './errors.ts';

/** Names accepted by `--profile`, default first. */
export const PROFILE_NAMES: string[] = [...NAMES];

/** The silicon CostProfile of shipped profile `name`; a bad name is a usage error. */
export function profileByName(name: string): CostProfile {
  try {
    return toCostProfile(loadProfile(name));
  } catch (e) {
    if (e instanceof ProfileError) throw new UsageError(e.message);
    throw e;
  }
}
