/** @file The peers of the speed benchmark: x86virt's two engines, QEMU TCG, v86 (JIT and interpreter) and the host itself, each a command that prints the guest's serial output. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPEED_LOOPS, type SpeedLoop } from './speed-image.ts';

/** One run a peer is asked for: the patched image (`loop` × `n` iterations) and, for the host peer, the loop itself. */
export interface SpeedRunRequest {
  readonly image: string;
  readonly loop: SpeedLoop;
  readonly n: number;
}

/** A command line. */
export interface SpeedCommand {
  readonly cmd: string;
  readonly args: readonly string[];
}

/** A peer: how it is started and what it is. */
export interface SpeedPeer {
  readonly name: string;
  /** One line: what runs, and how. */
  readonly how: string;
  command(r: SpeedRunRequest): SpeedCommand;
}

/** A peer that could not be used, and why. */
export interface AbsentPeer {
  readonly name: string;
  readonly reason: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** packages/bench. */
export const BENCH_DIR = join(here, '..', '..');
/** The repository root. */
export const REPO_ROOT = join(BENCH_DIR, '..', '..');
/** Where scripts/install-speed-peers.sh puts v86. */
export const V86_DEFAULT_DIR = join(REPO_ROOT, '.cache', 'speed-peers', 'node_modules', 'v86');

function works(cmd: string, args: readonly string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

/** `--max-insns` of x86virt's runs: above the longest run (2^32 − 1 iterations × 15 instructions, plus boot), so a fast engine is never stopped by the CLI's default limit. */
const MAX_RUN_INSNS = 100_000_000_000;

/** x86virt through its command line, as a user runs it (the esbuild bundle if built, else the TypeScript sources through tsx). */
function x86virtPeers(): SpeedPeer[] {
  const bundle = join(REPO_ROOT, 'apps', 'cli', 'dist', 'x86virt.mjs');
  const fromBundle = existsSync(bundle);
  const base: string[] = fromBundle ? [bundle] : ['--import', 'tsx', join(REPO_ROOT, 'apps', 'cli', 'src', 'main.ts')];
  const origin = fromBundle ? 'apps/cli/dist/x86virt.mjs' : 'apps/cli/src/main.ts via tsx (bundle not built)';
  return (['interp', 'jit'] as const).map((engine) => ({
    name: `x86virt-${engine}`,
    how: `node ${origin} run IMAGE --engine ${engine} (native mode, p4-2006 profile)`,
    // No instruction limit short of the longest run the benchmark asks for (2^32 − 1 iterations of a loop, ≤ 15 instructions each).
    command: (r: SpeedRunRequest): SpeedCommand => ({ cmd: process.execPath, args: [...base, 'run', r.image, '--engine', engine, '--max-insns', String(MAX_RUN_INSNS)] }),
  }));
}

function qemuPeer(): SpeedPeer | AbsentPeer {
  if (!works('qemu-system-i386', ['--version'])) return { name: 'qemu-tcg', reason: 'qemu-system-i386 not installed (scripts/install-speed-peers.sh)' };
  const version = spawnSync('qemu-system-i386', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? '';
  return {
    name: 'qemu-tcg',
    how: `${version}: -accel tcg -kernel IMAGE, serial on stdio, exit through isa-debug-exit`,
    command: (r) => ({
      cmd: 'qemu-system-i386',
      args: ['-accel', 'tcg', '-kernel', r.image, '-m', '64', '-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-no-reboot', '-nodefaults', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4'],
    }),
  };
}

function v86Peers(): (SpeedPeer | AbsentPeer)[] {
  const dir = process.env.V86_DIR ?? V86_DEFAULT_DIR;
  if (!existsSync(join(dir, 'build', 'libv86.mjs'))) {
    const reason = `v86 not found in ${dir} (scripts/install-speed-peers.sh, or set V86_DIR)`;
    return [{ name: 'v86-jit', reason }, { name: 'v86-interp', reason }];
  }
  const script = join(BENCH_DIR, 'scripts', 'v86-run.mjs');
  return (['jit', 'nojit'] as const).map((mode) => ({
    name: mode === 'jit' ? 'v86-jit' : 'v86-interp',
    how: `node scripts/v86-run.mjs: v86 (wasm${mode === 'jit' ? ' + x86→wasm JIT' : ', disable_jit'}) booting the multiboot image without BIOS`,
    command: (r: SpeedRunRequest): SpeedCommand => ({ cmd: process.execPath, args: [script, dir, r.image, mode] }),
  }));
}

/** The loops assembled for a 32-bit Linux process and linked with speed-host.c (gcc -m32 -O2). */
function hostPeer(): SpeedPeer | AbsentPeer {
  if (!works('nasm', ['-v'])) return { name: 'host-native', reason: 'nasm not installed' };
  const dir = mkdtempSync(join(tmpdir(), 'x86virt-speed-host-'));
  mkdirSync(dir, { recursive: true });
  const obj = join(dir, 'speed-loops.o');
  const exe = join(dir, 'speed-host');
  const asm = spawnSync('nasm', ['-f', 'elf32', '-o', obj, join(BENCH_DIR, 'guests', 'speed', 'speed-loops.asm')], { encoding: 'utf8' });
  if (asm.status !== 0) return { name: 'host-native', reason: `nasm failed: ${asm.stderr.trim()}` };
  const cc = spawnSync('gcc', ['-m32', '-O2', '-no-pie', '-z', 'noexecstack', '-o', exe, join(here, 'speed-host.c'), obj], { encoding: 'utf8' });
  if (cc.status !== 0) return { name: 'host-native', reason: `gcc -m32 failed (gcc-multilib missing?): ${cc.stderr.trim().split('\n')[0]}` };
  return {
    name: 'host-native',
    how: 'the same loop code (speed-loops.asm, nasm -f elf32) in a 32-bit Linux process, gcc -m32 -O2 driver',
    command: (r) => {
      const args = ['0'];
      let mask = 0;
      for (const l of SPEED_LOOPS) {
        const on = l === r.loop && r.n > 0;
        if (on) mask |= 1 << SPEED_LOOPS.indexOf(l);
        args.push(String(on ? r.n : 0));
      }
      args[0] = String(mask);
      return { cmd: exe, args };
    },
  };
}

/** Every peer, present or not (x86virt's engines always are). */
export function detectPeers(): { readonly present: SpeedPeer[]; readonly absent: AbsentPeer[] } {
  const present: SpeedPeer[] = [];
  const absent: AbsentPeer[] = [];
  for (const p of [...x86virtPeers(), qemuPeer(), ...v86Peers(), hostPeer()]) {
    if ('command' in p) present.push(p);
    else absent.push(p);
  }
  return { present, absent };
}
