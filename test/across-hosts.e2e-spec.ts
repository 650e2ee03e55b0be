import { resolve } from 'node:path';
import request from 'supertest';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { Host, NODE_PATH, removeScratchDirs } from './plugin/plugin-host.js';
import { runProgram } from './support/run-program.js';

const CLI = resolve(import.meta.dirname, '../bin/c3po.mjs');
const ADMIN_TOKEN = 'across-hosts-admin-token-0123456789abcdef';

/** The operator's `npx c3po …`, as the README's "Running across hosts" has it. */
function c3po(url: string, ...args: string[]) {
  return runProgram(process.execPath, [CLI, ...args], {
    env: { PATH: NODE_PATH, C3PO_COORDINATOR_URL: url, C3PO_ADMIN_TOKEN: ADMIN_TOKEN },
  });
}

/**
 * The README's multi-host setup: a coordinator bound to every interface with an admin token and
 * a public name, two hosts (a laptop and a CI runner) each with its own key, the plugin's hooks
 * and both MCP client generations. Traffic stays on 127.0.0.1; the public name is sent as Host.
 */
describe('a coordinator serving two hosts with keys', () => {
  let coordinator: CoordinatorProcess;
  let laptopKey: string;
  let ciKey: string;

  beforeAll(async () => {
    coordinator = await CoordinatorProcess.start({
      C3PO_HOST: '0.0.0.0',
      C3PO_ADMIN_TOKEN: ADMIN_TOKEN,
      C3PO_ALLOWED_HOSTS: 'c3po.example.com',
    });
    const keyOf = async (name: string, pattern: string) => {
      const created = await c3po(coordinator.url, 'keys', 'create', '--name', name, '--agent', pattern, '--json');
      expect(created).toMatchObject({ code: 0, stderr: '' });
      return JSON.parse(created.stdout).key as string;
    };
    laptopKey = await keyOf('laptop', 'laptop-*');
    ciKey = await keyOf('ci', 'ci-runner-?');
  });
  afterAll(async () => {
    await coordinator.terminate();
    removeScratchDirs();
  });

  it.each(clientKinds)('carries a request from the laptop to the CI runner and back (%s)', async (kind) => {
    const laptopHost = new Host('web', coordinator.url, { C3PO_API_KEY: laptopKey, C3PO_AGENT_ID: 'laptop-web' });
    const ciHost = new Host('runner', coordinator.url, { C3PO_API_KEY: ciKey, C3PO_AGENT_ID: 'ci-runner-1' });
    expect((await ciHost.sessionStart('ci-session')).json!.hookSpecificOutput.additionalContext).toContain(
      'you are agent "ci-runner-1"',
    );
    const laptop = await Agent.connect(coordinator.url, 'laptop-web', kind, { apiKey: laptopKey });
    const ci = await Agent.connect(coordinator.url, 'ci-runner-1', kind, { apiKey: ciKey });
    const { request_id: requestId } = await laptop.ok('send_request', {
      target: 'ci-runner-1',
      message: 'Did main pass?',
    });
    // The runner's Stop hook, sending its key, sees the request and keeps Claude at work on it.
    const stop = await ciHost.stop('ci-session', false);
    expect(stop.json).toMatchObject({ decision: 'block' });
    expect(stop.json!.reason).toContain('laptop-web');
    const { request } = await ci.ok('wait_for_request', { timeout: 5 });
    expect(request).toMatchObject({ request_id: requestId, from_agent: 'laptop-web' });
    await ci.ok('respond_to_request', { request_id: requestId, response: 'green' });
    expect(await laptop.ok('wait_for_response', { request_id: requestId, timeout: 5 })).toMatchObject({
      status: 'answered',
      response: 'green',
    });
    await laptopHost.sessionEnd('laptop-session');
    await laptop.close();
    await ci.close();
  });

  it('refuses each way in that does not belong, and the operator sees every refusal', async () => {
    const api = request(coordinator.url);
    const asCi = { 'X-Agent-ID': 'ci-runner-1' };
    // The public name is accepted; any other is not.
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: `Bearer ${ciKey}`, Host: 'c3po.example.com' })
      .expect(200);
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: `Bearer ${ciKey}`, Host: 'evil.example' })
      .expect(403);
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: `Bearer ${ciKey}`, Origin: 'http://evil.example' })
      .expect(403);
    await api.get('/api/pending').set(asCi).expect(403);
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: 'Bearer c3po_guess' })
      .expect(401);
    // The laptop's key cannot act as the runner.
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: `Bearer ${laptopKey}` })
      .expect(403);
    await api
      .get('/api/admin/keys')
      .set({ Authorization: `Bearer ${laptopKey}` })
      .expect(403);

    const revoked = await c3po(coordinator.url, 'keys', 'revoke', 'ci');
    expect(revoked.code).toBe(0);
    await api
      .get('/api/pending')
      .set({ ...asCi, Authorization: `Bearer ${ciKey}` })
      .expect(401);

    const audit = await c3po(coordinator.url, 'audit', '--limit', '200', '--json');
    const outcomes = (JSON.parse(audit.stdout).entries as { action: string; outcome: string }[]).map(
      (entry) => `${entry.action} ${entry.outcome}`,
    );
    for (const refusal of [
      'refused.host host not allowed',
      'refused.origin origin not allowed',
      'refused.key no key',
      'refused.key invalid key',
      'refused.key agent not allowed',
      'refused.admin wrong token',
      'key.revoke ok',
    ]) {
      expect(outcomes).toContain(refusal);
    }
  });
});
