import { uniquePrefix } from './support/coordinator.js';
import { CoordinatorProcess } from './support/coordinator-process.js';

/** A token of the documented form (openssl rand -hex 32). */
const ADMIN_TOKEN = 'ab'.repeat(32);

describe('starting on a non-loopback address', () => {
  it('is refused without API keys: exit 1 and one error saying how to set keys up', async () => {
    const { code, output } = await CoordinatorProcess.runToExit({
      C3PO_HOST: '0.0.0.0',
      C3PO_KEY_PREFIX: uniquePrefix(),
    });
    expect(code).toBe(1);
    const errors = output.filter((line) => line.includes('refusing'));
    expect(errors).toHaveLength(1);
    for (const advice of [
      'without API keys',
      'C3PO_ADMIN_TOKEN',
      'openssl rand -hex 32',
      "npx c3po keys create --name laptop --agent 'laptop-*'",
      'C3PO_API_KEY',
      'C3PO_ALLOW_UNAUTHENTICATED=1',
    ]) {
      expect(errors[0]).toContain(advice);
    }
    expect(output.join('\n')).not.toContain('coordinator listening');
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
