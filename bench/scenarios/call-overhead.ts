import type { BenchAgent } from '../support/bench-agent.ts';

export interface SequentialCalls {
  /** Per-call latency seen by the client, ms. */
  latencies: number[];
  /** Server CPU time per measured call, ms (null when the server's process is unknown). */
  serverCpuMs: number | null;
}

/**
 * One client calling one tool back to back, each call waiting for the previous: the per-call
 * cost with no concurrency. Warm-up calls let the server's JIT settle first. `serverCpu` reads
 * the server process's CPU counter, so the result also says what a call costs the server,
 * a figure that other load on the machine disturbs far less than latency.
 */
export async function measureSequentialCalls(
  agent: BenchAgent,
  tool: string,
  samples: number,
  warmup: number,
  serverCpu: () => number | null,
): Promise<SequentialCalls> {
  for (let i = 0; i < warmup; i++) {
    await agent.call(tool);
  }
  const latencies: number[] = [];
  const cpuBefore = serverCpu();
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await agent.call(tool);
    latencies.push(performance.now() - started);
  }
  const cpuAfter = serverCpu();
  return {
    latencies,
    serverCpuMs: cpuBefore === null || cpuAfter === null ? null : (cpuAfter - cpuBefore) / samples,
  };
}

export interface ConcurrentCalls {
  clients: number;
  seconds: number;
  callsPerSecond: number;
  latencies: number[];
  /** Server CPU per call, ms, and the server's CPU use in % of one core. */
  serverCpuMs: number | null;
  serverCpuPct: number | null;
}

/**
 * Every client calls the tool back to back for `seconds`, all at once: how many calls per
 * second the server sustains on this machine with the load generator beside it. For the floor
 * this is a ceiling no SDK-based server can beat here; four calls make one round trip.
 */
export async function measureConcurrentCalls(
  agents: BenchAgent[],
  tool: string,
  seconds: number,
  serverCpu: () => number | null,
): Promise<ConcurrentCalls> {
  const latencies: number[] = [];
  const warmupEnd = performance.now() + 500;
  const end = warmupEnd + seconds * 1000;
  let cpuBefore: number | null = null;
  let started = 0;
  const opened = new Promise<void>((resolve) =>
    setTimeout(() => {
      cpuBefore = serverCpu();
      started = performance.now();
      resolve();
    }, 500),
  );
  await Promise.all([
    opened,
    ...agents.map(async (agent) => {
      while (performance.now() < end) {
        const callStarted = performance.now();
        await agent.call(tool);
        if (callStarted >= warmupEnd) {
          latencies.push(performance.now() - callStarted);
        }
      }
    }),
  ]);
  const wall = performance.now() - started;
  const cpuAfter = serverCpu();
  const cpu = cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore;
  return {
    clients: agents.length,
    seconds,
    callsPerSecond: Math.round(latencies.length / (wall / 1000)),
    latencies,
    serverCpuMs: cpu === null ? null : Math.round((cpu / latencies.length) * 1000) / 1000,
    serverCpuPct: cpu === null ? null : Math.round((cpu / wall) * 1000) / 10,
  };
}
