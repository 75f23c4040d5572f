/** @file The pc-platform guest (MP tables, local APIC timer, I/O APIC, IDE, CGA) matches its QEMU golden; the other modes are checked for what they reach. */
import { readFileSync } from 'node:fs';
import { MemoryBlockDevice, OverlayBlockDevice, type Board } from '@x86virt/devices';
import { describe, expect, it } from 'vitest';
import { decodeSnapshot, encodeSnapshot, guestImagePath, loadProfile, resumeNative, runGuest, runNativeToSnapshot, toCostProfile } from '../src/index.ts';
// @ts-expect-error -- a plain .mjs script without types, shared with the golden script
import { pcPlatformDisk } from '../scripts/pc-platform-disk.mjs';

const image = new Uint8Array(readFileSync(guestImagePath('pc-platform')!));
const golden = readFileSync(new URL('../guests/pc-platform/golden.txt', import.meta.url), 'latin1');
const profile = toCostProfile(loadProfile('p4-2006'));

function disks(): { master: MemoryBlockDevice; slave: MemoryBlockDevice } {
  return { master: new MemoryBlockDevice(pcPlatformDisk(false) as Uint8Array), slave: new MemoryBlockDevice(pcPlatformDisk(true) as Uint8Array) };
}

describe('pc-platform guest', () => {
  it('native: serial output and exit code equal the QEMU golden; the writes reach the disks; the screen shows the text', () => {
    const d = disks();
    let board: Board | null = null;
    const r = runGuest('native', image, profile, { maxInsns: 50_000_000, disks: d, onBoard: (b) => (board = b) });
    expect(`${r.serial}exit=${r.stop.kind === 'exit' ? r.stop.code : r.stop.kind}\n`).toBe(golden);
    // LBA 70 on the master holds the pattern the guest wrote; the slave's LBA 100–107 too.
    const view = new DataView(d.master.bytes.buffer);
    expect(view.getUint32(70 * 512, true)).toBe(0xc0de0000);
    expect(view.getUint32(70 * 512 + 508, true)).toBe(0xc0de007f);
    expect(new DataView(d.slave.bytes.buffer).getUint32(100 * 512, true)).toBe(0x51a70000);
    // Untouched sectors keep the image's pattern.
    expect(d.master.bytes[71 * 512]).toBe((71 * 31) & 0xff);
    const b = board as unknown as Board;
    expect(b.cga.renderText(b.ram)[0]!.startsWith('pc-platform: hello from CGA text')).toBe(true);
    expect(b.cga.cursor).toBe(0x55);
    expect(b.lapic.timerInterrupts).toBe(6);
    // The guest's last WRMSR to IA32_APIC_BASE reached the board: the APIC is globally disabled.
    expect(b.lapic.globallyEnabled).toBe(false);
    expect(b.apicMsr!.baseMsrValue).toBe(0xfee00100);
    expect(b.ata.sectorsWritten).toBe(9);
  }, 120_000);

  for (const mode of ['bt', 'hw-nested', 'hw-shadow'] as const) {
    it(`${mode}: the same output as the QEMU golden, the same sectors written (APIC, I/O APIC and IDE through callouts or exits and MMIO emulation)`, () => {
      const d = disks();
      const r = runGuest(mode, image, profile, { maxInsns: 50_000_000, disks: d });
      expect(`${r.serial}exit=${r.stop.kind === 'exit' ? r.stop.code : r.stop.kind}\n`).toBe(golden);
      expect(new DataView(d.master.bytes.buffer).getUint32(70 * 512, true)).toBe(0xc0de0000);
      expect(new DataView(d.slave.bytes.buffer).getUint32(100 * 512, true)).toBe(0x51a70000);
    }, 120_000);
  }

  it('native, saved at N and restored (interrupts through board.intr: APIC timer, I/O APIC, IDE): the run goes on exactly as the uninterrupted one', () => {
    const full = runGuest('native', image, profile, { maxInsns: 50_000_000, disks: disks() });
    expect(full.stop).toEqual({ kind: 'exit', code: 0 });
    // Inside the APIC timer test, inside the IDE tests (interrupts pending on IRQ14), near the end.
    for (const frac of [0.1, 0.3, 0.6, 0.95]) {
      const n = Math.floor(full.instructions * frac);
      const d = disks();
      const first = runNativeToSnapshot(image, profile, n, { maxInsns: 50_000_000, disks: d });
      const rest = resumeNative(decodeSnapshot(encodeSnapshot(first.snapshot!)), profile, { maxInsns: 50_000_000, disks: d });
      expect(`${first.run.serial}${rest.serial}exit=${rest.stop.kind === 'exit' ? rest.stop.code : rest.stop.kind}\n`, `N=${n}`).toBe(golden);
      expect(rest.instructions).toBe(full.instructions);
      expect(rest.cycles).toBe(full.cycles);
      expect(rest.arch).toEqual(full.arch);
      expect(new DataView(d.master.bytes.buffer).getUint32(70 * 512, true)).toBe(0xc0de0000);
    }
  }, 300_000);

  it('native with a snapshot overlay: same output, the base images unchanged', () => {
    const d = disks();
    const before = d.master.bytes.slice();
    const r = runGuest('native', image, profile, { maxInsns: 50_000_000, disks: { master: new OverlayBlockDevice(d.master), slave: new OverlayBlockDevice(d.slave) } });
    expect(`${r.serial}exit=${r.stop.kind === 'exit' ? r.stop.code : r.stop.kind}\n`).toBe(golden);
    expect(d.master.bytes).toEqual(before);
  }, 120_000);
});
