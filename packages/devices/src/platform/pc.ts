/** @file The PC board: guest RAM, memory map, the I/O bus and the chips wired to it, the virtual clock, loaders. */
import { ByteQueue, type ByteSource } from '../byte-queue.ts';
import { ClockConverter } from '../clock.ts';
import { AtaChannel, type AtaChannelState } from '../chips/ata-channel.ts';
import { Cga, type CgaState } from '../chips/cga.ts';
import { Elcr } from '../chips/elcr.ts';
import { ExitPort, type ExitPortState } from '../chips/exit-port.ts';
import { I8042, type I8042State } from '../chips/i8042.ts';
import { I8254, PIT_HZ, type I8254State } from '../chips/i8254.ts';
import { I8259Pair, type I8259PairState } from '../chips/i8259-pair.ts';
import { IOAPIC_VERSION, IoApic, type IoApicState } from '../chips/io-apic.ts';
import { APIC_VERSION, LocalApic, type LocalApicState } from '../chips/local-apic.ts';
import { DEFAULT_RTC_EPOCH, Mc146818, RTC_HZ, type Mc146818State } from '../chips/mc146818.ts';
import { NmiStatusControl, type NmiStatusControlState } from '../chips/nmi-status-control.ts';
import { PostPort, type PostPortState } from '../chips/post-port.ts';
import { Uart16550, type Uart16550State } from '../chips/uart16550.ts';
import type { BlockDevice } from '../disk/block-device.ts';
import { IoBus } from '../io-bus.ts';
import type { IrqLine } from '../irq-line.ts';
import { loadKernel, type KernelLoad } from '../loader/load-kernel.ts';
import { loadLinux, type LinuxLoad } from '../loader/linux/linux-loader.ts';
import { loadMultiboot, type MultibootLoad, type MultibootModule } from '../loader/multiboot.ts';
import { MAX_MEM_MIB, MIN_MEM_MIB, pcMemoryMap, type MemoryRegion } from './memory-map.ts';
import { writeBiosDataArea, writeMpTables } from './mp-tables.ts';

/** Ports and IRQs of the PC board. */
export const PC_PORTS = {
  PIC_MASTER: 0x20, PIC_SLAVE: 0xa0, PIT: 0x40, KBC_DATA: 0x60, NMI_SC: 0x61, KBC_CMD: 0x64, RTC: 0x70,
  POST: 0x80, EXIT: 0xf4, ELCR: 0x4d0, COM1: 0x3f8, ATA_PRIMARY: 0x1f0, ATA_PRIMARY_CONTROL: 0x3f6, CGA: 0x3d0,
} as const;
/** IRQ lines of the PC board. */
export const PC_IRQ = { PIT: 0, KEYBOARD: 1, CASCADE: 2, COM1: 4, RTC: 8, ATA_PRIMARY: 14 } as const;
/** MMIO windows of the PC board. */
export const PC_MMIO = { IOAPIC: 0xfec00000, LAPIC: 0xfee00000 } as const;
/** The I/O APIC's ID as the firmware programs it and the MP table reports it (the local APIC is 0). */
export const IOAPIC_ID = 1;

/**
 * Core cycles per bus clock, the local APIC timer's input (default 19: the Pentium 4 672's
 * 3.8 GHz core runs at 19 × its 200 MHz front-side bus clock, Intel Pentium 4 6x1 datasheet;
 * SDM Vol.3 §10.5.4: the APIC timer counts the bus clock).
 */
export const DEFAULT_APIC_BUS_RATIO = 19;

/** The I/O APIC input pin each ISA IRQ drives: the identity, except the PIT's IRQ0 on INTIN2 (as on PC chipsets and QEMU). */
export function isaIrqToIoApicPin(irq: number): number {
  return irq === 0 ? 2 : irq;
}

/** ISA IRQs the MP table routes to the I/O APIC (every IRQ but the cascade, IRQ2). */
const MP_ISA_IRQS = [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
/**
 * CPU feature flags in the MP table's processor entry: the processor model's CPUID.1:EDX
 * (PSE TSC MSR CX8 SEP PGE CMOV) plus APIC (bit 9), which this board provides.
 */
const MP_CPU_FEATURES = (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 11) | (1 << 13) | (1 << 15);

/** Why the board asked the run loop to stop. */
export const STOP_REASON = { EXIT: 'exit', RESET: 'reset' } as const;
/** One of `STOP_REASON`'s values. */
export type StopReason = (typeof STOP_REASON)[keyof typeof STOP_REASON];

/**
 * Most device deadlines a processor halted with interrupts enabled waits through (virtual time
 * jumping from one to the next) without an interrupt reaching it before the run stops as hung:
 * timers that keep firing into a masked or unwired input would otherwise spin the host forever
 * while retiring no instruction. Every mode uses this bound and `HALT_STARVED`, so the same guest
 * ends the same way in each.
 */
export const MAX_HALT_DEADLINES = 1 << 20;
/** The hung reason when `MAX_HALT_DEADLINES` deadlines passed in one HLT. */
export const HALT_STARVED = `HLT: ${MAX_HALT_DEADLINES} device deadlines passed and no interrupt reached the processor`;

/** How to build a board. */
export interface BoardOptions {
  /** Modeled CPU clock in Hz (a whole number; the cost profile's frequency, e.g. 3_800_000_000). */
  readonly cpuHz: number;
  /** Memory after guest RAM reserved for a monitor, in MiB (default 0: native mode). */
  readonly monitorMiB?: number;
  /** Guest RAM in MiB (2–3072; default 64, as `qemu-run` uses). */
  readonly memMiB?: number;
  /** The RTC's wall clock at cycle 0, in Unix seconds (default `DEFAULT_RTC_EPOCH`, 2006-10-21T00:00:00Z). */
  readonly rtcEpoch?: number;
  /** Receives every byte COM1 transmits. */
  readonly serialSink?: (byte: number) => void;
  /** Where COM1 receives from (default: a fresh `ByteQueue`, exposed as `serialInput`). */
  readonly serialSource?: ByteSource;
  /** Receives every POST code written to port 0x80. */
  readonly postSink?: (code: number) => void;
  /**
   * Leave the chips as QEMU's firmware (SeaBIOS) leaves them at a multiboot kernel's entry
   * (default true): PICs initialized at vectors 0x08/0x70 with IMR 0xB8/0x8E, PIT counter 0
   * in mode 2 with count 0 (18.2 Hz), COM1's OUT2 set, keyboard command byte 0x61.
   * With false every chip is in its power-on state.
   */
  readonly firmwareState?: boolean;
  /** Disks on the primary ATA channel (absent: no drive). */
  readonly disks?: { readonly master?: BlockDevice | null; readonly slave?: BlockDevice | null };
  /** Core cycles per bus clock, the local APIC timer's input (default `DEFAULT_APIC_BUS_RATIO`). */
  readonly apicBusRatio?: number;
  /**
   * Whether the processor has its local APIC (default true). With false the board is a PC
   * without APICs as far as the guest can tell (QEMU's `-M isapc` with a CPU lacking `apic`):
   * IA32_APIC_BASE.EN is clear at power-on so the 8259A pair drives INTR directly, CPUID shows
   * no APIC (`apicMsr` is null), the APIC's register window is not decoded, the firmware
   * writes no MP tables. The I/O APIC stays at 0xFEC00000 with nothing behind it.
   */
  readonly localApic?: boolean;
}

/** Plain-data state of the board's devices and clock (RAM is not included). */
export interface BoardState {
  cycles: number;
  pic: I8259PairState;
  pit: I8254State;
  com1: Uart16550State;
  rtc: Mc146818State;
  kbc: I8042State;
  nmiSc: NmiStatusControlState;
  post: PostPortState;
  exit: ExitPortState;
  lapic?: LocalApicState;
  ioapic?: IoApicState;
  ata?: AtaChannelState;
  cga?: CgaState;
  serialInput: number[] | null;
  stopReason: StopReason | null;
  exitCode: number | null;
}

/** What to load with a kernel. */
export interface BootOptions {
  /** Kernel command line (see `qemuCommandLine` for QEMU's form). */
  readonly cmdline?: string;
  /** Modules loaded after the kernel. */
  readonly modules?: readonly MultibootModule[];
  /** boot_loader_name (default "qemu", what QEMU reports). */
  readonly bootLoaderName?: string;
  /** An initrd for a Linux bzImage (`loadKernel`, `loadLinux`). */
  readonly initrd?: Uint8Array;
}

/**
 * The virtual PC shared by all three execution modes. It owns guest RAM (`ram`, physical 0
 * up, so the board itself satisfies x86-core's `PhysicalMemory`), the `bus` (`IoPorts`), the
 * 8259A pair (`pic`, the `InterruptController`) and the chips: 8254 at 0x40 (OUT0 → IRQ0),
 * port 0x61, 8042 at 0x60/0x64 (IRQ1, reset line), MC146818 at 0x70 (IRQ8), POST 0x80,
 * exit port 0xF4 (4 ports, 32-bit), ELCR 0x4D0, 16550A COM1 at 0x3F8 (IRQ4); the slave PIC
 * cascades on IRQ2.
 *
 * Time is the CPU's modeled cycle counter. `tick(now)` brings every timed chip up to cycle
 * `now` and returns the cycle of the earliest next deadline, converted exactly (integer
 * arithmetic, `ClockConverter`) from the chips' own clocks (PIT 1 193 182 Hz, RTC 32 768 Hz).
 * Register accesses between ticks read the time from the source given to `setCycleSource`
 * (the CPU's counter), or else the last `tick`'s time.
 *
 * A write to the exit port or a reset pulse sets `stopReason` (and `exitCode`) and raises
 * `bus.stopRequested()`, which the run loop polls after I/O instructions.
 */
export class Board {
  /**
   * The machine's physical memory, address 0 upward: guest RAM, followed by `monitorMiB` of
   * memory for a monitor (shadow tables, VMCB, translation cache). The guest is never told
   * about the monitor part (memory map, CMOS); only a monitor's page tables can reach it.
   */
  readonly ram: Uint8Array;
  /** The WebAssembly memory `ram` is the whole of (undefined: a plain array): the silicon then copies and fills with `memory.copy`/`memory.fill`. */
  readonly wasmMemory: { readonly buffer: ArrayBuffer } | undefined;
  /** Guest RAM: the first `memMiB` MiB of `ram` (a view, not a copy). */
  readonly guestRam: Uint8Array;
  /** Physical address where the monitor's memory starts (= guest RAM size). */
  readonly monitorBase: number;
  /** The E820 map reported to the guest (QEMU's for this RAM size). */
  readonly memoryMap: readonly MemoryRegion[];
  /** Modeled CPU clock frequency, in Hz. */
  readonly cpuHz: number;
  /** The I/O bus (x86-core's `IoPorts`). */
  readonly bus = new IoBus();
  /** The 8259A pair (x86-core's `InterruptController`). */
  readonly pic = new I8259Pair();
  readonly pit: I8254;
  readonly nmiSc: NmiStatusControl;
  readonly kbc: I8042;
  readonly rtc: Mc146818;
  readonly post: PostPort;
  readonly exitPort: ExitPort;
  readonly elcr: Elcr;
  readonly com1: Uart16550;
  /** The bootstrap processor's local APIC (MMIO at its IA32_APIC_BASE). */
  readonly lapic: LocalApic;
  /**
   * The processor's INTR/INTA (x86-core's `InterruptController`): the local APIC, which passes
   * the 8259A pair's requests through LINT0 in virtual-wire (ExtINT) mode.
   */
  readonly intr: LocalApic;
  /**
   * The processor's view of its local APIC for IA32_APIC_BASE and CPUID (x86-core's
   * `ApicBaseMsr`; give it to the `Cpu` as `apic`), or null on a board built with
   * `localApic: false`. A WRMSR goes through `setApicBaseMsr`.
   */
  readonly apicMsr: { readonly baseMsrValue: number; writeBaseMsr(value: number): void } | null;
  /** The I/O APIC at 0xFEC00000, ISA IRQs on its inputs next to the 8259A pair. */
  readonly ioapic: IoApic;
  /** The primary ATA channel (0x1F0–0x1F7, 0x3F6, IRQ14). */
  readonly ata: AtaChannel;
  /** The CGA text display (CRTC at 0x3D4/0x3D5; text in RAM at 0xB8000). */
  readonly cga: Cga;
  /** COM1's input queue when the board made it (no `serialSource` given), else null. */
  readonly serialInput: ByteQueue | null;
  /** Why the board asked to stop, or null. */
  stopReason: StopReason | null = null;
  /** The guest's exit code once it wrote the exit port, else null. */
  exitCode: number | null = null;

  private readonly pitClock: ClockConverter;
  private readonly rtcClock: ClockConverter;
  private readonly firmwareState: boolean;
  private readonly apicBusRatio: number;
  private readonly hasLocalApic: boolean;
  private readonly isaLines: IrqLine[] = [];
  private cycles = 0;
  private cycleSource: (() => number) | null = null;
  private hostPoll: (() => void) | null = null;

  constructor(options: BoardOptions) {
    const memMiB = options.memMiB ?? 64;
    if (!Number.isInteger(memMiB) || memMiB < MIN_MEM_MIB || memMiB > MAX_MEM_MIB) {
      throw new RangeError(`memMiB must be a whole number in ${MIN_MEM_MIB}..${MAX_MEM_MIB}, got ${memMiB}`);
    }
    this.cpuHz = options.cpuHz;
    this.pitClock = new ClockConverter(options.cpuHz, PIT_HZ);
    this.rtcClock = new ClockConverter(options.cpuHz, RTC_HZ);
    const monitorMiB = options.monitorMiB ?? 0;
    if (!Number.isInteger(monitorMiB) || monitorMiB < 0 || memMiB + monitorMiB > MAX_MEM_MIB) {
      throw new RangeError(`monitorMiB must be a whole number with memMiB + monitorMiB <= ${MAX_MEM_MIB}, got ${monitorMiB}`);
    }
    const ramBytes = (memMiB + monitorMiB) * 0x100000;
    this.wasmMemory = wasmMemoryOf(ramBytes);
    this.ram = this.wasmMemory !== undefined ? new Uint8Array(this.wasmMemory.buffer) : new Uint8Array(ramBytes);
    this.guestRam = this.ram.subarray(0, memMiB * 0x100000);
    this.monitorBase = this.guestRam.length;
    this.memoryMap = pcMemoryMap(this.guestRam.length);
    this.firmwareState = options.firmwareState ?? true;

    const pic = this.pic;
    const bus = this.bus;
    const ratio = options.apicBusRatio ?? DEFAULT_APIC_BUS_RATIO;
    if (!Number.isInteger(ratio) || ratio < 1) throw new RangeError(`apicBusRatio must be a whole number >= 1, got ${ratio}`);
    this.apicBusRatio = ratio;
    this.lapic = new LocalApic(pic, () => Math.floor(this.now() / this.apicBusRatio));
    this.intr = this.lapic;
    this.hasLocalApic = options.localApic ?? true;
    const lapic = this.lapic;
    this.apicMsr = this.hasLocalApic ? { get baseMsrValue() { return lapic.baseMsrValue; }, writeBaseMsr: (v: number) => this.setApicBaseMsr(v) } : null;
    this.ioapic = new IoApic(this.lapic);
    this.lapic.setEoiListener((vector) => this.ioapic.eoi(vector));
    // Each ISA IRQ wire drives both the 8259A input and its I/O APIC pin.
    for (let irq = 0; irq < 16; irq++) {
      const a = pic.irqLine(irq);
      const b = this.ioapic.pinLine(isaIrqToIoApicPin(irq));
      this.isaLines.push({ setLevel: (high) => { a.setLevel(high); b.setLevel(high); } });
    }
    const isa = (irq: number): IrqLine => this.isaLines[irq]!;
    this.pit = new I8254(isa(PC_IRQ.PIT), () => this.pitClock.toTicks(this.now()));
    this.nmiSc = new NmiStatusControl(this.pit);
    this.kbc = new I8042(() => this.stop(STOP_REASON.RESET, null), isa(PC_IRQ.KEYBOARD));
    this.rtc = new Mc146818(isa(PC_IRQ.RTC), () => this.rtcClock.toTicks(this.now()), options.rtcEpoch ?? DEFAULT_RTC_EPOCH);
    this.ata = new AtaChannel(options.disks?.master ?? null, options.disks?.slave ?? null, isa(PC_IRQ.ATA_PRIMARY));
    this.cga = new Cga();
    this.post = new PostPort(options.postSink ?? null);
    this.exitPort = new ExitPort((code) => this.stop(STOP_REASON.EXIT, code));
    this.elcr = new Elcr(pic);
    this.serialInput = options.serialSource ? null : new ByteQueue();
    this.com1 = new Uart16550(isa(PC_IRQ.COM1), options.serialSink ?? (() => {}), options.serialSource ?? this.serialInput);

    bus.mapPorts('pic-master', PC_PORTS.PIC_MASTER, 2, pic.master);
    bus.mapPorts('pic-slave', PC_PORTS.PIC_SLAVE, 2, pic.slave);
    bus.mapPorts('pit', PC_PORTS.PIT, 4, this.pit);
    bus.mapPorts('kbc', PC_PORTS.KBC_DATA, 1, this.kbc);
    bus.mapPorts('nmi-sc', PC_PORTS.NMI_SC, 1, this.nmiSc);
    bus.mapPorts('kbc', PC_PORTS.KBC_CMD, 1, this.kbc, { offset: 4 });
    bus.mapPorts('rtc', PC_PORTS.RTC, 2, this.rtc);
    bus.mapPorts('post', PC_PORTS.POST, 1, this.post);
    bus.mapPorts('exit', PC_PORTS.EXIT, 4, this.exitPort, { width: 4 });
    bus.mapPorts('elcr', PC_PORTS.ELCR, 2, this.elcr);
    bus.mapPorts('com1', PC_PORTS.COM1, 8, this.com1);
    bus.mapPorts('ata0', PC_PORTS.ATA_PRIMARY, 8, this.ata, { width: 4 });
    bus.mapPorts('ata0', PC_PORTS.ATA_PRIMARY_CONTROL, 1, this.ata, { offset: 8 });
    bus.mapPorts('cga', PC_PORTS.CGA + 4, 7, this.cga, { offset: 4 });
    bus.mapMmio('ioapic', PC_MMIO.IOAPIC, 0x20, this.ioapic);
    bus.mapMmio('lapic', PC_MMIO.LAPIC, 0x1000, this.lapic);

    this.powerOnApic();
    this.setCmosMemory();
    if (this.firmwareState) this.applyFirmwareState();
  }

  /** The current cycle: the registered source's, else the last `tick`'s. */
  now(): number {
    return this.cycleSource ? this.cycleSource() : this.cycles;
  }

  /** Registers the CPU's cycle counter as the time register accesses see. */
  setCycleSource(source: (() => number) | null): void {
    this.cycleSource = source;
  }

  /**
   * Host-side work done at every `tick` (before the chips advance): the CLI's terminal
   * keyboard (`typeKeys`) and live screen. Every mode's run loop ticks the board at each
   * device deadline and while HLT waits, so it runs at least as often as the guest's timers
   * fire (the firmware's PIT at 18.2 Hz of guest time). null: none (the default; tests and
   * benchmarks stay deterministic).
   */
  setHostPoll(poll: (() => void) | null): void {
    this.hostPoll = poll;
  }

  /**
   * Advances every timed chip to cycle `now` (delivering due timer edges to the PIC) and
   * returns the cycle of the earliest next deadline (> now), or Infinity.
   */
  tick(now: number): number {
    if (this.hostPoll !== null) this.hostPoll();
    this.cycles = now;
    const pit = this.pitClock.toCycles(this.pit.tick(this.pitClock.toTicks(now)));
    const rtc = this.rtcClock.toCycles(this.rtc.tick(this.rtcClock.toTicks(now)));
    const apic = this.lapic.tick(Math.floor(now / this.apicBusRatio)) * this.apicBusRatio;
    this.com1.tick(now);
    const first = pit < rtc ? pit : rtc;
    return apic < first ? apic : first;
  }

  /**
   * A WRMSR to IA32_APIC_BASE (0x1B): the local APIC takes the new enable bit and its register
   * window moves to the new base. The processor model keeps the MSR itself; whoever runs it
   * calls this after the write (x86-core has no MSR hook).
   */
  setApicBaseMsr(value: number): void {
    const old = this.lapic.base;
    this.lapic.writeBaseMsr(value);
    try {
      this.bus.remapMmio('lapic', this.lapic.base);
    } catch {
      // A base on top of another device's window (or past 4 GiB): undefined on real hardware;
      // the register window stays where it was, the MSR reads what was written.
      this.bus.remapMmio('lapic', old);
    }
  }

  /** The local APIC at power-on: enabled at 0xFEE00000, or (no local APIC) globally disabled, so its window reads as an empty bus. */
  private powerOnApic(): void {
    this.lapic.reset();
    if (!this.hasLocalApic) this.lapic.writeBaseMsr(this.lapic.base);
    this.bus.remapMmio('lapic', this.lapic.base);
  }

  /** Makes every disk write durable; the run loop calls it when a run ends, however it ends. */
  flushDisks(): void {
    this.ata.flush();
  }

  /** Keys typed on the terminal, for the keyboard (returns how many characters had a key). */
  typeKeys(bytes: Iterable<number>): number {
    return this.kbc.typeChars(bytes);
  }

  /** Loads a multiboot (v1) kernel and returns the processor's entry state; throws `ImageError` on a bad image. */
  loadMultiboot(image: Uint8Array, options: BootOptions = {}): MultibootLoad {
    return loadMultiboot(this.guestRam, image, { ...options, memoryMap: this.memoryMap });
  }

  /** Loads a Linux bzImage (and initrd) by the 32-bit boot protocol; throws `ImageError` on a bad image. */
  loadLinux(image: Uint8Array, options: Pick<BootOptions, 'cmdline' | 'initrd'> = {}): LinuxLoad {
    return loadLinux(this.guestRam, image, { ...options, memoryMap: this.memoryMap });
  }

  /** Loads a bzImage (`loadLinux`) or a multiboot kernel (`loadMultiboot`), whichever `image` is. */
  loadKernel(image: Uint8Array, options: BootOptions = {}): KernelLoad {
    return loadKernel(this.guestRam, image, { ...options, memoryMap: this.memoryMap });
  }

  /** Forgets a stop request after the run loop handled it (the exit code stays). */
  clearStop(): void {
    this.stopReason = null;
    this.bus.clearStop();
  }

  /** Every chip back to its power-on (or firmware) state; RAM is left as it is. */
  resetDevices(): void {
    this.pic.reset();
    this.pit.reset();
    this.nmiSc.restoreState({ value: 0, refresh: 0 });
    this.pit.setGate(2, false);
    this.kbc.powerOn();
    this.rtc.reset();
    this.post.reset();
    this.exitPort.reset();
    this.com1.reset();
    this.powerOnApic();
    this.ioapic.reset();
    this.ata.reset();
    this.cga.reset();
    this.stopReason = null;
    this.exitCode = null;
    this.bus.clearStop();
    this.setCmosMemory();
    if (this.firmwareState) this.applyFirmwareState();
  }

  private stop(reason: StopReason, code: number | null): void {
    if (this.stopReason === null) {
      this.stopReason = reason;
      if (reason === STOP_REASON.EXIT) this.exitCode = code;
    }
    this.bus.requestStop();
  }

  /** CMOS bytes the BIOS would set: base memory, extended memory (0x17/0x30), memory above 16 MiB (0x34). */
  private setCmosMemory(): void {
    const kib = this.guestRam.length / 1024;
    const ext = Math.min(0xffff, kib - 1024);
    const above16 = Math.min(0xffff, Math.max(0, (this.guestRam.length - 0x1000000) / 0x10000));
    const bytes: [number, number][] = [
      [0x15, 640 & 0xff], [0x16, 640 >> 8], [0x17, ext & 0xff], [0x18, ext >> 8], [0x30, ext & 0xff], [0x31, ext >> 8],
      [0x34, above16 & 0xff], [0x35, above16 >> 8], [0x14, 0x06], [0x32, 0x20],
    ];
    for (const [i, v] of bytes) this.rtc.setCmos(i, v);
  }

  /** The chip programming QEMU's firmware leaves behind (see `BoardOptions.firmwareState`). */
  private applyFirmwareState(): void {
    const out = (port: number, value: number): void => this.bus.portWrite(port, 1, value);
    // 8259A pair: ICW1 (edge, cascade, ICW4), ICW2 vector base, ICW3 cascade on IR2, ICW4 8086 mode; then the masks.
    for (const [port, base, icw3, imr] of [[PC_PORTS.PIC_MASTER, 0x08, 0x04, 0xb8], [PC_PORTS.PIC_SLAVE, 0x70, 0x02, 0x8e]] as const) {
      out(port, 0x11);
      out(port + 1, base);
      out(port + 1, icw3);
      out(port + 1, 0x01);
      out(port + 1, imr);
    }
    // 8254 counter 0: mode 2, LSB then MSB, count 0 (65536: 18.2 Hz).
    out(PC_PORTS.PIT + 3, 0x34);
    out(PC_PORTS.PIT, 0);
    out(PC_PORTS.PIT, 0);
    out(PC_PORTS.COM1 + 4, 0x08);
    out(PC_PORTS.KBC_CMD, 0x60);
    out(PC_PORTS.KBC_DATA, 0x61);
    // Local APIC in virtual-wire mode as SeaBIOS leaves it (read back under QEMU by the
    // pc-platform guest): software-enabled, spurious vector 0xFF, LINT0 ExtINT and LINT1 NMI,
    // both level-triggered.
    const apic = (offset: number, value: number): void => this.bus.mmioWrite(PC_MMIO.LAPIC + offset, 4, value);
    apic(0xf0, 0x1ff);
    apic(0x350, 0x8700);
    apic(0x360, 0x8400);
    // I/O APIC ID as the MP table reports it.
    this.bus.mmioWrite(PC_MMIO.IOAPIC, 4, 0);
    this.bus.mmioWrite(PC_MMIO.IOAPIC + 0x10, 4, IOAPIC_ID << 24);
    writeBiosDataArea(this.guestRam, { hardDisks: this.ata.driveCount });
    // No local APIC: no MP configuration to describe (SeaBIOS writes none on such a PC).
    if (!this.hasLocalApic) return;
    writeMpTables(this.guestRam, {
      apicId: 0, apicVersion: APIC_VERSION & 0xff, cpuSignature: 0x633, cpuFeatures: MP_CPU_FEATURES,
      localApicBase: PC_MMIO.LAPIC, ioApicId: IOAPIC_ID, ioApicVersion: IOAPIC_VERSION & 0xff, ioApicBase: PC_MMIO.IOAPIC,
      isaRouting: MP_ISA_IRQS.map((irq) => [irq, isaIrqToIoApicPin(irq)] as const),
    });
  }

  saveState(): BoardState {
    return {
      cycles: this.cycles,
      pic: this.pic.saveState(),
      pit: this.pit.saveState(),
      com1: this.com1.saveState(),
      rtc: this.rtc.saveState(),
      kbc: this.kbc.saveState(),
      nmiSc: this.nmiSc.saveState(),
      post: this.post.saveState(),
      exit: this.exitPort.saveState(),
      lapic: this.lapic.saveState(),
      ioapic: this.ioapic.saveState(),
      ata: this.ata.saveState(),
      cga: this.cga.saveState(),
      serialInput: this.serialInput ? this.serialInput.toArray() : null,
      stopReason: this.stopReason,
      exitCode: this.exitCode,
    };
  }

  restoreState(s: BoardState): void {
    this.cycles = s.cycles;
    this.pic.restoreState(s.pic);
    this.pit.restoreState(s.pit);
    this.com1.restoreState(s.com1);
    this.rtc.restoreState(s.rtc);
    this.kbc.restoreState(s.kbc);
    this.nmiSc.restoreState(s.nmiSc);
    this.post.restoreState(s.post);
    this.exitPort.restoreState(s.exit);
    if (s.lapic) {
      this.lapic.restoreState(s.lapic);
      this.bus.remapMmio('lapic', this.lapic.base);
    }
    if (s.ioapic) this.ioapic.restoreState(s.ioapic);
    if (s.ata) this.ata.restoreState(s.ata);
    if (s.cga) this.cga.restoreState(s.cga);
    if (this.serialInput && s.serialInput) {
      this.serialInput.clear();
      this.serialInput.push(s.serialInput);
    }
    this.stopReason = s.stopReason;
    this.exitCode = s.exitCode;
    if (s.stopReason !== null) this.bus.requestStop();
    else this.bus.clearStop();
  }
}

/** A WebAssembly memory of `bytes` (whole MiB, so whole 64 KiB pages), or undefined when the host cannot make one (no address space left for its guard region). */
function wasmMemoryOf(bytes: number): { readonly buffer: ArrayBuffer } | undefined {
  // The WebAssembly API, which the project's TypeScript libraries do not declare.
  const wasm = (globalThis as { WebAssembly?: { Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer } } }).WebAssembly;
  try {
    return wasm === undefined ? undefined : new wasm.Memory({ initial: bytes / 0x10000 });
  } catch {
    return undefined;
  }
}
