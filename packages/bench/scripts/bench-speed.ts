/** @file Entry of `pnpm bench:speed`: parses the options and runs the speed benchmark (src/speed/speed-bench.ts). */
import { runSpeedBench } from '../src/speed/speed-bench.ts';
import { SPEED_LOOPS, type SpeedLoop } from '../src/speed/speed-image.ts';

const usage = 'usage: bench:speed [--seconds S] [--loops alu,mem,call,indirect,rep] [--peers NAME,...] [--json FILE]';

function parse(argv: readonly string[]): { seconds?: number; loops?: SpeedLoop[]; peers?: string[]; json?: string } {
  const o: { seconds?: number; loops?: SpeedLoop[]; peers?: string[]; json?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--') continue;
    if (v === undefined && a !== '--help') throw new Error(`${a} needs a value`);
    switch (a) {
      case '--seconds':
        o.seconds = Number(v);
        if (!(o.seconds > 0 && o.seconds <= 60)) throw new Error(`--seconds ${v}: give 0 < S <= 60`);
        break;
      case '--loops':
        o.loops = v!.split(',').map((l) => {
          if (!(SPEED_LOOPS as readonly string[]).includes(l)) throw new Error(`unknown loop '${l}' (loops: ${SPEED_LOOPS.join(', ')})`);
          return l as SpeedLoop;
        });
        break;
      case '--peers':
        o.peers = v!.split(',');
        break;
      case '--json':
        o.json = v;
        break;
      case '--help':
        console.log(usage);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
    i++;
  }
  return o;
}

try {
  await runSpeedBench(parse(process.argv.slice(2)), (line) => console.log(line));
} catch (e) {
  console.error(`bench:speed: ${e instanceof Error ? e.message : String(e)}`);
  console.error(usage);
  process.exit(2);
}
