import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { uniquePrefix } from './support/coordinator.js';
import { CoordinatorProcess } from './support/coordinator-process.js';

/** Starts a coordinator that must refuse: exit 1, one error line holding every piece of `advice`, never listening. */
async function expectRefusedStart(env: Record<string, string>, advice: string[]): Promise<void> {
  const { code, output } = await CoordinatorProcess.runToExit(env);
  expect(code).toBe(1);
  const errors = output.filter((line) => line.includes('refusing'));
  expect(errors).toHaveLength(1);
  for (const piece of advice) {
    expect(errors[0]).toContain(piece);
  }
  expect(output.join('\n')).not.toContain('coordinator listening');
}

/** A token of the documented form (openssl rand -hex 32). */
const ADMIN_TOKEN = 'ab'.repeat(32);

describe('starting on a non-loopback address', () => {
  it('is refused without API keys: exit 1 and one error saying how to set keys up', async () => {
    await expectRefusedStart(
      {
        C3PO_HOST: '0.0.0.0',
        C3PO_KEY_PREFIX: uniquePrefix(),
      },
      [
        'without API keys',
        'C3PO_ADMIN_TOKEN',
        'openssl rand -hex 32',
        "npx c3po keys create --name laptop --agent 'laptop-*'",
        'C3PO_API_KEY',
        'C3PO_ALLOW_UNAUTHENTICATED=1',
      ],
    );
  });

  it('starts with a warning when C3PO_ALLOW_UNAUTHENTICATED=1', async () => {
    const coordinator = await CoordinatorProcess.start({
      C3PO_HOST: '0.0.0.0',
      C3PO_ALLOW_UNAUTHENTICATED: '1',
      C3PO_KEY_PREFIX: uniquePrefix(),
    });
    try {
      const warnings = coordinator.output.filter((line) => line.includes('without API keys'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/WARN.*C3PO_ALLOW_UNAUTHENTICATED=1.*set C3PO_ADMIN_TOKEN/);
      const health = await fetch(`http://127.0.0.1:${coordinator.port}/api/health/live`);
      expect(health.status).toBe(200);
    } finally {
      expect(await coordinator.terminate()).toBe(0);
    }
  });

  it('starts without a warning when C3PO_ADMIN_TOKEN is set', async () => {
    const coordinator = await CoordinatorProcess.start({
      C3PO_HOST: '0.0.0.0',
      C3PO_ADMIN_TOKEN: ADMIN_TOKEN,
      C3PO_KEY_PREFIX: uniquePrefix(),
    });
    try {
      expect(coordinator.output.join('\n')).not.toContain('without API keys');
    } finally {
      await coordinator.terminate();
    }
  });
});

describe('starting in a container bound to 0.0.0.0 (C3PO_PUBLISHED_ADDRESS says where the port is published)', () => {
  it('starts without keys and without a warning when the port is published on 127.0.0.1 only', async () => {
    const coordinator = await CoordinatorProcess.start({
      C3PO_HOST: '0.0.0.0',
      C3PO_PUBLISHED_ADDRESS: '127.0.0.1',
      C3PO_KEY_PREFIX: uniquePrefix(),
    });
    try {
      expect(coordinator.output.join('\n')).not.toContain('without API keys');
      const health = await fetch(`http://127.0.0.1:${coordinator.port}/api/health/live`);
      expect(health.status).toBe(200);
    } finally {
      expect(await coordinator.terminate()).toBe(0);
    }
  });

  it('is refused without API keys when published on 0.0.0.0: exit 1 and one error saying how to fix it in compose', async () => {
    await expectRefusedStart(
      {
        C3PO_HOST: '0.0.0.0',
        C3PO_PUBLISHED_ADDRESS: '0.0.0.0',
        C3PO_KEY_PREFIX: uniquePrefix(),
      },
      [
        'published on 0.0.0.0 (C3PO_PUBLISHED_ADDRESS) without API keys',
        '`C3PO_ADMIN_TOKEN=$(openssl rand -hex 32) docker compose up -d`',
        "npx c3po keys create --name laptop --agent 'laptop-*'",
        'leave C3PO_PUBLISH_ADDRESS unset',
        'C3PO_ALLOW_UNAUTHENTICATED=1',
      ],
    );
  });
});

describe('docker-compose.yml', () => {
  const compose = readFileSync(resolve(import.meta.dirname, '..', 'docker-compose.yml'), 'utf8');

  it('tells the coordinator the very address its port is published on', () => {
    const ports = /^\s+- '(\$\{C3PO_PUBLISH_ADDRESS:-[^}]+\}):8420:8420'$/m.exec(compose);
    const told = /^\s+C3PO_PUBLISHED_ADDRESS: (.+)$/m.exec(compose);
    expect(ports?.[1]).toBe('${C3PO_PUBLISH_ADDRESS:-127.0.0.1}');
    expect(told?.[1]).toBe(ports?.[1]);
  });

  it('leaves C3PO_ALLOW_UNAUTHENTICATED to the operator: unset unless they set it', () => {
    expect(compose).toMatch(/^\s+C3PO_ALLOW_UNAUTHENTICATED: \$\{C3PO_ALLOW_UNAUTHENTICATED:-\}$/m);
  });
});
