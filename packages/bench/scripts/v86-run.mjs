/** @file Runs a multiboot image under v86 (npm, headless, no BIOS: v86 loads multiboot kernels itself) and copies its COM1 output to stdout; the v86 peer of pnpm bench:speed. */
// node v86-run.mjs V86_DIR IMAGE jit|nojit
// Ends when the guest prints "DONE\n" (v86 has no isa-debug-exit: its port 0xf4 handler
// throws "HALT", so the output is the end marker). Exit status 0 after DONE, 1 otherwise.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, image, jit] = process.argv.slice(2);
if (dir === undefined || image === undefined) {
  process.stderr.write('usage: node v86-run.mjs V86_DIR IMAGE jit|nojit\n');
  process.exit(2);
}
const { V86 } = await import(pathToFileURL(join(dir, 'build', 'libv86.mjs')).href);
const bytes = readFileSync(image);
let tail = '';
let done = false;
const chunk = [];
const flush = () => {
  if (chunk.length > 0) process.stdout.write(Buffer.from(chunk));
  chunk.length = 0;
};
process.on('uncaughtException', (e) => {
  // v86's port 0xf4 handler ends the run by throwing "HALT" after DONE.
  flush();
  process.exit(done && e === 'HALT' ? 0 : 1);
});
const emulator = new V86({
  wasm_path: join(dir, 'build', 'v86.wasm'),
  multiboot: { buffer: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
  memory_size: 64 * 1024 * 1024,
  autostart: true,
  disable_keyboard: true,
  disable_mouse: true,
  disable_speaker: true,
  disable_jit: jit === 'nojit',
});
emulator.add_listener('serial0-output-byte', (b) => {
  chunk.push(b);
  tail = (tail + String.fromCharCode(b)).slice(-5);
  if (b === 10) flush();
  if (tail === 'DONE\n') {
    done = true;
    flush();
    process.exit(0);
  }
});
