import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';

export interface MachineFacts {
  cpu_model: string;
  cores: number;
  node_version: string;
  os: string;
  total_memory_mb: number;
  /** 1-minute load average when the run started: other work on the box skews every figure. */
  load_average_1m: number;
  redis_version?: string;
}

export function machineFacts(): MachineFacts {
  return {
    cpu_model: cpuModel(),
    cores: availableParallelism(),
    node_version: process.version,
    os: `${process.platform} ${release()}`,
    total_memory_mb: Math.round(totalmem() / 1024 / 1024),
    load_average_1m: Math.round(loadavg()[0] * 100) / 100,
  };
}

function cpuModel(): string {
  const fromOs = cpus()[0]?.model?.trim();
  if (fromOs) {
    return fromOs;
  }
  try {
    return /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1].trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Established client-side TCP sockets to `port` on loopback, from /proc/net/tcp{,6}: shows
 * that N concurrent long-polls really hold N connections. Linux only; null elsewhere.
 */
export function socketsTo(port: number): number | null {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let count = 0;
  let readable = false;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
      readable = true;
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // fields[2] is rem_address "HEXIP:PORT", fields[3] the state; 01 = ESTABLISHED.
      if (fields.length > 3 && fields[2].endsWith(`:${hexPort}`) && fields[3] === '01') {
        count++;
      }
    }
  }
  return readable ? count : null;
}
