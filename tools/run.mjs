#!/usr/bin/env node
/** @file Entry point behind the root npm scripts: makes sure pnpm and the workspace are installed, then runs a task. */
// Needs nothing but Node.js 20 and npm, so `npm test` and `npm run bench` work on a fresh machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const localPnpmPrefix = join(root, '.cache', 'pnpm');
const localPnpmBin = join(localPnpmPrefix, 'node_modules', '.bin');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) return { status: 127, error: r.error };
  return r;
}

function pnpmMajor(env) {
  const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env, cwd: root });
  if (r.status !== 0 || !r.stdout) return 0;
  return Number(r.stdout.trim().split('.')[0]);
}

function ensurePnpm() {
  const env = { ...process.env, COREPACK_ENABLE_STRICT: '0', TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
  if (existsSync(localPnpmBin)) env.PATH = `${localPnpmBin}:${env.PATH}`;
  if (pnpmMajor(env) === Number(pinned.split('.')[0])) return env;
  console.error(`x86virt: installing pnpm ${pinned} into .cache/pnpm (once)`);
  const r = run('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', localPnpmPrefix, `pnpm@${pinned}`], { env });
  if (r.status !== 0) {
    console.error('x86virt: could not install pnpm with npm; install it yourself with `npm i -g pnpm@10`');
    process.exit(1);
  }
  env.PATH = `${localPnpmBin}:${env.PATH}`;
  return env;
}

function ensureInstalled(env) {
  const marker = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  const args = ['install', '--frozen-lockfile'];
  const r = run('pnpm', args, { env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const [task = 'test', ...rest] = process.argv.slice(2);
const env = ensurePnpm();
ensureInstalled(env);

/** Each task: the commands it runs, in order; the first failure stops it. */
const tasks = {
  test: [['pnpm', ['exec', 'turbo', 'run', 'typecheck', 'lint', 'test', '--output-logs=errors-only', ...rest]], ['node', ['tools/test-summary.mjs']]],
  typecheck: [['pnpm', ['exec', 'turbo', 'run', 'typecheck', ...rest]]],
  lint: [['pnpm', ['exec', 'turbo', 'run', 'lint', ...rest]]],
  build: [['pnpm', ['exec', 'turbo', 'run', 'build', ...rest]]],
  bench: [['pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@x86virt/cli', '--output-logs=errors-only']], ['node', ['apps/cli/dist/x86virt.mjs', 'bench', ...rest]]],
  // The speed benchmark times the CLI bundle as a user runs it: build it first.
  'bench:speed': [['pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@x86virt/cli', '--output-logs=errors-only']], ['pnpm', ['--filter', '@x86virt/bench', 'run', 'bench:speed', ...rest]]],
  x86virt: [['pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@x86virt/cli', '--output-logs=errors-only']], ['node', ['apps/cli/dist/x86virt.mjs', ...rest]]],
};
const steps = tasks[task];
if (!steps) {
  console.error(`x86virt: unknown task '${task}' (one of: ${Object.keys(tasks).join(', ')})`);
  process.exit(2);
}
if (task === 'test') {
  // Fresh per-run reports, so the summary counts only this run.
  run('node', ['-e', "require('fs').rmSync('.reports',{recursive:true,force:true})"], { env });
}
for (const [cmd, args] of steps) {
  const r = run(cmd, args, { env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
