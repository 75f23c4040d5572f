/** @file ATA channel tests (ATA/ATAPI-6): signature, status sequences of IDENTIFY, READ/WRITE SECTORS and MULTIPLE, LBA28 and CHS, errors, INTRQ and nIEN. */
import { describe, expect, it } from 'vitest';
import { ATA_CMD, AtaChannel } from '../../src/chips/ata-channel.ts';
import { MemoryBlockDevice, OverlayBlockDevice } from '../../src/disk/block-device.ts';

const BSY = 0x80, DRDY = 0x40, DSC = 0x10, DRQ = 0x08, ERR = 0x01;

function disk(sectors: number): MemoryBlockDevice {
  const bytes = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) for (let i = 0; i < 512; i += 4) new DataView(bytes.buffer).setUint32(s * 512 + i, s * 0x10000 + i, true);
  return new MemoryBlockDevice(bytes);
}

function channel(master = disk(4096), slave: MemoryBlockDevice | null = null): { ata: AtaChannel; irq: { level: boolean; edges: number } } {
  const irq = { level: false, edges: 0 };
  const ata = new AtaChannel(master, slave, { setLevel: (h) => { if (h && !irq.level) irq.edges++; irq.level = h; } });
  return { ata, irq };
}

function lba28(ata: AtaChannel, lba: number, count: number, dev = 0): void {
  ata.write(2, 1, count);
  ata.write(3, 1, lba & 0xff);
  ata.write(4, 1, (lba >>> 8) & 0xff);
  ata.write(5, 1, (lba >>> 16) & 0xff);
  ata.write(6, 1, 0x40 | dev | ((lba >>> 24) & 0xf));
}

function readWords(ata: AtaChannel, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(ata.read(0, 2));
  return out;
}

describe('ATA channel', () => {
  it('shows the ATA signature and ready status after power-on and after SRST', () => {
    const { ata } = channel();
    expect([1, 2, 3, 4, 5].map((o) => ata.read(o, 1))).toEqual([0x01, 1, 1, 0, 0]);
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    ata.write(2, 1, 9);
    ata.write(8, 1, 0x04);
    expect(ata.read(8, 1)).toBe(BSY);
    ata.write(8, 1, 0x00);
    expect(ata.read(8, 1)).toBe(DRDY | DSC);
    expect(ata.read(2, 1)).toBe(1);
  });

  it('IDENTIFY: DRQ and INTRQ, 256 words with geometry, multiple and LBA capacity, then ready', () => {
    const { ata, irq } = channel();
    ata.write(6, 1, 0xa0);
    ata.write(7, 1, ATA_CMD.IDENTIFY);
    expect(irq.level).toBe(true);
    expect(ata.read(8, 1)).toBe(DRDY | DSC | DRQ);
    expect(irq.level).toBe(true); // alternate status leaves INTRQ
    expect(ata.read(7, 1)).toBe(DRDY | DSC | DRQ);
    expect(irq.level).toBe(false);
    const w = readWords(ata, 256);
    expect(w[0]).toBe(0x0040);
    expect([w[1], w[3], w[6]]).toEqual([4, 16, 63]);
    expect(w[47]).toBe(0x8010);
    expect(w[49]! & 0x200).toBe(0x200);
    expect(w[60]! | (w[61]! << 16)).toBe(4096);
    expect(String.fromCharCode(w[27]! >> 8, w[27]! & 0xff, w[28]! >> 8, w[28]! & 0xff)).toBe('x86v');
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    expect(irq.edges).toBe(1);
  });

  it('READ SECTORS (LBA28): one interrupt and DRQ block per sector, registers advance', () => {
    const { ata, irq } = channel();
    lba28(ata, 0x123, 2);
    ata.write(7, 1, ATA_CMD.READ_SECTORS);
    expect(ata.read(7, 1)).toBe(DRDY | DSC | DRQ);
    const first = readWords(ata, 256);
    expect(first[0]! | (first[1]! << 16)).toBe(0x1230000);
    expect(irq.level).toBe(true);
    expect(ata.read(7, 1)).toBe(DRDY | DSC | DRQ);
    const second = [ata.read(0, 4)];
    for (let i = 1; i < 128; i++) second.push(ata.read(0, 4));
    expect(second[1]).toBe(0x1240004);
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    expect(irq.edges).toBe(2);
    expect([ata.read(2, 1), ata.read(3, 1), ata.read(4, 1)]).toEqual([0, 0x25, 0x01]);
  });

  it('READ SECTORS in CHS through the default geometry (16 heads, 63 sectors)', () => {
    const { ata } = channel();
    ata.write(2, 1, 1);
    ata.write(3, 1, 5); // sector 5
    ata.write(4, 1, 1); // cylinder 1
    ata.write(5, 1, 0);
    ata.write(6, 1, 0xa0 | 2); // head 2
    ata.write(7, 1, ATA_CMD.READ_SECTORS);
    const w = readWords(ata, 2);
    const lba = (1 * 16 + 2) * 63 + 4;
    expect(w[0]! | (w[1]! << 16)).toBe(lba * 0x10000);
  });

  it('WRITE SECTORS: DRQ without interrupt, an interrupt per written sector, data on the disk', () => {
    const d = disk(64);
    const { ata, irq } = channel(d);
    lba28(ata, 10, 2);
    ata.write(7, 1, ATA_CMD.WRITE_SECTORS);
    expect(irq.level).toBe(false);
    expect(ata.read(8, 1)).toBe(DRDY | DSC | DRQ);
    for (let i = 0; i < 256; i++) ata.write(0, 2, 0xa500 + (i & 0xff));
    expect(irq.level).toBe(true);
    expect(ata.read(7, 1)).toBe(DRDY | DSC | DRQ);
    for (let i = 0; i < 128; i++) ata.write(0, 4, 0x11223344);
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    expect(irq.edges).toBe(2);
    expect([d.bytes[10 * 512], d.bytes[10 * 512 + 1], d.bytes[11 * 512]]).toEqual([0x00, 0xa5, 0x44]);
    expect(ata.sectorsWritten).toBe(2);
  });

  it('READ/WRITE MULTIPLE abort until SET MULTIPLE, then move blocks of that many sectors', () => {
    const { ata, irq } = channel();
    lba28(ata, 0, 5);
    ata.write(7, 1, ATA_CMD.READ_MULTIPLE);
    expect(ata.read(7, 1)).toBe(DRDY | ERR);
    expect(ata.read(1, 1)).toBe(0x04);
    ata.write(2, 1, 3);
    ata.write(7, 1, ATA_CMD.SET_MULTIPLE);
    expect(ata.read(7, 1) & ERR).toBe(ERR); // not a power of two
    ata.write(2, 1, 4);
    ata.write(7, 1, ATA_CMD.SET_MULTIPLE);
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    const before = irq.edges;
    lba28(ata, 0, 5);
    ata.write(7, 1, ATA_CMD.READ_MULTIPLE);
    ata.read(7, 1);
    readWords(ata, 4 * 256);
    expect(ata.read(7, 1)).toBe(DRDY | DSC | DRQ);
    readWords(ata, 256);
    expect(ata.read(7, 1)).toBe(DRDY | DSC);
    expect(irq.edges - before).toBe(2);
  });

  it('an address past the end and unknown commands abort with ABRT', () => {
    const { ata } = channel(disk(100));
    lba28(ata, 99, 2);
    ata.write(7, 1, ATA_CMD.READ_SECTORS);
    expect(ata.read(7, 1)).toBe(DRDY | ERR);
    expect(ata.read(1, 1)).toBe(0x04);
    ata.write(7, 1, 0x55);
    expect(ata.read(1, 1)).toBe(0x04);
  });

  it('nIEN gates the IRQ line; an absent slave reads status 0 and ignores commands', () => {
    const { ata, irq } = channel();
    ata.write(8, 1, 0x02);
    ata.write(7, 1, ATA_CMD.IDENTIFY);
    expect(irq.level).toBe(false);
    ata.write(8, 1, 0x00);
    expect(irq.level).toBe(true);
    ata.write(6, 1, 0xb0);
    expect(ata.read(7, 1)).toBe(0);
    ata.write(7, 1, ATA_CMD.IDENTIFY);
    expect(ata.read(8, 1)).toBe(0);
  });

  it('master and slave are separate disks; a snapshot overlay leaves the base image alone', () => {
    const base = disk(16);
    const overlay = new OverlayBlockDevice(base);
    const { ata } = channel(disk(16), overlay as unknown as MemoryBlockDevice);
    lba28(ata, 3, 1, 0x10);
    ata.write(7, 1, ATA_CMD.WRITE_SECTORS);
    for (let i = 0; i < 256; i++) ata.write(0, 2, 0xbeef);
    lba28(ata, 3, 1, 0x10);
    ata.write(7, 1, ATA_CMD.READ_SECTORS);
    expect(readWords(ata, 2)).toEqual([0xbeef, 0xbeef]);
    expect(base.bytes[3 * 512 + 2]).toBe(3);
    expect(overlay.dirtySectors).toBe(1);
    const saved = JSON.parse(JSON.stringify(ata.saveState()));
    const other = new AtaChannel(disk(16), disk(16));
    other.restoreState(saved);
    expect(other.saveState()).toEqual(ata.saveState());
  });
});
