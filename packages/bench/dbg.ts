import { readFileSync } from 'node:fs';
import { UNIT_PROFILE } from '@x86virt/x86-core';
import { createNativeMachine } from './src/machine/native.ts';
const m = createNativeMachine(new Uint8Array(readFileSync('guests/t-interrupts/t-interrupts.elf')), UNIT_PROFILE, {}, (b) => process.stdout.write(String.fromCharCode(b)));
for (let i = 0; i < 8; i++) {
  const s = m.engine.run(1 << 22);
  console.log('\n', JSON.stringify(s), 'eip', m.cpu.eip.toString(16), 'cycles', m.cpu.cycles, 'irr', m.board.pic.saveState().master.irr);
  if (s.kind === 'halted') { const n = m.board.tick(m.cpu.cycles); m.cpu.cycles = Math.max(m.cpu.cycles, n); }
}
