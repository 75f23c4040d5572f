/** @file The monitors' software costs a run charges: the profile's fitted values (null = not fitted = 0), optionally overridden (for fitting and ablation). */
import { loadProfile, MONITOR_KEYS, PROFILE_NAMES } from '../profiles.ts';

/** One of the profile's monitor software costs. */
export type MonitorKey = (typeof MONITOR_KEYS)[number];

/** Values that replace the profile's for one run (cycles; null = not charged). */
export type MonitorCostOverrides = Readonly<Partial<Record<MonitorKey, number | null>>>;

/** The monitor costs of profile `name` with `overrides` applied; every key null for a profile that is not a bench profile (tests' UNIT_PROFILE). */
export function monitorCostValues(name: string, overrides: MonitorCostOverrides = {}): Record<MonitorKey, number | null> {
  const known = (PROFILE_NAMES as readonly string[]).includes(name);
  const p = known ? loadProfile(name) : undefined;
  const out = {} as Record<MonitorKey, number | null>;
  for (const k of MONITOR_KEYS) out[k] = k in overrides ? (overrides[k] ?? null) : (p?.monitor[k].value ?? null);
  return out;
}
