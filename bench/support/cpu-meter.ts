import { availableParallelism } from 'node:os';
import type { Environment } from './environment.ts';

/** CPU each process used over a stretch of wall time, in % of one core (2 cores = 200 %). */
export interface CpuUse {
  wall_ms: number;
  coordinator_pct: number | null;
  redis_pct: number | null;
  bench_pct: number;
  coordinator_ms: number | null;
}

interface Reading {
  wall: number;
  coordinator: number | null;
  redis: number | null;
  bench: NodeJS.CpuUsage;
}

/**
 * Reads CPU counters of the coordinator (/proc), Redis (INFO cpu) and this process, so a
 * result can say where the machine's two cores went while it was measured.
 */
export class CpuMeter {
  private readonly env: Environment;
  private start?: Reading;

  constructor(env: Environment) {
    this.env = env;
  }

  async begin(): Promise<void> {
    this.start = await this.read();
  }

  async end(): Promise<CpuUse> {
    const start = this.start!;
    const end = await this.read();
    const wall = end.wall - start.wall;
    const pct = (used: number | null) => (used === null ? null : Math.round((used / wall) * 1000) / 10);
    const bench = process.cpuUsage(start.bench);
    const coordinatorMs =
      start.coordinator !== null && end.coordinator !== null ? end.coordinator - start.coordinator : null;
    return {
      wall_ms: Math.round(wall),
      coordinator_pct: pct(coordinatorMs),
      redis_pct: pct(start.redis !== null && end.redis !== null ? end.redis - start.redis : null),
      bench_pct: pct((bench.user + bench.system) / 1000)!,
      coordinator_ms: coordinatorMs,
    };
  }

  private async read(): Promise<Reading> {
    return {
      wall: performance.now(),
      coordinator: this.env.coordinatorCpuMs(),
      redis: this.env.probe ? await this.env.probe.cpuMs() : null,
      bench: process.cpuUsage(),
    };
  }
}

export function formatCpu(use: CpuUse): string {
  const part = (name: string, value: number | null) => (value === null ? `${name} n/a` : `${name} ${value}%`);
  return `CPU (of ${100 * availableParallelism()}%): ${[
    part('coordinator', use.coordinator_pct),
    part('redis', use.redis_pct),
    part('bench/clients', use.bench_pct),
  ].join(' · ')}`;
}
