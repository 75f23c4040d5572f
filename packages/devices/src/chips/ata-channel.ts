/** @file An ATA (IDE) channel in PIO mode: task-file registers, master and slave disks, IDENTIFY, READ/WRITE SECTORS and MULTIPLE, LBA28 and CHS, INTRQ. */
import type { AccessSize, IoDevice, Snapshottable } from '../device.ts';
import { SECTOR_BYTES, type BlockDevice } from '../disk/block-device.ts';
import { NO_IRQ, type IrqLine } from '../irq-line.ts';
import { ATA_MAX_MULTIPLE, defaultGeometry, identifyData, LBA28_MAX, type ChsGeometry } from './ata-identify.ts';

/** Status register bits (ATA/ATAPI-6 §7.15). */
export const ATA_STATUS = { ERR: 0x01, DRQ: 0x08, DSC: 0x10, DF: 0x20, DRDY: 0x40, BSY: 0x80 } as const;
/** Error register bits. */
export const ATA_ERROR = { ABRT: 0x04, IDNF: 0x10, UNC: 0x40 } as const;
/** Device control register bits (port 0x3F6 write). */
export const ATA_CONTROL = { NIEN: 0x02, SRST: 0x04 } as const;
/** Device/head register bits. */
export const ATA_DEVICE = { DEV: 0x10, LBA: 0x40 } as const;
/** Commands this model executes (ATA/ATAPI-6 §8). */
export const ATA_CMD = {
  RECALIBRATE: 0x10, READ_SECTORS: 0x20, READ_SECTORS_NR: 0x21, WRITE_SECTORS: 0x30, WRITE_SECTORS_NR: 0x31,
  READ_VERIFY: 0x40, READ_VERIFY_NR: 0x41, SEEK: 0x70, EXECUTE_DIAGNOSTIC: 0x90, INITIALIZE_PARAMETERS: 0x91,
  READ_MULTIPLE: 0xc4, WRITE_MULTIPLE: 0xc5, SET_MULTIPLE: 0xc6, STANDBY_IMMEDIATE: 0xe0, IDLE_IMMEDIATE: 0xe1,
  CHECK_POWER_MODE: 0xe5, FLUSH_CACHE: 0xe7, IDENTIFY: 0xec, SET_FEATURES: 0xef,
} as const;

/** Chip offsets: 0–7 the command block (0x1F0–0x1F7), 8 the control block (0x3F6). */
export const ATA_OFFSET = { DATA: 0, ERROR: 1, COUNT: 2, LBA_LOW: 3, LBA_MID: 4, LBA_HIGH: 5, DEVICE: 6, STATUS: 7, CONTROL: 8 } as const;

/** Plain-data state of one drive (the image itself is the backend's). */
export interface AtaDriveState {
  status: number;
  error: number;
  multiple: number;
  current: ChsGeometry;
}

/** Plain-data state of the channel. */
export interface AtaChannelState {
  features: number; count: number; lbaLow: number; lbaMid: number; lbaHigh: number; device: number; control: number;
  intrq: boolean; drives: (AtaDriveState | null)[];
  command: number; direction: number; buffer: number[]; position: number; blockBytes: number; remaining: number; lba: number;
}

const DIR_NONE = 0;
const DIR_IN = 1;
const DIR_OUT = 2;
const READY = ATA_STATUS.DRDY | ATA_STATUS.DSC;

/** One disk on the channel. */
class AtaDrive {
  status = READY;
  error = 0x01;
  multiple = 0;
  current: ChsGeometry;
  readonly geometry: ChsGeometry;
  readonly disk: BlockDevice;
  readonly index: number;

  constructor(disk: BlockDevice, index: number) {
    this.disk = disk;
    this.index = index;
    this.geometry = defaultGeometry(disk.sectorCount);
    this.current = this.geometry;
  }
}

/**
 * The primary (or any) ATA channel with up to two disks. Task-file writes go to both drives,
 * reads come from the one DEV selects; a channel whose selected drive is absent reads status 0
 * and ignores commands. Commands complete at once (BSY is never seen): a PIO-in command
 * (IDENTIFY, READ SECTORS, READ MULTIPLE) fills the buffer, sets DRQ and raises INTRQ per
 * block; after the last word DRQ drops and no interrupt follows. A PIO-out command (WRITE
 * SECTORS/MULTIPLE) sets DRQ without an interrupt; each full block is written to the image and
 * raises INTRQ, with DRQ set again while blocks remain. Blocks are one sector, or the SET
 * MULTIPLE count for the MULTIPLE commands (which abort while multiple mode is off). Sector
 * addresses are LBA28 (device bit 6) or CHS through the current geometry (INITIALIZE DEVICE
 * PARAMETERS changes it); after each block the address registers advance to the next sector
 * and the count to what remains, as QEMU does. An address past the end (or a CHS address outside
 * the geometry) is aborted with ABRT (ATA/ATAPI-6 lets a device report either ABRT or IDNF; QEMU uses ABRT).
 * Reading the status register clears INTRQ (the alternate status does not); nIEN gates the
 * IRQ line; SRST resets both drives to the ATA signature (count 1, LBA low 1, LBA mid/high 0).
 * The data port takes 16- and 32-bit accesses.
 */
export class AtaChannel implements IoDevice, Snapshottable<AtaChannelState> {
  private features = 0;
  private count = 0;
  private lbaLow = 0;
  private lbaMid = 0;
  private lbaHigh = 0;
  private device = 0;
  private control = 0;
  private intrq = false;
  private readonly drives: (AtaDrive | null)[];
  private command = 0;
  private direction = DIR_NONE;
  private readonly buffer = new Uint8Array(ATA_MAX_MULTIPLE * SECTOR_BYTES);
  private position = 0;
  private blockBytes = 0;
  private remaining = 0;
  private lba = 0;
  private readonly irq: IrqLine;
  /** Sectors transferred to and from the images. */
  sectorsRead = 0;
  sectorsWritten = 0;

  constructor(master: BlockDevice | null, slave: BlockDevice | null, irq: IrqLine = NO_IRQ) {
    this.drives = [master ? new AtaDrive(master, 0) : null, slave ? new AtaDrive(slave, 1) : null];
    this.irq = irq;
    this.softReset();
  }

  private get selected(): AtaDrive | null {
    return this.drives[(this.device & ATA_DEVICE.DEV) !== 0 ? 1 : 0]!;
  }

  private setIntrq(v: boolean): void {
    this.intrq = v;
    this.irq.setLevel(v && (this.control & ATA_CONTROL.NIEN) === 0);
  }

  read(offset: number, size: AccessSize): number {
    if (offset === ATA_OFFSET.DATA) return this.readData(size);
    const d = this.selected;
    if (d === null && this.drives[0] === null && this.drives[1] === null) return 0xff;
    switch (offset) {
      case ATA_OFFSET.ERROR: return d ? d.error : 0;
      case ATA_OFFSET.COUNT: return this.count;
      case ATA_OFFSET.LBA_LOW: return this.lbaLow;
      case ATA_OFFSET.LBA_MID: return this.lbaMid;
      case ATA_OFFSET.LBA_HIGH: return this.lbaHigh;
      case ATA_OFFSET.DEVICE: return this.device | 0xa0;
      case ATA_OFFSET.STATUS:
        if (d === null) return 0;
        this.setIntrq(false);
        return d.status;
      case ATA_OFFSET.CONTROL: return d ? d.status : 0;
      default: return 0xff;
    }
  }

  write(offset: number, size: AccessSize, value: number): void {
    if (offset === ATA_OFFSET.DATA) {
      this.writeData(size, value);
      return;
    }
    value &= 0xff;
    switch (offset) {
      case ATA_OFFSET.ERROR: this.features = value; return;
      case ATA_OFFSET.COUNT: this.count = value; return;
      case ATA_OFFSET.LBA_LOW: this.lbaLow = value; return;
      case ATA_OFFSET.LBA_MID: this.lbaMid = value; return;
      case ATA_OFFSET.LBA_HIGH: this.lbaHigh = value; return;
      case ATA_OFFSET.DEVICE: this.device = value & 0x5f; return;
      case ATA_OFFSET.STATUS: this.execute(value); return;
      case ATA_OFFSET.CONTROL: this.writeControl(value); return;
      default:
    }
  }

  private writeControl(value: number): void {
    const wasReset = (this.control & ATA_CONTROL.SRST) !== 0;
    this.control = value & (ATA_CONTROL.NIEN | ATA_CONTROL.SRST);
    if ((value & ATA_CONTROL.SRST) !== 0) {
      for (const d of this.drives) if (d) d.status = ATA_STATUS.BSY;
      this.direction = DIR_NONE;
    } else if (wasReset) {
      this.softReset();
    }
    this.setIntrq(this.intrq);
  }

  /** The ATA signature and ready status on both drives (power-on and the end of SRST). */
  private softReset(): void {
    this.count = 1;
    this.lbaLow = 1;
    this.lbaMid = 0;
    this.lbaHigh = 0;
    this.device = 0;
    this.features = 0;
    this.direction = DIR_NONE;
    this.intrq = false;
    for (const d of this.drives) {
      if (!d) continue;
      d.status = READY;
      d.error = 0x01;
      d.multiple = 0;
      d.current = d.geometry;
    }
    this.setIntrq(false);
  }

  // ---- the data port ---------------------------------------------------------------------

  private readData(size: AccessSize): number {
    if (this.direction !== DIR_IN) return size === 4 ? 0xffffffff : 0xffff;
    const n = size === 1 ? 2 : size;
    let v = 0;
    for (let i = 0; i < n; i++) v |= this.buffer[this.position + i]! << (8 * i);
    this.position += n;
    if (this.position >= this.blockBytes) this.blockDone();
    return v >>> 0;
  }

  private writeData(size: AccessSize, value: number): void {
    if (this.direction !== DIR_OUT) return;
    const n = size === 1 ? 2 : size;
    for (let i = 0; i < n; i++) this.buffer[this.position + i] = (value >>> (8 * i)) & 0xff;
    this.position += n;
    if (this.position >= this.blockBytes) this.blockDone();
  }

  /** The buffer's block is through: write it (PIO out), then the next block or the end. */
  private blockDone(): void {
    const d = this.selected!;
    const sectors = this.blockBytes / SECTOR_BYTES;
    if (this.command === ATA_CMD.IDENTIFY) {
      this.direction = DIR_NONE;
      d.status = READY;
      return;
    }
    if (this.direction === DIR_OUT) {
      d.disk.write(this.lba, this.buffer.subarray(0, this.blockBytes));
      this.sectorsWritten += sectors;
    }
    this.lba += sectors;
    this.remaining -= sectors;
    this.setAddress(d, this.lba, this.remaining);
    if (this.remaining > 0) {
      this.startBlock(d);
      if (this.direction === DIR_OUT) this.setIntrq(true);
      return;
    }
    const out = this.direction === DIR_OUT;
    this.direction = DIR_NONE;
    d.status = READY;
    if (out) this.setIntrq(true);
  }

  /** Fills (PIO in) or opens (PIO out) the buffer for the next block and sets DRQ; PIO in also interrupts. */
  private startBlock(d: AtaDrive): void {
    const per = this.command === ATA_CMD.READ_MULTIPLE || this.command === ATA_CMD.WRITE_MULTIPLE ? d.multiple : 1;
    const sectors = Math.min(per, this.remaining);
    this.blockBytes = sectors * SECTOR_BYTES;
    this.position = 0;
    d.status = READY | ATA_STATUS.DRQ;
    if (this.direction === DIR_IN) {
      d.disk.read(this.lba, sectors, this.buffer);
      this.sectorsRead += sectors;
      this.setIntrq(true);
    }
  }

  // ---- commands --------------------------------------------------------------------------

  private execute(cmd: number): void {
    const d = this.selected;
    if (d === null || (this.control & ATA_CONTROL.SRST) !== 0) return;
    this.setIntrq(false);
    this.command = cmd;
    this.direction = DIR_NONE;
    d.error = 0;
    switch (cmd) {
      case ATA_CMD.IDENTIFY: {
        const data = identifyData({
          totalSectors: d.disk.sectorCount, geometry: d.geometry, current: d.current, multiple: d.multiple,
          serial: `X86VIRT-${d.index}`, model: 'x86virt ATA disk',
        });
        this.buffer.set(data);
        this.blockBytes = SECTOR_BYTES;
        this.position = 0;
        this.direction = DIR_IN;
        d.status = READY | ATA_STATUS.DRQ;
        this.setIntrq(true);
        return;
      }
      case ATA_CMD.READ_SECTORS:
      case ATA_CMD.READ_SECTORS_NR:
      case ATA_CMD.READ_MULTIPLE:
      case ATA_CMD.WRITE_SECTORS:
      case ATA_CMD.WRITE_SECTORS_NR:
      case ATA_CMD.WRITE_MULTIPLE: {
        const multipleCmd = cmd === ATA_CMD.READ_MULTIPLE || cmd === ATA_CMD.WRITE_MULTIPLE;
        if (multipleCmd && d.multiple === 0) return this.abort(d, ATA_ERROR.ABRT);
        if (!this.startTransfer(d)) return;
        this.direction = cmd === ATA_CMD.WRITE_SECTORS || cmd === ATA_CMD.WRITE_SECTORS_NR || cmd === ATA_CMD.WRITE_MULTIPLE ? DIR_OUT : DIR_IN;
        this.startBlock(d);
        return;
      }
      case ATA_CMD.READ_VERIFY:
      case ATA_CMD.READ_VERIFY_NR:
        if (!this.startTransfer(d)) return;
        this.setAddress(d, this.lba + this.remaining, 0);
        return this.complete(d);
      case ATA_CMD.SET_MULTIPLE: {
        const n = this.count;
        if (n > ATA_MAX_MULTIPLE || (n & (n - 1)) !== 0) return this.abort(d, ATA_ERROR.ABRT);
        d.multiple = n;
        return this.complete(d);
      }
      case ATA_CMD.INITIALIZE_PARAMETERS: {
        const heads = (this.device & 0x0f) + 1;
        const sectors = this.count;
        if (sectors === 0) return this.abort(d, ATA_ERROR.ABRT);
        const cylinders = Math.min(65535, Math.floor(Math.min(d.disk.sectorCount, LBA28_MAX) / (heads * sectors)));
        d.current = { cylinders, heads, sectors };
        return this.complete(d);
      }
      case ATA_CMD.EXECUTE_DIAGNOSTIC:
        this.softReset();
        for (const x of this.drives) if (x) x.error = 0x01;
        return this.setIntrq(true);
      case ATA_CMD.FLUSH_CACHE:
        d.disk.flush();
        return this.complete(d);
      case ATA_CMD.CHECK_POWER_MODE:
        this.count = 0xff;
        return this.complete(d);
      case ATA_CMD.SET_FEATURES:
      case ATA_CMD.IDLE_IMMEDIATE:
      case ATA_CMD.STANDBY_IMMEDIATE:
      case ATA_CMD.SEEK:
        return this.complete(d);
      default:
        if (cmd >= ATA_CMD.RECALIBRATE && cmd <= 0x1f) return this.complete(d);
        return this.abort(d, ATA_ERROR.ABRT);
    }
  }

  /** Decodes the start address and count; false (after aborting) if they run past the disk. */
  private startTransfer(d: AtaDrive): boolean {
    const count = this.count === 0 ? 256 : this.count;
    let lba: number;
    if ((this.device & ATA_DEVICE.LBA) !== 0) {
      lba = ((this.device & 0x0f) << 24) | (this.lbaHigh << 16) | (this.lbaMid << 8) | this.lbaLow;
    } else {
      const g = d.current;
      const cyl = this.lbaMid | (this.lbaHigh << 8);
      const head = this.device & 0x0f;
      const sector = this.lbaLow;
      if (sector === 0 || sector > g.sectors || head >= g.heads || cyl >= g.cylinders) {
        this.abort(d, ATA_ERROR.ABRT);
        return false;
      }
      lba = (cyl * g.heads + head) * g.sectors + sector - 1;
    }
    if (lba + count > Math.min(d.disk.sectorCount, LBA28_MAX + 1)) {
      this.abort(d, ATA_ERROR.ABRT);
      return false;
    }
    this.lba = lba;
    this.remaining = count;
    return true;
  }

  /** Writes `lba` back to the address registers (in the command's addressing mode) and `count` to the count. */
  private setAddress(d: AtaDrive, lba: number, count: number): void {
    this.count = count & 0xff;
    if ((this.device & ATA_DEVICE.LBA) !== 0) {
      this.lbaLow = lba & 0xff;
      this.lbaMid = (lba >>> 8) & 0xff;
      this.lbaHigh = (lba >>> 16) & 0xff;
      this.device = (this.device & 0xf0) | ((lba >>> 24) & 0x0f);
      return;
    }
    const g = d.current;
    const cyl = Math.floor(lba / (g.heads * g.sectors));
    const rest = lba % (g.heads * g.sectors);
    this.lbaMid = cyl & 0xff;
    this.lbaHigh = (cyl >>> 8) & 0xff;
    this.device = (this.device & 0xf0) | Math.floor(rest / g.sectors);
    this.lbaLow = (rest % g.sectors) + 1;
  }

  private complete(d: AtaDrive): void {
    d.status = READY;
    this.setIntrq(true);
  }

  private abort(d: AtaDrive, error: number): void {
    d.error = error;
    // Bit 4 (formerly DSC) is command-dependent in ATA/ATAPI-6; an aborted command leaves it clear (as QEMU does).
    d.status = ATA_STATUS.DRDY | ATA_STATUS.ERR;
    this.direction = DIR_NONE;
    this.setIntrq(true);
  }

  /** Drives attached (0–2). */
  get driveCount(): number {
    return (this.drives[0] ? 1 : 0) + (this.drives[1] ? 1 : 0);
  }

  /** Makes every image write durable (the board calls it when a run ends, however it ends). */
  flush(): void {
    for (const d of this.drives) if (d) d.disk.flush();
  }

  /** Power-on state (the images are untouched). */
  reset(): void {
    this.control = 0;
    this.softReset();
  }

  saveState(): AtaChannelState {
    return {
      features: this.features, count: this.count, lbaLow: this.lbaLow, lbaMid: this.lbaMid, lbaHigh: this.lbaHigh,
      device: this.device, control: this.control, intrq: this.intrq,
      drives: this.drives.map((d) => (d ? { status: d.status, error: d.error, multiple: d.multiple, current: { ...d.current } } : null)),
      command: this.command, direction: this.direction, buffer: [...this.buffer.subarray(0, this.blockBytes)],
      position: this.position, blockBytes: this.blockBytes, remaining: this.remaining, lba: this.lba,
    };
  }

  restoreState(s: AtaChannelState): void {
    this.features = s.features; this.count = s.count; this.lbaLow = s.lbaLow; this.lbaMid = s.lbaMid; this.lbaHigh = s.lbaHigh;
    this.device = s.device; this.control = s.control;
    s.drives.forEach((x, i) => {
      const d = this.drives[i];
      if (d && x) {
        d.status = x.status; d.error = x.error; d.multiple = x.multiple; d.current = { ...x.current };
      }
    });
    this.command = s.command; this.direction = s.direction; this.buffer.set(s.buffer);
    this.position = s.position; this.blockBytes = s.blockBytes; this.remaining = s.remaining; this.lba = s.lba;
    this.setIntrq(s.intrq);
  }
}
