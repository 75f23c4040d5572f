/** @file Local APIC tests against SDM Vol.3 ch.10: timer at the divide rate in bus clocks, priorities, EOI, ExtINT, LVT masking, ESR, IPIs. */
import { describe, expect, it } from 'vitest';
import { APIC_REG, apicTimerDivisor, LocalApic } from '../../src/chips/local-apic.ts';

/** An 8259A stand-in: one pending vector. */
function fakePic(): { pending: number[]; hasInterrupt(): boolean; acknowledge(): number } {
  return {
    pending: [],
    hasInterrupt() {
      return this.pending.length > 0;
    },
    acknowledge() {
      return this.pending.shift() ?? 0x0f;
    },
  };
}

function apic(): { a: LocalApic; pic: ReturnType<typeof fakePic>; clock: { t: number } } {
  const clock = { t: 0 };
  const pic = fakePic();
  const a = new LocalApic(pic, () => clock.t);
  return { a, pic, clock };
}

const w = (a: LocalApic, reg: number, v: number): void => a.write(reg, 4, v);
const r = (a: LocalApic, reg: number): number => a.read(reg, 4);

describe('local APIC', () => {
  it('reports its power-on registers (SDM §10.4.7.1)', () => {
    const { a } = apic();
    expect(r(a, APIC_REG.ID)).toBe(0);
    expect(r(a, APIC_REG.VERSION)).toBe(0x00050014);
    expect(r(a, APIC_REG.SVR)).toBe(0xff);
    expect(r(a, APIC_REG.DFR)).toBe(0xffffffff);
    for (const lvt of [0x320, 0x330, 0x340, 0x350, 0x360, 0x370]) expect(r(a, lvt)).toBe(0x10000);
    expect(a.baseMsrValue).toBe(0xfee00900);
  });

  it('decodes the divide configuration register (Figure 10-10)', () => {
    expect([0, 1, 2, 3, 8, 9, 10, 11].map(apicTimerDivisor)).toEqual([2, 4, 8, 16, 32, 64, 128, 1]);
  });

  it('one-shot: the current count falls once per divisor bus clocks and the interrupt comes at 0', () => {
    const { a, clock } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.TIMER_DIVIDE, 0x3); // divide by 16
    w(a, APIC_REG.LVT_TIMER, 0x40);
    clock.t = 100;
    w(a, APIC_REG.TIMER_INITIAL, 1000);
    expect(a.tick(100)).toBe(100 + 16000);
    clock.t = 100 + 15;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(1000);
    clock.t = 100 + 16;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(999);
    clock.t = 100 + 16 * 999;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(1);
    expect(a.tick(16099)).toBe(16100);
    expect(a.hasInterrupt()).toBe(false);
    expect(a.tick(16100)).toBe(Infinity);
    clock.t = 16100;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(0);
    expect(a.hasInterrupt()).toBe(true);
    expect(a.acknowledge()).toBe(0x40);
    expect(a.timerInterrupts).toBe(1);
  });

  it('periodic: reloads and interrupts every initial × divisor bus clocks', () => {
    const { a, clock } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.TIMER_DIVIDE, 0xb); // divide by 1
    w(a, APIC_REG.LVT_TIMER, 0x20000 | 0x41);
    w(a, APIC_REG.TIMER_INITIAL, 50);
    let deadline = a.tick(0);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(deadline);
      deadline = a.tick(deadline);
      expect(a.acknowledge()).toBe(0x41);
      w(a, APIC_REG.EOI, 0);
    }
    expect(seen).toEqual([50, 100, 150, 200]);
    clock.t = 225;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(25);
    expect(a.timerInterrupts).toBe(4);
  });

  it('a masked timer counts but does not interrupt; writing 0 stops it', () => {
    const { a, clock } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.LVT_TIMER, 0x10040);
    w(a, APIC_REG.TIMER_INITIAL, 10);
    expect(a.tick(20)).toBe(Infinity);
    expect(a.hasInterrupt()).toBe(false);
    w(a, APIC_REG.TIMER_INITIAL, 0);
    clock.t = 30;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(0);
    expect(a.tick(30)).toBe(Infinity);
  });

  it('software-disabled: LVTs stay masked; IRR waits for the enable', () => {
    const { a } = apic();
    w(a, APIC_REG.LVT_TIMER, 0x40);
    expect(r(a, APIC_REG.LVT_TIMER)).toBe(0x10040);
    a.accept(0x50, false);
    expect(a.hasInterrupt()).toBe(false);
    w(a, APIC_REG.SVR, 0x1ff);
    expect(a.hasInterrupt()).toBe(true);
    w(a, APIC_REG.SVR, 0x0ff);
    expect(r(a, APIC_REG.LVT_LINT0) & 0x10000).toBe(0x10000);
  });

  it('PPR from TPR and ISR; a higher class preempts, EOI clears the highest ISR bit', () => {
    const { a } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.TPR, 0x50);
    a.accept(0x55, false);
    expect(a.hasInterrupt()).toBe(false); // class 5 is not above PPR class 5
    a.accept(0x61, false);
    expect(a.hasInterrupt()).toBe(true);
    expect(a.acknowledge()).toBe(0x61);
    expect(r(a, APIC_REG.PPR)).toBe(0x60);
    expect(r(a, APIC_REG.ISR + 0x30)).toBe(1 << 1);
    w(a, APIC_REG.TPR, 0);
    expect(a.hasInterrupt()).toBe(false); // 0x55 is below the in-service class 6
    w(a, APIC_REG.EOI, 0);
    expect(r(a, APIC_REG.PPR)).toBe(0);
    expect(a.acknowledge()).toBe(0x55);
    expect(r(a, APIC_REG.IRR + 0x20)).toBe(0);
  });

  it('level-triggered vectors set TMR and broadcast their EOI', () => {
    const { a } = apic();
    const eois: number[] = [];
    a.setEoiListener((v) => eois.push(v));
    w(a, APIC_REG.SVR, 0x1ff);
    a.accept(0x31, true);
    expect(r(a, APIC_REG.TMR + 0x10)).toBe(1 << 17);
    expect(a.acknowledge()).toBe(0x31);
    w(a, APIC_REG.EOI, 0);
    expect(eois).toEqual([0x31]);
  });

  it('passes the 8259A through LINT0 in ExtINT mode only, or when globally disabled', () => {
    const { a, pic } = apic();
    pic.pending.push(0x20);
    expect(a.hasInterrupt()).toBe(false); // LINT0 masked at power-on
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.LVT_LINT0, 0x700);
    expect(a.hasInterrupt()).toBe(true);
    expect(a.acknowledge()).toBe(0x20);
    pic.pending.push(0x21);
    w(a, APIC_REG.LVT_LINT0, 0x10700);
    expect(a.hasInterrupt()).toBe(false);
    a.writeBaseMsr(0xfee00000); // global disable
    expect(a.hasInterrupt()).toBe(true);
    expect(a.acknowledge()).toBe(0x21);
  });

  it('self IPIs are delivered; illegal vectors and registers set ESR after a write; INIT/STARTUP are ignored', () => {
    const { a } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.LVT_ERROR, 0xfe);
    w(a, APIC_REG.ICR_LO, (1 << 18) | 0x77); // self, fixed
    expect(r(a, APIC_REG.ICR_LO) & (1 << 12)).toBe(0);
    expect(a.acknowledge()).toBe(0x77);
    w(a, APIC_REG.EOI, 0);
    w(a, APIC_REG.ICR_LO, (1 << 18) | 0x05); // illegal vector
    r(a, 0x3f0); // reserved register
    expect(r(a, APIC_REG.ESR)).toBe(0);
    w(a, APIC_REG.ESR, 0);
    expect(r(a, APIC_REG.ESR)).toBe(0x20 | 0x80);
    expect(a.acknowledge()).toBe(0xfe); // the error LVT
    w(a, APIC_REG.EOI, 0);
    w(a, APIC_REG.ICR_HI, 1 << 24);
    w(a, APIC_REG.ICR_LO, 0x4500); // INIT to APIC 1
    w(a, APIC_REG.ICR_LO, 0x4608); // STARTUP to APIC 1
    expect(a.ignoredIpis).toBe(2);
    expect(a.hasInterrupt()).toBe(false);
  });

  it('an illegal vector in the error LVT: the error sets ESR (receive illegal vector too) and nothing is delivered', () => {
    const { a } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.LVT_ERROR, 0x03);
    r(a, 0x3f0); // reserved register: an error
    w(a, APIC_REG.ESR, 0);
    expect(r(a, APIC_REG.ESR)).toBe(0x80 | 0x40);
    expect(a.hasInterrupt()).toBe(false);
  });

  it('changing the divider mid-count keeps the count and changes the rate', () => {
    const { a, clock } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.TIMER_DIVIDE, 0); // by 2
    w(a, APIC_REG.TIMER_INITIAL, 100);
    clock.t = 20;
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(90);
    w(a, APIC_REG.TIMER_DIVIDE, 0xb); // by 1
    expect(r(a, APIC_REG.TIMER_CURRENT)).toBe(90);
    expect(a.tick(20)).toBe(110);
  });

  it('saves and restores its state', () => {
    const { a, pic } = apic();
    w(a, APIC_REG.SVR, 0x1ff);
    w(a, APIC_REG.TIMER_INITIAL, 7);
    a.accept(0x99, true);
    const b = new LocalApic(pic, () => 0);
    b.restoreState(JSON.parse(JSON.stringify(a.saveState())));
    expect(b.saveState()).toEqual(a.saveState());
    expect(b.hasInterrupt()).toBe(true);
  });
});
