import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

interface Listed {
  agent_id: string;
  status: string;
  last_seen: string;
}

interface Page {
  agents: Listed[];
  total: number;
  online: number;
  next_cursor: string | null;
}

/** 60 agents seen just now, and 70 seen ten minutes ago, all 70 in one millisecond. */
const FRESH = Array.from({ length: 60 }, (_, i) => `fresh-${String(i).padStart(3, '0')}`);
const IDLE = Array.from({ length: 70 }, (_, i) => `idle-${String(i).padStart(3, '0')}`);
const IDLE_SEEN = Date.now() - 10 * 60 * 1000;

describe('the agent list', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;
  let observer: Agent;

  /** Every page from the first, via list_agents or GET /api/agents, checking each one's bounds. */
  const allPages = async (fetchPage: (cursor?: string) => Promise<Page>, limit: number): Promise<Page[]> => {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetchPage(cursor);
      expect(page.agents.length).toBeLessThanOrEqual(limit);
      pages.push(page);
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined && pages.length < 200);
    return pages;
  };
  const viaTool = (limit?: number) => (cursor?: string) =>
    observer.ok('list_agents', { ...(limit && { limit }), ...(cursor && { cursor }) }) as Promise<Page>;
  const viaRest = (limit?: number) => async (cursor?: string) =>
    (
      await api
        .get('/api/agents')
        .query({ ...(limit && { limit }), ...(cursor && { cursor }) })
        .set('X-Agent-ID', 'observer')
        .expect(200)
    ).body as Page;
  /** Moves an agent in the list as a sign of life at `ms` would (a real one is skipped within a second of the last). */
  const seenAt = async (id: string, ms: number) => {
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    await Promise.all([redis.hset(keys.agent(id), 'last_seen', ms), redis.zadd(keys.agentIndex, ms, id)]);
  };
  const ids = (pages: Page[]) => pages.flatMap((page) => page.agents.map((agent) => agent.agent_id));

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
    for (let i = 0; i < FRESH.length + IDLE.length; i += 10) {
      await Promise.all(
        [...FRESH, ...IDLE]
          .slice(i, i + 10)
          .map((id) => api.post('/api/agents/register').set('X-Agent-ID', id).send({ description: id }).expect(200)),
      );
    }
    // Out of the online window, and tied: the pages must cross a run of agents seen in one millisecond.
    await Promise.all(IDLE.map((id) => seenAt(id, IDLE_SEEN)));
    // Looking creates no record: the observer is not among the 130.
    observer = await Agent.connect(coordinator.url, 'observer');
  });

  afterAll(async () => {
    await observer.close();
    await coordinator.close();
  });

  it('list_agents pages 50 at a time, most recently seen first, each agent once, with the counts', async () => {
    const pages = await allPages(viaTool(), 50);
    expect(pages.map((page) => page.agents.length)).toEqual([50, 50, 30]);
    expect(pages.map((page) => [page.total, page.online])).toEqual([
      [130, 60],
      [130, 60],
      [130, 60],
    ]);
    expect(pages[2].next_cursor).toBeNull();
    const listed = ids(pages);
    expect(new Set(listed).size).toBe(130);
    expect(listed.slice(0, 60).sort()).toEqual(FRESH);
    expect(listed.slice(60).sort()).toEqual(IDLE);
    const seen = pages.flatMap((page) => page.agents.map((agent) => Date.parse(agent.last_seen)));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    expect(pages.flatMap((page) => page.agents.map((agent) => agent.status))).toEqual([
      ...Array(60).fill('online'),
      ...Array(70).fill('offline'),
    ]);
  });

  it('crosses a run of agents seen in one millisecond at any page size without repeating or skipping one', async () => {
    for (const limit of [1, 7, 25, 100]) {
      const listed = ids(await allPages(viaTool(limit), limit));
      expect(listed).toHaveLength(130);
      expect(new Set(listed).size).toBe(130);
    }
  });

  it('GET /api/agents gives the same pages: 50 unless asked, at most 100', async () => {
    const byDefault = await allPages(viaRest(), 50);
    expect(byDefault.map((page) => page.agents.length)).toEqual([50, 50, 30]);
    const large = await allPages(viaRest(100), 100);
    expect(large.map((page) => [page.agents.length, page.total, page.online])).toEqual([
      [100, 130, 60],
      [30, 130, 60],
    ]);
    expect(ids(large)).toEqual(ids(await allPages(viaTool(100), 100)));
  });

  it('never repeats an agent seen again between pages', async () => {
    const first = await viaTool(50)();
    // One listed already, one on a later page: both move to the front of the list.
    await seenAt(first.agents[10].agent_id, Date.now());
    await seenAt('idle-050', Date.now());
    try {
      const rest: Page[] = [];
      for (let cursor = first.next_cursor; cursor !== null; cursor = rest[rest.length - 1].next_cursor) {
        rest.push(await viaTool(50)(cursor));
      }
      const listed = [...first.agents.map((agent) => agent.agent_id), ...ids(rest)];
      expect(new Set(listed).size).toBe(listed.length);
      // idle-050 moved ahead of the cursor while the list was read: this read misses it, the next has it first.
      expect(listed).toHaveLength(129);
      expect((await viaTool(2)()).agents.map((agent) => agent.agent_id)).toContain('idle-050');
    } finally {
      await seenAt('idle-050', IDLE_SEEN);
    }
  });

  it('counts an agent whose session ended as online until the window passes, and shows it offline', async () => {
    await api.post('/api/agents/leave').set('X-Agent-ID', 'fresh-059').send({}).expect(200);
    try {
      const page = await viaTool(100)();
      expect(page.online).toBe(60);
      expect(page.agents.find((agent) => agent.agent_id === 'fresh-059')?.status).toBe('offline');
      expect((await api.get('/metrics').expect(200)).text).toMatch(/^c3po_online_agents 60$/m);
    } finally {
      await api.post('/api/agents/register').set('X-Agent-ID', 'fresh-059').expect(200);
    }
  });

  it('c3po_online_agents counts the agents seen within the window, not every known one', async () => {
    // The gauge reads the index, never the records: this one's record still says it was seen now.
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    await redis.zadd(keys.agentIndex, IDLE_SEEN, 'fresh-000');
    try {
      expect((await api.get('/metrics').expect(200)).text).toMatch(/^c3po_online_agents 59$/m);
    } finally {
      await seenAt('fresh-000', Date.now());
    }
  });

  it.each([
    ['limit=0', /limit must not be less than 1/],
    ['limit=101', /limit must not be greater than 100/],
    ['cursor=abc', /cursor must be a next_cursor returned by GET \/api\/agents/],
    ['cursor=1:2:3', /cursor must be a next_cursor returned by GET \/api\/agents/],
    ['offset=5', /property offset should not exist/],
  ])('GET /api/agents?%s is a 400 naming the parameter', async (query, message) => {
    const response = await api.get(`/api/agents?${query}`).set('X-Agent-ID', 'observer').expect(400);
    expect(response.body.message).toMatch(message);
  });

  it.each([
    [{ limit: 0 }, /limit/],
    [{ limit: 101 }, /limit/],
    [{ cursor: 'abc' }, /cursor must be a next_cursor returned by list_agents/],
    [{ cursor: '' }, /cursor must be a next_cursor returned by list_agents/],
  ])('list_agents %j is a tool error naming the argument', async (args, message) => {
    expect(await observer.fails('list_agents', args)).toMatch(message);
  });
});
