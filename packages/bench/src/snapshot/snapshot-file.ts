/** @file The x86virt snapshot file: magic, version, a JSON header (CPU, devices, monitor, run) and the zlib-compressed guest memory. */
import { deflateSync, inflateSync } from 'node:zlib';
import type { BoardState } from '@x86virt/devices';
import type { CpuSnapshot, SnapshotValue } from '@x86virt/x86-core';
import type { Mode } from '../paper.ts';

/** The first 8 bytes of every snapshot file. */
export const SNAPSHOT_MAGIC = 'X86VSNAP';
/** Version of the file layout and header; a reader refuses any other. */
export const SNAPSHOT_VERSION = 1;

/**
 * Everything about a stopped machine. The file is, in order: `SNAPSHOT_MAGIC` (8 ASCII bytes),
 * the version (u32 LE), the header length in bytes (u32 LE), the header (UTF-8 JSON of this
 * object without `memory`), then guest memory compressed with zlib (deflate with its Adler-32
 * check) up to the end of the file.
 */
export interface MachineSnapshot {
  readonly version: number;
  /** The execution mode that was running (native today; monitors later). */
  readonly mode: Mode;
  /** Cost-profile name (the modeled clock depends on it: a restore must use the same). */
  readonly profile: string;
  /** Guest RAM in MiB. */
  readonly memMiB: number;
  /** Guest instructions retired when the snapshot was taken. */
  readonly instructions: number;
  readonly cpu: CpuSnapshot;
  readonly board: BoardState;
  /** I/O bus access counts at the stop (counters of the run, continued after a restore). */
  readonly busCounts: Readonly<Record<string, number>>;
  /** The monitor's own state (null in native mode; hw/bt add theirs here). */
  readonly monitor: SnapshotValue;
  /** Guest RAM, uncompressed (`memMiB` MiB). */
  readonly memory: Uint8Array;
}

/** A snapshot file that cannot be read: one-line message. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

/** Encodes a snapshot as the bytes of a file. */
export function encodeSnapshot(s: MachineSnapshot): Uint8Array {
  const { memory, ...header } = s;
  const json = new TextEncoder().encode(JSON.stringify(header));
  const packed = deflateSync(memory, { level: 1 });
  const out = new Uint8Array(16 + json.length + packed.length);
  out.set(new TextEncoder().encode(SNAPSHOT_MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, SNAPSHOT_VERSION, true);
  view.setUint32(12, json.length, true);
  out.set(json, 16);
  out.set(packed, 16 + json.length);
  return out;
}

const need = (ok: boolean, message: string): void => {
  if (!ok) throw new SnapshotError(message);
};

/** Decodes a snapshot file; throws `SnapshotError` naming the first problem. */
export function decodeSnapshot(bytes: Uint8Array): MachineSnapshot {
  need(bytes.length >= 16 && new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === SNAPSHOT_MAGIC, 'not an x86virt snapshot: the file does not start with X86VSNAP');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  need(version === SNAPSHOT_VERSION, `snapshot version ${version}: this build reads version ${SNAPSHOT_VERSION}`);
  const length = view.getUint32(12, true);
  need(16 + length <= bytes.length, `truncated snapshot: the header needs ${length} bytes, the file has ${bytes.length - 16} after the preamble`);
  let header: Omit<MachineSnapshot, 'memory'>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(16, 16 + length))) as Omit<MachineSnapshot, 'memory'>;
  } catch {
    throw new SnapshotError('corrupt snapshot: the header is not valid JSON');
  }
  need(typeof header === 'object' && header !== null, 'corrupt snapshot: the header is not an object');
  need(header.version === SNAPSHOT_VERSION, `corrupt snapshot: header version ${String(header.version)}`);
  need(typeof header.mode === 'string' && typeof header.profile === 'string', 'corrupt snapshot: mode or profile missing');
  need(Number.isInteger(header.memMiB) && header.memMiB > 0 && header.memMiB <= 3072, 'corrupt snapshot: bad memMiB');
  need(typeof header.cpu === 'object' && header.cpu !== null && typeof header.board === 'object' && header.board !== null, 'corrupt snapshot: CPU or board state missing');
  need(typeof header.instructions === 'number', 'corrupt snapshot: run position missing');
  let memory: Uint8Array;
  try {
    memory = new Uint8Array(inflateSync(bytes.subarray(16 + length), { maxOutputLength: header.memMiB * 0x100000 }));
  } catch {
    throw new SnapshotError('corrupt snapshot: the guest memory does not decompress');
  }
  need(memory.length === header.memMiB * 0x100000, `corrupt snapshot: guest memory is ${memory.length} bytes, ${header.memMiB} MiB expected`);
  return { ...header, memory };
}
