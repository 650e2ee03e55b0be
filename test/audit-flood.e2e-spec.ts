import request from 'supertest';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

const ADMIN_TOKEN = 'x'.repeat(40);
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const REFUSALS_PER_S = 20;
const FLOOD = 2000;

interface Entry {
  action: string;
  outcome: string;
  agent: string;
  key: string;
  detail: string;
}

/** Refusals not written that an entry reports, from its detail's "(+N earlier refusals not recorded)". */
function omitted(entry: Entry): number {
  return Number(/\(\+(\d+) earlier refusals not recorded\)$/.exec(entry.detail)?.[1] ?? 0);
}

describe('a flood of refused calls', () => {
  let coordinator: Coordinator;

  beforeAll(async () => {
    // A cap the flood would overrun twice over if every refusal were written.
    coordinator = await startCoordinator({
      C3PO_ADMIN_TOKEN: ADMIN_TOKEN,
      C3PO_AUDIT_MAX_ENTRIES: '1000',
      C3PO_AUDIT_REFUSALS_PER_S: String(REFUSALS_PER_S),
    });
  });

  afterAll(() => coordinator.close());

  async function entries(query = ''): Promise<Entry[]> {
    const page = await request(coordinator.url).get(`/api/admin/audit?limit=1000${query}`).set(admin).expect(200);
    return page.body.entries;
  }

  it('leaves the sends and key changes readable, writing refusals at most C3PO_AUDIT_REFUSALS_PER_S a second', async () => {
    const created = await request(coordinator.url)
      .post('/api/admin/keys')
      .set(admin)
      .send({ name: 'team', agent: '*' })
      .expect(201);
    const team = (agent: string) => ({ 'X-Agent-ID': agent, Authorization: `Bearer ${created.body.key}` });
    await request(coordinator.url).post('/api/agents/register').set(team('bob')).send({}).expect(200);
    await request(coordinator.url)
      .post('/api/requests')
      .set(team('alice'))
      .send({ target: 'bob', message: 'before the flood' })
      .expect(201);
    const wanted = (all: Entry[]) =>
      all.some((e) => e.action === 'key.create' && e.key === 'team') &&
      all.some((e) => e.action === 'send' && e.agent === 'alice');
    await eventually(async () => wanted(await entries()), 'the send and key entries');

    const started = Date.now();
    for (let sent = 0; sent < FLOOD; sent += 50) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const answer = await fetch(`${coordinator.url}/api/pending`, { headers: { 'X-Agent-ID': 'intruder' } });
          expect(answer.status).toBe(403);
          await answer.arrayBuffer();
        }),
      );
    }
    const seconds = Math.floor(Date.now() / 1000) - Math.floor(started / 1000) + 1;
    // One more refusal in a later second is written, and carries the count of those that were not.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'intruder').expect(403);

    // Audit writes share the admin API's Redis connection, so this read sees every one made before it.
    expect(wanted(await entries())).toBe(true);
    let refusals: Entry[] = [];
    await eventually(async () => {
      refusals = await entries('&action=refused');
      return refusals.reduce((sum, entry) => sum + 1 + omitted(entry), 0) === FLOOD + 1;
    }, 'every refusal written or counted');
    expect(refusals.length).toBeLessThanOrEqual(REFUSALS_PER_S * seconds + 1);
    expect(refusals.every((e) => e.action === 'refused.key' && e.agent === 'intruder')).toBe(true);

    const metrics = (await request(coordinator.url).get('/metrics').expect(200)).text;
    const notWritten = refusals.reduce((sum, entry) => sum + omitted(entry), 0);
    expect(notWritten).toBeGreaterThan(0);
    expect(metrics).toContain(`\nc3po_audit_refusals_omitted_total ${notWritten}\n`);
  });
});
