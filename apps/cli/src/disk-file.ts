/** @file Disk images for `--disk`: a file backend that writes through, and `--snapshot` overlays that are discarded. */
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs';
import { OverlayBlockDevice, SECTOR_BYTES, type BlockDevice } from '@x86virt/devices';
import { UsageError } from './errors.ts';

/**
 * A raw image file as a disk. Every guest write goes to the file at once (`writeSync`, so a
 * crash of the guest or of x86virt loses nothing the guest wrote); `flush` adds an fsync.
 * Without `writable` the file is opened read-only (for `--snapshot`).
 */
export class FileBlockDevice implements BlockDevice {
  readonly sectorCount: number;
  private fd: number | null;

  constructor(path: string, writable: boolean) {
    let fd: number;
    try {
      fd = openSync(path, writable ? 'r+' : 'r');
    } catch (e) {
      throw new UsageError(`--disk: cannot open '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    const size = fstatSync(fd).size;
    if (size === 0 || size % SECTOR_BYTES !== 0) {
      closeSync(fd);
      throw new UsageError(`--disk: '${path}' is ${size} bytes: a disk image must be a non-empty multiple of ${SECTOR_BYTES} bytes`);
    }
    this.fd = fd;
    this.sectorCount = size / SECTOR_BYTES;
  }

  read(lba: number, count: number, into: Uint8Array): void {
    if (this.fd === null) return;
    readSync(this.fd, into, 0, count * SECTOR_BYTES, lba * SECTOR_BYTES);
  }

  write(lba: number, data: Uint8Array): void {
    if (this.fd === null) return;
    writeSync(this.fd, data, 0, data.length, lba * SECTOR_BYTES);
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Flushes and closes the file (idempotent). */
  close(): void {
    if (this.fd === null) return;
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}

/** The disks of one run: master and slave, and how to close them. */
export interface RunDisks {
  readonly master: BlockDevice | null;
  readonly slave: BlockDevice | null;
  /** Flushes and closes the image files (call it however the run ends). */
  close(): void;
}

/** Opens `--disk` files (at most two: master, slave); with `snapshot` each gets a discarded in-memory overlay. */
export function openDisks(paths: readonly string[], snapshot: boolean): RunDisks {
  if (paths.length > 2) throw new UsageError(`--disk given ${paths.length} times: the primary IDE channel takes a master and a slave`);
  const files: FileBlockDevice[] = [];
  try {
    for (const p of paths) files.push(new FileBlockDevice(p, !snapshot));
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
  const wrap = (f: FileBlockDevice | undefined): BlockDevice | null => (f === undefined ? null : snapshot ? new OverlayBlockDevice(f) : f);
  return {
    master: wrap(files[0]),
    slave: wrap(files[1]),
    close: () => {
      for (const f of files) f.close();
    },
  };
}
