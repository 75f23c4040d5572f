/** @file The x86virt command: parses the command line and dispatches to one command module. */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_ENGINE, ENGINE_KINDS, type EngineKind } from '@x86virt/x86-core';
import { disasmCommand, type DisasmOptions } from './commands/disasm.ts';
import { benchCommand, type BenchOptions } from './commands/bench.ts';
import { runCommand } from './commands/run.ts';
import { statCommand } from './commands/stat.ts';
import { translateCommand } from './commands/translate.ts';
import { fuzzCommand, type FuzzCommandOptions } from './commands/fuzz.ts';
import { profileByName, PROFILE_NAMES } from './profile.ts';
import { EXIT, UsageError } from './errors.ts';
import { VERSION } from './version.ts';

/** Builds the command tree. `out` receives normal output lines; errors go to stderr as one line. */
export function buildProgram(out: (line: string) => void, setStatus: (code: number) => void): Command {
  const program = new Command('x86virt')
    .description('Software and hardware x86 virtualization on one simulated x86 processor (Adams & Agesen, ASPLOS 2006).')
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      writeOut: (s) => process.stdout.write(s),
      // An error and its "(Did you mean …?)" suggestion as one line.
      outputError: (s, write) => write(`${s.trimEnd().replace(/\s*\n\s*/g, ' ')}\n`),
    })
    .showSuggestionAfterError(true);

  program
    .command('bench')
    .description("run the paper's experiments on the built-in guests")
    .addOption(new Option('--suite <suite>', 'which experiments (linux: forkwait on Debian i386 Linux)').choices(['nano', 'macro', 'all', 'linux']).default('all'))
    .option('--modes <list>', 'modes to run: native,bt,hw-shadow,hw-nested (hw = both hw modes)')
    .addOption(new Option('--profile <name>', 'cost profile').choices(PROFILE_NAMES).default(PROFILE_NAMES[0]))
    .option('--json <file>', 'write every result, counter and the profile as JSON')
    .option('--html <dir>', 'write a self-contained HTML report with charts into DIR')
    .option('--quick', 'small sizes (seconds, for tests)')
    .option('--workers <n>', 'worker threads (default: the host cores)', parseUint)
    .addOption(new Option('--engine <engine>', 'execution engine: interpreter or block compiler (same counts and cycles)').choices(ENGINE_KINDS).default(DEFAULT_ENGINE))
    .action(async (opts: BenchOptions) => setStatus(await benchCommand(opts, out)));

  program
    .command('stat')
    .description('perf-kvm-stat-style table of exits, callouts, faults and exceptions by kind from a bench --json file')
    .argument('<file>', 'results file written by bench --json')
    .option('--workload <name>', 'only this workload')
    .action((file: string, opts: { workload?: string }) => setStatus(statCommand(file, opts, out)));

  program
    .command('run')
    .description('boot a multiboot kernel or a Linux bzImage; serial output goes to stdout, stdin to its COM1, its exit code (port 0xf4) becomes ours')
    .argument('[image]', 'multiboot (v1) ELF32 kernel or Linux bzImage (not with --restore)')
    .addOption(new Option('--mode <mode>', 'execution mode').choices(['native', 'bt', 'hw']).default('native'))
    .addOption(new Option('--mmu <mmu>', 'hw mode: MMU virtualization').choices(['shadow', 'nested']).default('shadow'))
    .option('--mem <MiB>', 'guest RAM in MiB', parseUint, 64)
    .option('--cmdline <str>', 'kernel command line', '')
    .option('--max-insns <n>', 'stop after this many guest instructions', parseUint, 20_000_000_000)
    .addOption(new Option('--engine <engine>', 'execution engine: interpreter or block compiler (same counts and cycles)').choices(ENGINE_KINDS).default(DEFAULT_ENGINE))
    .addOption(new Option('--profile <name>', 'cost profile (modeled clock)').choices(PROFILE_NAMES).default(PROFILE_NAMES[0]))
    .option('--stats <file>', "write counters and the stop reason as JSON to FILE ('-' for stderr)")
    .option('--save-at <n-and-file...>', 'stop after N instructions and save the machine to FILE: --save-at N FILE')
    .option('--restore <file>', 'continue a machine saved with --save-at (no IMAGE)')
    .option('--kernel <file>', 'the kernel, instead of IMAGE: a Linux bzImage or a multiboot image')
    .option('--initrd <file>', 'initrd / initramfs for a Linux bzImage')
    .option('--disk <file>', 'raw disk image on the primary IDE channel; give it twice for master and slave', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--snapshot', 'disk writes go to a memory overlay that is discarded (the images stay as they are)')
    .addOption(new Option('--display <kind>', 'draw the CGA text screen on stderr (live on a terminal) and send stdin to the keyboard (Ctrl-A x quits)').choices(['text']))
    .action((image: string | undefined, opts: { mode: 'native' | 'bt' | 'hw'; mmu: 'shadow' | 'nested'; mem: number; cmdline: string; maxInsns: number; engine: EngineKind; profile: string; stats?: string; saveAt?: string[]; restore?: string; kernel?: string; initrd?: string; disk?: string[]; snapshot?: boolean; display?: 'text' }) =>
      setStatus(runCommand(image, { ...opts, profile: profileByName(opts.profile) }, (line) => process.stderr.write(`${line}\n`))),
    );

  program
    .command('disasm')
    .description('disassemble raw x86 code (Intel syntax, as objdump -M intel)')
    .argument('<file>', 'raw binary file')
    .option('--org <addr>', 'address of the first byte of the file', parseUint)
    .option('--bits <n>', 'code segment size: 16 or 32', parseUint)
    .option('--start <off>', 'file offset to start at', parseUint)
    .option('--length <n>', 'number of bytes to disassemble', parseUint)
    .action((file: string, opts: DisasmOptions) => setStatus(disasmCommand(file, opts, out)));

  program
    .command('translate')
    .description('run a kernel under bt mode and list its CCFs beside the guest instructions (IDENT vs non-IDENT)')
    .argument('[image]', 'multiboot (v1) ELF32 kernel (not with --restore)')
    .option('--at <addr>', 'show only the translations of guest code from ADDR', parseUint)
    .option('--symbol <name>', 'show only the translations of this ELF symbol')
    .option('--bytes <n>', 'bytes of guest code from --at (default 256, or the symbol size)', parseUint)
    .option('--after <n>', 'stop after N guest instructions', parseUint)
    .option('--mem <MiB>', 'guest RAM in MiB', parseUint, 64)
    .option('--cmdline <str>', 'kernel command line', '')
    .addOption(new Option('--profile <name>', 'cost profile (modeled clock)').choices(PROFILE_NAMES).default(PROFILE_NAMES[0]))
    .action((image: string, opts: { at?: number; symbol?: string; bytes?: number; after?: number; mem: number; cmdline: string; profile: string }) =>
      setStatus(translateCommand(image, { ...opts, profile: profileByName(opts.profile) }, out)),
    );

  program
    .command('fuzz')
    .description('differential fuzzer: random guests run in every mode and compared; divergences minimised and saved')
    .option('--seed <n>', 'master seed (default: random, printed)', parseUint)
    .option('--cases <n>', 'number of cases (default 100)', parseUint)
    .option('--minutes <n>', 'run for this many minutes instead of a case count', parseUint)
    .option('--modes <list>', 'modes to compare, the first is the reference (default: all available)')
    .option('--save <dir>', 'minimise each unexplained divergence and save it as a regression file in DIR')
    .addOption(new Option('--profile <name>', 'cost profile (modeled clock)').choices(PROFILE_NAMES).default(PROFILE_NAMES[0]))
    .action((opts: FuzzCommandOptions) => setStatus(fuzzCommand(opts, out)));

  return program;
}

/** Parses an unsigned integer flag value (decimal or 0x hex). */
export function parseUint(value: string): number {
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is not a non-negative integer`);
  return n;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  let status = 0;
  const program = buildProgram((line) => process.stdout.write(`${line}\n`), (code) => (status = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT.usage; // commander already printed one line
    if (e instanceof UsageError) {
      process.stderr.write(`x86virt: ${e.message}\n`);
      return EXIT.usage;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`x86virt: ${message}\n`);
    if (process.env.X86VIRT_DEBUG) console.error(e);
    return EXIT.failure;
  }
}

if (process.argv[1] && /x86virt\.mjs$|main\.ts$/.test(process.argv[1])) {
  process.exitCode = await main(process.argv.slice(2));
}
