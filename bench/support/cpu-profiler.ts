/**
 * Preloaded into the coordinator (`node --import bench/support/cpu-profiler.ts dist/main.js`)
 * when the bench runs with --cpu-prof. Profiles the main thread from start-up; each SIGUSR2
 * writes the profile gathered so far to C3PO_BENCH_PROFILE_DIR and starts the next one, so the
 * bench can cut one profile per phase. Not part of the coordinator: nothing in src/ imports it.
 */
import { Session } from 'node:inspector/promises';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.env.C3PO_BENCH_PROFILE_DIR ?? '.';
mkdirSync(directory, { recursive: true });
const session = new Session();
session.connect();
await session.post('Profiler.enable');
// 250 µs: fine enough to see a ~1 ms request path, cheap enough not to dominate it.
await session.post('Profiler.setSamplingInterval', { interval: 250 });
await session.post('Profiler.start');

let sequence = 0;
let busy = false;
process.on('SIGUSR2', () => {
  if (busy) {
    return;
  }
  busy = true;
  void (async () => {
    const { profile } = await session.post('Profiler.stop');
    const file = join(directory, `coordinator-${process.pid}-${++sequence}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    await session.post('Profiler.start');
    busy = false;
    process.stdout.write(`cpu profile written: ${file}\n`);
  })();
});
