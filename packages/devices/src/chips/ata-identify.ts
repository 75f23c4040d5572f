/** @file The 512-byte IDENTIFY DEVICE data of an ATA disk (ATA/ATAPI-6 §8.15) and its default CHS geometry. */

/** A drive's CHS geometry. */
export interface ChsGeometry {
  readonly cylinders: number;
  readonly heads: number;
  readonly sectors: number;
}

/** Largest READ/WRITE MULTIPLE block the drives offer (IDENTIFY word 47 bits 7:0). */
export const ATA_MAX_MULTIPLE = 16;

/** Largest sector count LBA28 addresses (IDENTIFY words 60–61). */
export const LBA28_MAX = 0x0fffffff;

/**
 * The default geometry for a disk of `sectors` sectors: 16 heads, 63 sectors per track and as
 * many whole cylinders as fit (2 to 16383), the usual translation for disks without a
 * partition table (what QEMU guesses for a raw image too).
 */
export function defaultGeometry(sectors: number): ChsGeometry {
  const cylinders = Math.max(2, Math.min(16383, Math.floor(sectors / (16 * 63))));
  return { cylinders, heads: 16, sectors: 63 };
}

/** Puts `text`, space-padded to `words` words, at word `at`: ATA strings hold the first character in each word's high byte. */
function putString(w: Uint16Array, at: number, words: number, text: string): void {
  const s = text.padEnd(words * 2, ' ');
  for (let i = 0; i < words; i++) w[at + i] = (s.charCodeAt(2 * i) << 8) | s.charCodeAt(2 * i + 1);
}

/** What IDENTIFY reports about a drive. */
export interface IdentifyInput {
  readonly totalSectors: number;
  readonly geometry: ChsGeometry;
  readonly current: ChsGeometry;
  /** Current READ/WRITE MULTIPLE block (0: disabled). */
  readonly multiple: number;
  readonly serial: string;
  readonly model: string;
}

/**
 * IDENTIFY DEVICE data as 256 little-endian words: a fixed ATA disk (word 0 = 0x0040) with its
 * default CHS geometry (1, 3, 6) and current geometry (53–58), LBA supported (49 bit 9), no DMA,
 * PIO modes 3 and 4 (64), READ/WRITE MULTIPLE up to 16 sectors (47, 59), LBA28 capacity (60–61),
 * ATA-1…6 (80), NOP and FLUSH CACHE supported and enabled (82–87, bit 14 of 83/84/87 set).
 */
export function identifyData(d: IdentifyInput): Uint8Array {
  const w = new Uint16Array(256);
  w[0] = 0x0040;
  w[1] = d.geometry.cylinders;
  w[3] = d.geometry.heads;
  w[6] = d.geometry.sectors;
  putString(w, 10, 10, d.serial);
  putString(w, 23, 4, '1.0');
  putString(w, 27, 20, d.model);
  w[47] = 0x8000 | ATA_MAX_MULTIPLE;
  w[49] = 1 << 9;
  w[51] = 0x0200;
  w[53] = 0x0003;
  const cur = d.current;
  const capacity = Math.min(cur.cylinders * cur.heads * cur.sectors, d.totalSectors);
  w[54] = cur.cylinders;
  w[55] = cur.heads;
  w[56] = cur.sectors;
  w[57] = capacity & 0xffff;
  w[58] = capacity >>> 16;
  w[59] = d.multiple !== 0 ? 0x100 | d.multiple : 0;
  const lba = Math.min(d.totalSectors, LBA28_MAX);
  w[60] = lba & 0xffff;
  w[61] = lba >>> 16;
  w[64] = 0x0003;
  w[65] = 120;
  w[66] = 120;
  w[67] = 120;
  w[68] = 120;
  w[80] = 0x007e;
  w[82] = 1 << 14;
  w[83] = (1 << 14) | (1 << 12);
  w[84] = 1 << 14;
  w[85] = 1 << 14;
  w[86] = 1 << 12;
  w[87] = 1 << 14;
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    out[2 * i] = w[i]! & 0xff;
    out[2 * i + 1] = w[i]! >>> 8;
  }
  return out;
}
