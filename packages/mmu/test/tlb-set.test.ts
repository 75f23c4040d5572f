/** @file Tests of per-ASID TLBs and the VMCB TLB_CONTROL values (AMD APM Vol.2 §15.16.1). */
import { describe, expect, it } from 'vitest';
import { Access, Cr0, PageWalk, Pte, TlbBit, TlbControl, TlbSet } from '../src/index.ts';
import { poke32 } from './support/ram.ts';

const CR0 = (Cr0.PG | Cr0.PE) >>> 0;

/** Host and guest ASID each with one translation for linear 0x5000: host global, guest not. */
function twoWorlds(): TlbSet {
  const mem = new Uint8Array(0x20000);
  poke32(mem, 0x1000, 0x2000 | Pte.P | Pte.RW);
  poke32(mem, 0x2000 + 5 * 4, 0x9000 | Pte.P | Pte.G);
  poke32(mem, 0x3000, 0x4000 | Pte.P | Pte.RW);
  poke32(mem, 0x4000 + 5 * 4, 0xa000 | Pte.P);
  const set = new TlbSet();
  const w = new PageWalk();
  set.get(0).translate(mem, CR0, 0x1000, 0x80, 0x5000, Access.READ, w);
  set.get(1).translate(mem, CR0, 0x3000, 0x80, 0x5000, Access.READ, w);
  return set;
}

describe('TlbSet', () => {
  it('keeps one Tlb per ASID, so the same linear page maps differently per world', () => {
    const set = twoWorlds();
    expect(set.asids()).toEqual([0, 1]);
    expect(set.get(0)).toBe(set.get(0));
    expect(set.get(1).asid).toBe(1);
    expect(set.get(0).entries[5]! & TlbBit.FRAME).toBe(0x9000);
    expect(set.get(1).entries[5]! & TlbBit.FRAME).toBe(0xa000);
  });

  it('TLB_CONTROL DO_NOTHING keeps everything', () => {
    const set = twoWorlds();
    set.applyTlbControl(1, TlbControl.DO_NOTHING);
    expect([set.get(0).filledCount, set.get(1).filledCount]).toEqual([1, 1]);
  });

  it('TLB_CONTROL FLUSH_ASID flushes only the guest ASID', () => {
    const set = twoWorlds();
    set.applyTlbControl(1, TlbControl.FLUSH_ASID);
    expect([set.get(0).filledCount, set.get(1).filledCount]).toEqual([1, 0]);
  });

  it('TLB_CONTROL FLUSH_ALL flushes every ASID, global entries included', () => {
    const set = twoWorlds();
    set.applyTlbControl(1, TlbControl.FLUSH_ALL);
    expect([set.get(0).filledCount, set.get(1).filledCount]).toEqual([0, 0]);
  });

  it('TLB_CONTROL FLUSH_ASID_NON_GLOBAL keeps the guest global entries', () => {
    const set = twoWorlds();
    const mem = new Uint8Array(0x20000);
    poke32(mem, 0x1000, 0x2000 | Pte.P);
    poke32(mem, 0x2000 + 6 * 4, 0xb000 | Pte.P | Pte.G);
    set.get(1).translate(mem, CR0, 0x1000, 0x80, 0x6000, Access.READ, new PageWalk());
    set.applyTlbControl(1, TlbControl.FLUSH_ASID_NON_GLOBAL);
    expect(set.get(1).filledCount).toBe(1);
    expect(set.get(1).entries[6]! & TlbBit.FRAME).toBe(0xb000);
    expect(set.get(0).filledCount).toBe(1);
  });
});
