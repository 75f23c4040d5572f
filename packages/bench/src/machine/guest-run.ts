/** @file What one run of a guest produced, in every mode: the stop, the serial text, the counts, the final state. */
import type { BlockDevice, Board, ByteSource } from '@x86virt/devices';
import type { ArchState, EngineKind } from '@x86virt/x86-core';
import type { MonitorCostOverrides } from '../fit/monitor-costs.ts';
import type { MonitorDigest } from './monitor-memory.ts';

/** Why a guest run ended. Exhaustive: a `switch` over `kind` needs no default. */
export type GuestStop =
  /** The guest wrote its exit code to port 0xf4. */
  | { readonly kind: 'exit'; readonly code: number }
  /** The guest pulsed the reset line (8042 command 0xFE). */
  | { readonly kind: 'reset' }
  /** Triple fault or another shutdown condition. */
  | { readonly kind: 'shutdown'; readonly reason: string }
  /** HLT with interrupts off, or with interrupts on but nothing left that could ever interrupt. */
  | { readonly kind: 'hung'; readonly reason: string }
  /** The instruction budget (`maxInsns`) ran out first. */
  | { readonly kind: 'budget'; readonly maxInsns: number };

/** The result of running one guest to its end. */
export interface GuestRun {
  readonly mode: string;
  readonly stop: GuestStop;
  /** Everything the guest wrote to COM1, as Latin-1 text. */
  readonly serial: string;
  /** Guest instructions retired (all CPLs). */
  readonly instructions: number;
  /** Modeled cycles at the end (the guest's `rdtsc` clock). */
  readonly cycles: number;
  /** Modeled clock frequency, Hz (from the cost profile). */
  readonly hz: number;
  /** Host wall-clock time of the run, milliseconds. */
  readonly hostMs: number;
  /** Every counter of the run as a flat name → number map (silicon, devices, monitor). */
  readonly counters: Readonly<Record<string, number>>;
  /** The architectural state at the end. */
  readonly arch: ArchState;
  /** Blocks the engine compiled to JavaScript (0 with `engine: 'interp'`); host-side, not a guest count. */
  readonly compiledBlocks?: number;
  /** With `auditMonitor`: the monitor's fixed memory hashed after set-up and at the end (native: none). */
  readonly monitorDigest?: { readonly before: MonitorDigest; readonly after: MonitorDigest };
}

/** Options every mode's runner accepts. */
export interface GuestRunOptions {
  /** Kernel command line (multiboot or Linux). */
  readonly cmdline?: string;
  /** An initrd; the image must then be a Linux bzImage. */
  readonly initrd?: Uint8Array;
  /** Where COM1 receives from (e.g. the CLI's stdin); default: nothing to receive. */
  readonly serialInput?: ByteSource;
  /** Guest RAM in MiB (default 64). */
  readonly memMiB?: number;
  /** Stop after this many guest instructions (default 20 000 000 000). */
  readonly maxInsns?: number;
  /** Execution engine of the silicon: `interp` or `jit` (default `DEFAULT_ENGINE`, the block compiler). Counts and cycles are identical. */
  readonly engine?: EngineKind;
  /** Receives each byte the guest writes to COM1, as it is written (for live output). */
  readonly onSerial?: (byte: number) => void;
  /** Disks on the primary ATA channel. */
  readonly disks?: { readonly master?: BlockDevice | null; readonly slave?: BlockDevice | null };
  /** Called with the board once it is built (e.g. for `--display text` or keyboard input). */
  readonly onBoard?: (board: Board) => void;
  /** Replace the profile's fitted monitor software costs for this run (fitting, ablation); default: the profile's. */
  readonly monitorCosts?: MonitorCostOverrides;
  /** Hash the monitor's fixed memory before and after the run (`GuestRun.monitorDigest`). */
  readonly auditMonitor?: boolean;
}

/** The default instruction budget of a run. */
export const DEFAULT_MAX_INSNS = 20_000_000_000;
