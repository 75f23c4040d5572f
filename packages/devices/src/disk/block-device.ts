/** @file Disk backends as the ATA drives see them: whole 512-byte sectors, by LBA; in memory, and a copy-on-write overlay. */

/** Bytes per sector of every backend. */
export const SECTOR_BYTES = 512;

/**
 * A disk image as a drive sees it. Calls never throw for in-range sectors; the caller keeps
 * `lba + count <= sectorCount`. `write` must leave the data where a later `read` (and, for a
 * file backend, a later process) finds it; `flush` makes earlier writes durable.
 */
export interface BlockDevice {
  /** Number of 512-byte sectors. */
  readonly sectorCount: number;
  /** Copies `count` sectors from `lba` into `into` (at offset 0). */
  read(lba: number, count: number, into: Uint8Array): void;
  /** Writes `data.length / 512` whole sectors at `lba`. */
  write(lba: number, data: Uint8Array): void;
  /** Makes every write so far durable (a no-op for memory). */
  flush(): void;
}

/** A disk held in a byte array (its length a multiple of 512): tests, and images read whole. */
export class MemoryBlockDevice implements BlockDevice {
  readonly sectorCount: number;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    if (bytes.length % SECTOR_BYTES !== 0) throw new RangeError(`disk size ${bytes.length} is not a multiple of ${SECTOR_BYTES} bytes`);
    this.bytes = bytes;
    this.sectorCount = bytes.length / SECTOR_BYTES;
  }

  read(lba: number, count: number, into: Uint8Array): void {
    into.set(this.bytes.subarray(lba * SECTOR_BYTES, (lba + count) * SECTOR_BYTES));
  }

  write(lba: number, data: Uint8Array): void {
    this.bytes.set(data, lba * SECTOR_BYTES);
  }

  flush(): void {}
}

/**
 * A copy-on-write overlay over `base` (what `--snapshot` uses): writes go to sectors kept in
 * memory, reads see them first and the base otherwise; the base is never written, and the
 * overlay is dropped with the object.
 */
export class OverlayBlockDevice implements BlockDevice {
  readonly sectorCount: number;
  private readonly base: BlockDevice;
  private readonly sectors = new Map<number, Uint8Array>();

  constructor(base: BlockDevice) {
    this.base = base;
    this.sectorCount = base.sectorCount;
  }

  /** Sectors written so far (held in the overlay). */
  get dirtySectors(): number {
    return this.sectors.size;
  }

  read(lba: number, count: number, into: Uint8Array): void {
    for (let i = 0; i < count; i++) {
      const own = this.sectors.get(lba + i);
      const dst = into.subarray(i * SECTOR_BYTES, (i + 1) * SECTOR_BYTES);
      if (own) dst.set(own);
      else this.base.read(lba + i, 1, dst);
    }
  }

  write(lba: number, data: Uint8Array): void {
    for (let i = 0; i * SECTOR_BYTES < data.length; i++) {
      this.sectors.set(lba + i, data.slice(i * SECTOR_BYTES, (i + 1) * SECTOR_BYTES));
    }
  }

  flush(): void {}
}
