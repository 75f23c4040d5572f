/** @file 8259A pair tests against the datasheet: init sequence, priorities, EOI kinds, rotation, masks, spurious IRQs, cascade. */
import { describe, expect, it } from 'vitest';
import { I8259Pair } from '../../src/chips/i8259-pair.ts';
import { Elcr } from '../../src/chips/elcr.ts';

/** A pair initialized like Linux does: master at 0x20, slave at 0x28, cascade on IR2, 8086 mode. */
function initPair(icw4 = 0x01): I8259Pair {
  const p = new I8259Pair();
  const m = p.master;
  const s = p.slave;
  m.write(0, 1, 0x11);
  m.write(1, 1, 0x20);
  m.write(1, 1, 0x04);
  m.write(1, 1, icw4);
  s.write(0, 1, 0x11);
  s.write(1, 1, 0x28);
  s.write(1, 1, 0x02);
  s.write(1, 1, icw4 & ~0x10);
  return p;
}

const EOI = 0x20;
const readIsr = (chip: { write: (o: number, s: 1, v: number) => void; read: (o: number, s: 1) => number }): number => {
  chip.write(0, 1, 0x0b);
  return chip.read(0, 1);
};
const readIrr = (chip: { write: (o: number, s: 1, v: number) => void; read: (o: number, s: 1) => number }): number => {
  chip.write(0, 1, 0x0a);
  return chip.read(0, 1);
};

describe('8259A initialization', () => {
  it('takes ICW1–ICW4 and then OCW1 at offset 1', () => {
    const p = initPair();
    expect(p.master.vectorBase).toBe(0x20);
    expect(p.slave.vectorBase).toBe(0x28);
    expect(p.master.icw3).toBe(0x04);
    expect(p.slave.icw3).toBe(0x02);
    expect(p.master.initStep).toBe(0);
    p.master.write(1, 1, 0xfb);
    expect(p.master.read(1, 1)).toBe(0xfb);
  });

  it('skips ICW3 in single mode and ICW4 when ICW1.IC4 is clear', () => {
    const p = new I8259Pair();
    p.master.write(0, 1, 0x12); // single, no ICW4
    p.master.write(1, 1, 0x40);
    expect(p.master.initStep).toBe(0);
    p.master.write(1, 1, 0x55); // OCW1 now
    expect(p.master.imr).toBe(0x55);
  });

  it('ICW1 clears IMR and ISR and resets the edge-sense latches', () => {
    const p = initPair();
    p.master.write(1, 1, 0xff);
    p.setIrq(3, true);
    p.master.write(1, 1, 0x00);
    expect(p.acknowledge()).toBe(0x23);
    p.master.write(0, 1, 0x11);
    expect(p.master.imr).toBe(0);
    expect(p.master.isr).toBe(0);
    expect(p.master.irr).toBe(0);
  });

  it('has no interrupt pending after init', () => {
    expect(initPair().hasInterrupt()).toBe(false);
  });
});

describe('8259A requests and priorities', () => {
  it('latches a rising edge in IRR and moves it to ISR on INTA', () => {
    const p = initPair();
    p.setIrq(1, true);
    expect(readIrr(p.master)).toBe(0x02);
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x21);
    expect(readIrr(p.master)).toBe(0x00);
    expect(readIsr(p.master)).toBe(0x02);
    expect(p.hasInterrupt()).toBe(false);
  });

  it('does not re-request while an edge input stays high', () => {
    const p = initPair();
    p.setIrq(0, true);
    p.acknowledge();
    p.master.write(0, 1, EOI);
    p.setIrq(0, true);
    expect(p.hasInterrupt()).toBe(false);
    p.setIrq(0, false);
    p.setIrq(0, true);
    expect(p.hasInterrupt()).toBe(true);
  });

  it('serves IR0 before IR5 (fixed priority) and blocks lower levels while one is in service', () => {
    const p = initPair();
    p.setIrq(5, true);
    p.setIrq(0, true);
    expect(p.acknowledge()).toBe(0x20);
    expect(p.hasInterrupt()).toBe(false); // IR5 is lower than in-service IR0
    p.master.write(0, 1, EOI);
    expect(p.acknowledge()).toBe(0x25);
  });

  it('lets a higher level nest over a lower one in service', () => {
    const p = initPair();
    p.setIrq(6, true);
    expect(p.acknowledge()).toBe(0x26);
    p.setIrq(3, true);
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x23);
    expect(readIsr(p.master)).toBe(0x48);
    p.master.write(0, 1, EOI); // non-specific: clears the highest in service (IR3)
    expect(readIsr(p.master)).toBe(0x40);
  });

  it('masks requests with OCW1 without losing them', () => {
    const p = initPair();
    p.master.write(1, 1, 0x10);
    p.setIrq(4, true);
    expect(p.hasInterrupt()).toBe(false);
    expect(readIrr(p.master)).toBe(0x10);
    p.master.write(1, 1, 0x00);
    expect(p.acknowledge()).toBe(0x24);
  });

  it('specific EOI clears only the named level', () => {
    const p = initPair();
    p.setIrq(6, true);
    p.acknowledge();
    p.setIrq(2 + 8, true); // slave IR2 → master IR2
    p.acknowledge();
    expect(readIsr(p.master)).toBe(0x44);
    p.master.write(0, 1, 0x66); // specific EOI IR6
    expect(readIsr(p.master)).toBe(0x04);
  });
});

describe('8259A rotation', () => {
  it('rotate on non-specific EOI makes the served level the lowest', () => {
    const p = initPair();
    p.setIrq(0, true);
    p.setIrq(1, true);
    expect(p.acknowledge()).toBe(0x20);
    p.master.write(0, 1, 0xa0); // rotate on non-specific EOI
    expect(p.master.lowestPriority).toBe(0);
    p.setIrq(0, false);
    p.setIrq(0, true);
    // Now IR1 has the highest priority, IR0 the lowest.
    expect(p.acknowledge()).toBe(0x21);
    p.master.write(0, 1, 0xa0);
    expect(p.acknowledge()).toBe(0x20);
  });

  it('set priority (OCW2 0xC0|n) makes IRn the lowest', () => {
    const p = initPair();
    p.master.write(0, 1, 0xc4); // IR4 lowest, IR5 highest
    p.setIrq(3, true);
    p.setIrq(5, true);
    expect(p.acknowledge()).toBe(0x25);
  });

  it('rotate on specific EOI clears the level and makes it the lowest', () => {
    const p = initPair();
    p.setIrq(2 + 8, false);
    p.setIrq(6, true);
    p.acknowledge();
    p.master.write(0, 1, 0xe6);
    expect(p.master.isr).toBe(0);
    expect(p.master.lowestPriority).toBe(6);
  });

  it('auto-EOI leaves ISR clear, and rotates when rotate-in-AEOI is set', () => {
    const p = initPair(0x03);
    p.setIrq(3, true);
    expect(p.acknowledge()).toBe(0x23);
    expect(p.master.isr).toBe(0);
    p.master.write(0, 1, 0x80); // rotate in AEOI mode: set
    p.setIrq(5, true);
    expect(p.acknowledge()).toBe(0x25);
    expect(p.master.lowestPriority).toBe(5);
    p.master.write(0, 1, 0x00);
    expect(p.master.rotateOnAutoEoi).toBe(false);
  });
});

describe('8259A special modes, poll and level triggering', () => {
  it('special mask mode lets lower levels in while a masked level is in service', () => {
    const p = initPair();
    p.setIrq(2, false);
    p.setIrq(1, true);
    expect(p.acknowledge()).toBe(0x21);
    p.setIrq(5, true);
    expect(p.hasInterrupt()).toBe(false);
    p.master.write(1, 1, 0x02); // mask IR1 (in service)
    p.master.write(0, 1, 0x68); // OCW3: set special mask mode
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x25);
    p.master.write(0, 1, 0x48); // reset special mask mode
    expect(p.master.specialMask).toBe(false);
  });

  it('poll command returns 0x80|level and acknowledges it', () => {
    const p = initPair();
    p.setIrq(4, true);
    p.master.write(0, 1, 0x0c); // OCW3 poll
    expect(p.master.read(0, 1)).toBe(0x84);
    expect(p.master.isr).toBe(0x10);
    p.master.write(0, 1, 0x0c);
    expect(p.master.read(0, 1)).toBe(0x00);
  });

  it('level-triggered input (ICW1.LTIM) re-requests after EOI while high, and a vanished request is spurious IR7', () => {
    const p = new I8259Pair();
    p.master.write(0, 1, 0x19); // LTIM, cascade, ICW4
    p.master.write(1, 1, 0x20);
    p.master.write(1, 1, 0x04);
    p.master.write(1, 1, 0x01);
    p.setIrq(3, true);
    expect(p.acknowledge()).toBe(0x23);
    p.master.write(0, 1, EOI);
    expect(p.hasInterrupt()).toBe(true); // still high: requested again
    p.setIrq(3, false);
    expect(p.hasInterrupt()).toBe(false);
    expect(p.acknowledge()).toBe(0x27); // INTA with nothing left: spurious IR7
    expect(p.master.isr).toBe(0);
    expect(p.spuriousCount).toBe(1);
  });

  it('ELCR makes single lines level-triggered, with IRQ0–2/8/13 forced edge', () => {
    const p = initPair();
    const elcr = new Elcr(p);
    elcr.write(0, 1, 0xff);
    elcr.write(1, 1, 0xff);
    expect(elcr.read(0, 1)).toBe(0xf8);
    expect(elcr.read(1, 1)).toBe(0xde);
    p.setIrq(11, true);
    expect(p.acknowledge()).toBe(0x2b);
    p.setIrq(11, false);
    p.slave.write(0, 1, EOI);
    p.master.write(0, 1, EOI);
    expect(p.hasInterrupt()).toBe(false);
  });
});

describe('8259A cascade', () => {
  it('delivers slave IRQ10 through master IR2 with the slave vector, both ISRs set', () => {
    const p = initPair();
    p.setIrq(10, true);
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x2a);
    expect(readIsr(p.master)).toBe(0x04);
    expect(readIsr(p.slave)).toBe(0x04);
    p.slave.write(0, 1, EOI);
    p.master.write(0, 1, EOI);
    expect(p.master.isr | p.slave.isr).toBe(0);
  });

  it('a slave request that vanished before INTA gives spurious IRQ15 with master IR2 in service', () => {
    const p = initPair();
    p.slave.write(0, 1, 0x10 | 0x08 | 0x01); // re-init slave level-triggered
    p.slave.write(1, 1, 0x28);
    p.slave.write(1, 1, 0x02);
    p.slave.write(1, 1, 0x01);
    p.setIrq(12, true);
    expect(p.hasInterrupt()).toBe(true);
    p.setIrq(12, false); // request gone; master's edge latch on IR2 stays
    expect(p.acknowledge()).toBe(0x2f);
    expect(p.master.isr).toBe(0x04);
    expect(p.slave.isr).toBe(0);
  });

  it('master spurious IR7 when nothing is pending at all', () => {
    const p = initPair();
    expect(p.acknowledge()).toBe(0x27);
    expect(p.master.isr).toBe(0);
  });

  it('a second slave request after EOI raises INTR again (slave INT drops during INTA)', () => {
    const p = initPair();
    p.setIrq(9, true);
    p.setIrq(14, true);
    expect(p.acknowledge()).toBe(0x29);
    expect(p.hasInterrupt()).toBe(false);
    p.slave.write(0, 1, EOI);
    p.master.write(0, 1, EOI);
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x2e);
  });

  it('special fully nested mode lets a higher slave request nest on the in-service cascade level', () => {
    const p = initPair(0x11);
    p.setIrq(13, true);
    expect(p.acknowledge()).toBe(0x2d);
    p.setIrq(9, true); // higher priority on the slave
    expect(p.hasInterrupt()).toBe(true);
    expect(p.acknowledge()).toBe(0x29);
  });

  it('saves and restores its whole state as plain data', () => {
    const p = initPair();
    p.setIrq(3, true);
    p.setIrq(11, true);
    p.acknowledge();
    const saved = JSON.parse(JSON.stringify(p.saveState()));
    const q = new I8259Pair();
    q.restoreState(saved);
    expect(q.saveState()).toEqual(p.saveState());
    expect(q.hasInterrupt()).toBe(p.hasInterrupt());
    expect(q.acknowledge()).toBe(p.acknowledge());
  });
});

describe('8259A pair reset and restore keep the cascade latch consistent', () => {
  it('restoring an idle state over a busy slave leaves no stale IR2 request', () => {
    const idle = initPair().saveState();
    const busy = initPair();
    busy.master.write(1, 1, 0xff); // master masked: the slave's request waits in master IRR2
    busy.setIrq(12, true);
    busy.restoreState(idle);
    expect(busy.master.irr).toBe(0);
    expect(busy.hasInterrupt()).toBe(false);
    busy.setIrq(12, true);
    busy.reset();
    expect(busy.master.irr).toBe(0);
  });
});
