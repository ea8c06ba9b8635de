// `npm run bench:tracing`: µs per command (findOne / updateOne by _id) for the bare driver, rotor
// without interceptors, rotor with tracing (rotor/otel), and the bare driver under
// @opentelemetry/instrumentation-mongodb; each a fresh process, rounds interleaved, median taken.
// CPU per command (process.cpuUsage: steadier on a shared machine) and wall time. Server: MONGODB_URI
// or the embedded one. Options: --commands N (per round, default 2000), --rounds N (default 3).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { packageRoot } from '../../lib/util/package-root.js';
import { startServer } from '../../lib/server/harness.js';

export const PARTICIPANTS = ['bare', 'rotor', 'rotor+tracing', 'bare+incumbent'] as const;

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { commands: { type: 'string' }, rounds: { type: 'string' } } });
  const commands = Number(values.commands ?? 2000);
  const rounds = Number(values.rounds ?? 3);
  const server = await startServer();
  const results = new Map<string, { cpu: number[]; wall: number[] }>(PARTICIPANTS.map((p) => [p, { cpu: [], wall: [] }]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const p of PARTICIPANTS) {
        const child = spawnSync(process.execPath, [join(packageRoot, 'dist', 'bench', 'tracing', 'child.js'), p, server.uri, String(commands)], { encoding: 'utf8', timeout: 300_000 });
        if (child.status !== 0) throw new Error(`bench:tracing ${p}: ${child.stderr}`);
        const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as { cpuUs: number; wallUs: number };
        results.get(p)!.cpu.push(r.cpuUs);
        results.get(p)!.wall.push(r.wallUs);
      }
    }
  } finally {
    await server.stop();
  }
  const bareCpu = median(results.get('bare')!.cpu);
  process.stdout.write(`bench:tracing — ${commands} commands × ${rounds} rounds, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
  process.stdout.write(`${'participant'.padEnd(16)} ${'CPU µs/cmd'.padStart(11)} ${'vs bare'.padStart(8)} ${'wall µs/cmd'.padStart(12)}\n`);
  for (const [p, r] of results) {
    const cpu = median(r.cpu);
    process.stdout.write(`${p.padEnd(16)} ${cpu.toFixed(1).padStart(11)} ${`${(cpu / bareCpu).toFixed(2)}×`.padStart(8)} ${median(r.wall).toFixed(1).padStart(12)}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
