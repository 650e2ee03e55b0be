import { randomUUID } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Redis } from 'ioredis';
import { createApp } from '../../src/app.factory.js';
import { WakeupService } from '../../src/requests/wakeup.service.js';

export interface Coordinator {
  app: NestExpressApplication;
  url: string;
  prefix: string;
  /** Waits blocked in this coordinator right now. */
  blockedWaiters(): number;
  close(): Promise<void>;
}

/** A fresh key prefix, so test files never see each other's data. */
export function uniquePrefix(): string {
  return `t-${randomUUID().slice(0, 8)}`;
}

/**
 * A blocked wait's periodic re-check, set out of the way: a wait in these tests ends because a
 * wake-up or a hand-off reached it, never because a re-check found what the wake-up missed.
 * Tests of the re-check itself (progress, presence) set C3PO_WAIT_RECHECK_MS.
 */
export const NO_RECHECK_MS = String(3_600_000);

/**
 * Boots the real AppModule in-process on a free port. `env` overrides configuration for this
 * instance; two coordinators given the same prefix share state, like two processes would.
 */
export async function startCoordinator(env: Record<string, string> = {}): Promise<Coordinator> {
  const prefix = env.C3PO_KEY_PREFIX ?? uniquePrefix();
  const saved = { ...process.env };
  Object.assign(process.env, { C3PO_KEY_PREFIX: prefix, C3PO_WAIT_RECHECK_MS: NO_RECHECK_MS }, env);
  let app: NestExpressApplication;
  try {
    app = await createApp({ logs: false });
  } finally {
    process.env = saved;
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  await waitUntilReady(app);
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    prefix,
    blockedWaiters: () => app.get(WakeupService).blockedWaiters,
    close: () => app.close(),
  };
}

async function waitUntilReady(app: NestExpressApplication): Promise<void> {
  const redis = app.get<Redis>((await import('../../src/redis/redis.constants.js')).REDIS_CLIENT);
  if (redis.status !== 'ready') {
    await new Promise((resolve) => redis.once('ready', resolve));
  }
}

/** Polls until `check` holds; for state that settles asynchronously, never for timing claims. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, limitMs = 5000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) {
      throw new Error(`gave up waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
