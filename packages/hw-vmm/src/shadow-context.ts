/** @file Shadow paging for the hardware VMM: the guest's virtual CR0/CR3/CR4, the shared shadow pager (mmu), and the real CR0/CR3 the silicon runs with. */
import { ShadowPager, gva, type ShadowFaultResult } from '@x86virt/mmu';
import { CR0 } from '@x86virt/x86-core';

/** CR0 bits a MOV to CR0 keeps (as the silicon's own MOV CR0 does). */
export const CR0_WRITABLE = CR0.PE | CR0.MP | CR0.EM | CR0.TS | CR0.ET | CR0.NE | CR0.WP | CR0.AM | CR0.NW | CR0.CD | CR0.PG;
/** CR4 bits the model implements (VME PVI TSD DE PSE PGE); any other bit is #GP. */
export const CR4_VALID = 0x9f;

/**
 * The guest's control registers as the guest sees them, and the shadow pager that turns its
 * page tables into the tables the silicon walks. The silicon always runs the guest with
 * CR0.PG=1 and CR0.WP=1 (read-only shadow entries must stop supervisor writes: tracing) and
 * CR3 = the shadow root; guest paging off is the pager's identity shadow (with PE=0 too: paged real mode).
 */
export class ShadowContext {
  readonly pager: ShadowPager;
  cr0 = 0;
  cr3 = 0;
  cr4 = 0;
  /** Shadow CR3 of the active root. */
  root = 0;
  /** The silicon's guest TLB must be flushed before the next VMRUN. */
  flushPending = true;

  constructor(mem: Uint8Array, guestRamSize: number, poolBase: number, poolPages: number) {
    this.pager = new ShadowPager({ mem, guestRamSize, poolBase: poolBase as never, poolPages });
  }

  /**
   * CR0 the silicon runs the guest with: the guest's, with PG and WP set. PE stays the guest's: a
   * guest that clears PE runs in SVM's *paged real mode* (VMRUN accepts PG=1 with PE=0, APM Vol.2
   * §15.19 "Paged Real Mode", made for shadow paging of real-mode guests), so its segment loads and
   * interrupts behave as in real mode, as natively. Forcing PE=1 ran such a guest in protected mode.
   */
  get realCr0(): number {
    return (this.cr0 | CR0.PG | CR0.WP) >>> 0;
  }

  /** Takes new guest CR values and activates their shadow (every CR0/CR3/CR4 change, as the pager asks). */
  set(cr0: number, cr3: number, cr4: number): void {
    this.cr0 = cr0 >>> 0;
    this.cr3 = cr3 >>> 0;
    this.cr4 = cr4 >>> 0;
    this.root = this.pager.activate(this.cr3, this.cr0, this.cr4) >>> 0;
    this.flushPending = true;
  }

  /** The pager's verdict on a #PF taken on the shadow tables. */
  pageFault(address: number, errorCode: number): ShadowFaultResult {
    const r = this.pager.handlePageFault(gva(address), errorCode);
    this.noteFlush();
    return r;
  }

  /** Guest INVLPG. */
  invlpg(linear: number): void {
    this.pager.invlpg(gva(linear));
    this.noteFlush();
  }

  /** Records the pager's TLB-flush request (after any pager call). */
  noteFlush(): void {
    if (this.pager.consumeTlbFlush()) this.flushPending = true;
  }
}
