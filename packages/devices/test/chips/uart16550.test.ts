/** @file 16550A UART tests against the datasheet: LSR bits, IIR priorities and FIFO bits, THRE interrupt rules, divisor latch, loopback. */
import { describe, expect, it } from 'vitest';
import { Uart16550 } from '../../src/chips/uart16550.ts';
import { ByteQueue } from '../../src/byte-queue.ts';
import type { IrqLine } from '../../src/irq-line.ts';

function setup(): { uart: Uart16550; out: number[]; input: ByteQueue; irq: { level: boolean } } {
  const out: number[] = [];
  const input = new ByteQueue();
  const irq = { level: false };
  const line: IrqLine = { setLevel: (h) => (irq.level = h) };
  return { uart: new Uart16550(line, (b) => out.push(b), input), out, input, irq };
}

describe('16550A transmit', () => {
  it('sends THR bytes to the sink with THRE and TEMT always set', () => {
    const { uart, out } = setup();
    expect(uart.read(5, 1)).toBe(0x60);
    for (const c of 'hi\n') uart.write(0, 1, c.charCodeAt(0));
    expect(String.fromCharCode(...out)).toBe('hi\n');
    expect(uart.read(5, 1)).toBe(0x60);
    expect(uart.transmitted).toBe(3);
  });

  it('raises the THRE interrupt when ETBEI is enabled with THR empty; IIR read clears it; THR write re-arms it', () => {
    const { uart, irq } = setup();
    expect(uart.read(2, 1)).toBe(0x01);
    uart.write(1, 1, 0x02);
    expect(irq.level).toBe(true);
    expect(uart.read(2, 1)).toBe(0x02);
    expect(irq.level).toBe(false);
    expect(uart.read(2, 1)).toBe(0x01);
    uart.write(0, 1, 0x41);
    expect(irq.level).toBe(true);
    uart.write(1, 1, 0x00);
    expect(irq.level).toBe(false);
  });

  it('divisor latch is reached with LCR.DLAB and leaves THR/IER alone', () => {
    const { uart, out } = setup();
    uart.write(3, 1, 0x80);
    uart.write(0, 1, 0x01);
    uart.write(1, 1, 0x00);
    uart.write(3, 1, 0x03);
    expect(uart.divisor()).toBe(1);
    expect(out).toEqual([]);
    expect(uart.read(3, 1)).toBe(0x03);
    expect(uart.read(1, 1)).toBe(0x00);
  });

  it('keeps the scratch register', () => {
    const { uart } = setup();
    uart.write(7, 1, 0xa5);
    expect(uart.read(7, 1)).toBe(0xa5);
  });
});

describe('16550A receive and FIFO', () => {
  it('non-FIFO mode: one byte at a time, DR in LSR, RDA interrupt until RBR is read', () => {
    const { uart, input, irq } = setup();
    uart.write(1, 1, 0x01);
    input.push('ab');
    uart.tick(0);
    expect(irq.level).toBe(true);
    expect(uart.read(2, 1)).toBe(0x04);
    expect(uart.read(5, 1) & 0x01).toBe(1);
    expect(uart.read(0, 1)).toBe(0x61);
    expect(uart.read(0, 1)).toBe(0x62);
    expect(uart.read(5, 1)).toBe(0x60);
    expect(irq.level).toBe(false);
  });

  it('FIFO mode: IIR bits 7:6 read 11, RDA at the trigger level, character timeout below it', () => {
    const { uart, input } = setup();
    uart.write(2, 1, 0x81); // enable FIFO, trigger level 8
    uart.write(1, 1, 0x01);
    expect(uart.read(2, 1)).toBe(0xc1);
    input.push('abc');
    expect(uart.read(2, 1)).toBe(0xcc);
    input.push('defghij');
    expect(uart.read(2, 1)).toBe(0xc4);
    let s = '';
    while (uart.read(5, 1) & 1) s += String.fromCharCode(uart.read(0, 1));
    expect(s).toBe('abcdefghij');
  });

  it('FCR bit 1 clears the receive FIFO', () => {
    const { uart, input } = setup();
    uart.write(2, 1, 0x01);
    input.push('xyz');
    uart.tick(0);
    uart.write(2, 1, 0x03);
    expect(uart.read(5, 1) & 0x01).toBe(0);
    uart.tick(0); // the source was already drained into the FIFO
    expect(input.length).toBe(0);
  });

  it('loopback: TX goes to RX, MSR mirrors MCR, delta bits clear on read', () => {
    const { uart, out } = setup();
    uart.write(4, 1, 0x10 | 0x01 | 0x02); // LOOP, DTR, RTS
    // CTS and DSR stay asserted (now from RTS/DTR); DCD drops (OUT2 clear): DDCD.
    expect(uart.read(6, 1)).toBe(0x30 | 0x08);
    expect(uart.read(6, 1)).toBe(0x30);
    uart.write(4, 1, 0x10 | 0x03 | 0x04); // OUT1 → RI rises: no TERI yet
    expect(uart.read(6, 1)).toBe(0x70);
    uart.write(4, 1, 0x10 | 0x03); // RI falls: trailing edge
    expect(uart.read(6, 1)).toBe(0x34);
    uart.write(0, 1, 0x55);
    expect(out).toEqual([]);
    expect(uart.read(0, 1)).toBe(0x55);
  });

  it('overrun sets LSR.OE (read clears it) and raises the line-status interrupt', () => {
    const { uart, irq } = setup();
    uart.write(4, 1, 0x10);
    uart.write(1, 1, 0x04);
    uart.write(0, 1, 1);
    uart.write(0, 1, 2); // non-FIFO receiver holds one byte: overrun
    expect(irq.level).toBe(true);
    expect(uart.read(2, 1)).toBe(0x06);
    expect(uart.read(5, 1)).toBe(0x60 | 0x02 | 0x01);
    expect(uart.read(5, 1)).toBe(0x61);
  });

  it('saves and restores as plain data', () => {
    const { uart, input } = setup();
    uart.write(2, 1, 0x01);
    uart.write(7, 1, 9);
    input.push('qr');
    uart.tick(0);
    const saved = JSON.parse(JSON.stringify(uart.saveState()));
    const other = new Uart16550();
    other.restoreState(saved);
    expect(other.saveState()).toEqual(uart.saveState());
    expect(other.read(0, 1)).toBe(0x71);
  });
});
