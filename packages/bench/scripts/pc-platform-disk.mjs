#!/usr/bin/env node
/** @file Writes the pc-platform guest's disk image: 2048 sectors (1 MiB), byte i of sector s = (s * 31 + i) & 0xFF (slave: + 0x80). */
import { writeFileSync } from 'node:fs';

/** The image bytes for the master (`slave` false) or the slave disk. */
export function pcPlatformDisk(slave) {
  const bytes = new Uint8Array(2048 * 512);
  for (let s = 0; s < 2048; s++) for (let i = 0; i < 512; i++) bytes[s * 512 + i] = (s * 31 + i + (slave ? 0x80 : 0)) & 0xff;
  return bytes;
}

if (process.argv.length === 4) {
  writeFileSync(process.argv[2], pcPlatformDisk(false));
  writeFileSync(process.argv[3], pcPlatformDisk(true));
} else if (process.argv[1] && process.argv[1].endsWith('pc-platform-disk.mjs')) {
  process.stderr.write('usage: pc-platform-disk.mjs MASTER.img SLAVE.img\n');
  process.exit(2);
}
