/** @file Builds the multiboot-info probe guest and records what QEMU's multiboot loader hands it: the golden file of the loader tests. */
// Usage: node scripts/qemu-multiboot-golden.mjs   (needs nasm, binutils ld, qemu-system-i386)
// Writes test/loader/fixtures/mbinfo-probe.elf and test/loader/fixtures/qemu-multiboot.golden.json.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', 'test', 'loader', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'mbprobe-'));
const LINK = 'ENTRY(_start)\nSECTIONS {\n . = 0x100000;\n .text : { *(.multiboot) *(.text*) }\n .bss : { *(.bss*) }\n}\n';
/** The runs recorded: RAM size, -append, and modules (file name, contents, arguments). */
const RUNS = [
  { memMiB: 64, append: '', modules: [] },
  { memMiB: 64, append: 'console=ttyS0 x=1', modules: [{ name: 'mod1.bin', data: 'modulecontent\n', args: 'arg1 arg2' }, { name: 'mod2.bin', data: 'x\n', args: '' }] },
  { memMiB: 16, append: 'small', modules: [] },
];

try {
  writeFileSync(join(tmp, 'link.ld'), LINK);
  execFileSync('nasm', ['-f', 'elf32', '-o', join(tmp, 'probe.o'), join(here, 'mbinfo-probe.asm')]);
  const elf = join(fixtures, 'mbinfo-probe.elf');
  execFileSync('ld', ['-m', 'elf_i386', '-nostdlib', '--build-id=none', '--no-warn-rwx-segments', '-T', join(tmp, 'link.ld'), '-o', elf, join(tmp, 'probe.o')]);
  const runs = [];
  for (const run of RUNS) {
    const initrd = run.modules.map((m) => {
      writeFileSync(join(tmp, m.name), m.data);
      return m.args ? `${m.name} ${m.args}` : m.name;
    });
    const args = ['-kernel', 'mbinfo-probe.elf', '-append', run.append, '-m', String(run.memMiB), '-cpu', 'pentium3', '-display', 'none',
      '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-nodefaults', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4'];
    if (initrd.length > 0) args.push('-initrd', initrd.join(','));
    writeFileSync(join(tmp, 'mbinfo-probe.elf'), readFileSync(elf));
    let out;
    try {
      out = execFileSync('qemu-system-i386', args, { cwd: tmp, timeout: 30000, encoding: 'latin1' });
    } catch (e) {
      // isa-debug-exit: a write of 0 makes QEMU exit with status 1.
      if (e.status !== 1) throw e;
      out = e.stdout;
    }
    const lines = out.split('\n');
    const words = (s) => s.trim().split(/\s+/).filter(Boolean).map((w) => parseInt(w, 16));
    runs.push({
      memMiB: run.memMiB,
      cmdline: `mbinfo-probe.elf ${run.append}`,
      modules: run.modules.map((m) => ({ data: m.data, cmdline: m.args ? `${m.name} ${m.args}` : m.name })),
      eax: words(lines[0])[0],
      ebx: words(lines[1])[0],
      info: words(lines[2]),
      mmap: words(lines[3]),
      cmdlineSeen: lines[4],
      bootLoaderName: lines[5],
      mods: words(lines[6]),
      entry: { cs: words(lines[8])[0], ds: words(lines[8])[1], ss: words(lines[8])[2], eflags: words(lines[8])[3], cr0: words(lines[8])[4], esp: words(lines[8])[5] },
    });
  }
  writeFileSync(join(fixtures, 'qemu-multiboot.golden.json'), JSON.stringify({ source: 'qemu-system-i386 -kernel (multiboot), recorded by scripts/qemu-multiboot-golden.mjs', runs }, null, 1) + '\n');
  console.log(`wrote ${runs.length} runs to ${fixtures}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
