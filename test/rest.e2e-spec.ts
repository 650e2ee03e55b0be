import request from 'supertest';
import { Agent } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

describe('REST API', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
  });

  afterAll(() => coordinator.close());

  describe('X-Agent-ID', () => {
    it('is required, with a 400 that says so', async () => {
      const response = await api.get('/api/pending').expect(400);
      expect(response.body).toEqual({ statusCode: 400, message: 'X-Agent-ID header is required' });
    });

    it.each(['-leading-dash', 'has space', 'a'.repeat(65), 'ünïcode', 'semi;colon'])(
      'is refused when malformed (%s), naming the rule',
      async (id) => {
        const response = await api.get('/api/pending').set('X-Agent-ID', id).expect(400);
        expect(response.body.message).toMatch(/is invalid: use 1-64 characters of letters, digits/);
      },
    );

    it.each(['a', 'A1', 'my-project', 'host_1.frontend', 'x'.repeat(64)])('accepts %s', async (id) => {
      await api.get('/api/pending').set('X-Agent-ID', id).expect(200);
    });

    it('guards the MCP endpoint with a 400, not a 401 (which sends Claude Code into OAuth)', async () => {
      const response = await api
        .post('/mcp')
        .set('Content-Type', 'application/json')
        .set('Accept', 'application/json, text/event-stream')
        .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
        .expect(400);
      expect(response.body.message).toBe('X-Agent-ID header is required');
    });

    it('refreshes last_seen of a registered agent on later calls (at most once a second)', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'newcomer').expect(200);
      const first = (await api.get('/api/agents').set('X-Agent-ID', 'observer').expect(200)).body.agents.find(
        (a: { agent_id: string }) => a.agent_id === 'newcomer',
      );
      expect(first).toMatchObject({ status: 'online', description: '', capabilities: [] });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await api.get('/api/pending').set('X-Agent-ID', 'newcomer').expect(200);
      const second = (await api.get('/api/agents').set('X-Agent-ID', 'observer').expect(200)).body.agents.find(
        (a: { agent_id: string }) => a.agent_id === 'newcomer',
      );
      expect(second.first_seen).toBe(first.first_seen);
      expect(Date.parse(second.last_seen)).toBeGreaterThan(Date.parse(first.last_seen));
    });
  });

  describe('GET /api/pending', () => {
    it('previews unanswered requests, oldest first, without consuming them', async () => {
      const sender = await Agent.connect(coordinator.url, 'sender');
      try {
        await api.post('/api/agents/register').set('X-Agent-ID', 'inbox').expect(200);
        const long = 'x'.repeat(600);
        const first = await sender.ok('send_request', { target: 'inbox', message: long, context: 'c'.repeat(300) });
        const second = await sender.ok('send_request', { target: 'inbox', message: 'short' });

        const body = (await api.get('/api/pending').set('X-Agent-ID', 'inbox').expect(200)).body;
        expect(body.count).toBe(2);
        expect(body.requests).toEqual([
          {
            request_id: first.request_id,
            from_agent: 'sender',
            message: 'x'.repeat(500),
            context: 'c'.repeat(200),
            created_at: expect.any(String),
            state: 'queued',
          },
          expect.objectContaining({ request_id: second.request_id, message: 'short', context: null, state: 'queued' }),
        ]);
        // Still queued: a peek never delivers.
        const again = (await api.get('/api/pending').set('X-Agent-ID', 'inbox').expect(200)).body;
        expect(again.requests.map((r: { state: string }) => r.state)).toEqual(['queued', 'queued']);
      } finally {
        await sender.close();
      }
    });
  });

  describe('POST /api/agents/register', () => {
    it('stores a description and capabilities and returns the agent record', async () => {
      const body = (
        await api
          .post('/api/agents/register')
          .set('X-Agent-ID', 'profiled')
          .send({ description: 'frontend', capabilities: ['react', 'css'], session_id: 'session-1' })
          .expect(200)
      ).body;
      expect(body).toMatchObject({
        agent: { agent_id: 'profiled', status: 'online', description: 'frontend', capabilities: ['react', 'css'] },
        session_conflict: null,
      });
    });

    // Found by test/fuzz: the profile reaches Lua as JSON, and cjson refused the \udXXX escape
    // JSON.stringify writes for a lone surrogate: a 500 (and "Internal server error" on MCP).
    it('stores a lone surrogate in a description as U+FFFD, as Redis stores any text', async () => {
      const body = (
        await api
          .post('/api/agents/register')
          .set('X-Agent-ID', 'surrogate')
          .set('Content-Type', 'application/json')
          .send('{"description":"a\\udc5cb","capabilities":["\\ud800"]}')
          .expect(200)
      ).body;
      expect(body.agent).toMatchObject({ description: 'a\ufffdb', capabilities: ['\ufffd'] });
    });

    // Found by test/fuzz: IsOptional lets null through, and null reached the store: a 500.
    it.each([
      [{ description: null }, /description must be a string/],
      [{ capabilities: null }, /capabilities must be an array/],
      [{ session_id: null }, /session_id must be/],
    ])('refuses %j with a 400 and keeps the stored profile', async (payload, message) => {
      await api
        .post('/api/agents/register')
        .set('X-Agent-ID', 'nulled')
        .send({ description: 'kept', capabilities: ['kept'] })
        .expect(200);
      const response = await api.post('/api/agents/register').set('X-Agent-ID', 'nulled').send(payload).expect(400);
      expect(response.body.message).toMatch(message);
      const agents = (await api.get('/api/agents').set('X-Agent-ID', 'nulled').expect(200)).body.agents;
      expect(agents.find((a: { agent_id: string }) => a.agent_id === 'nulled')).toMatchObject({
        description: 'kept',
        capabilities: ['kept'],
      });
    });

    it('works with no body at all', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'bare').expect(200);
    });

    it.each([
      [{ capabilities: 'react' }, /capabilities must be an array/],
      [{ description: 42 }, /description must be a string/],
      [{ session_id: 'has space' }, /session_id must be/],
      [{ colour: 'blue' }, /property colour should not exist/],
    ])('rejects %j with a 400 naming the field', async (payload, message) => {
      const response = await api.post('/api/agents/register').set('X-Agent-ID', 'picky').send(payload).expect(400);
      expect(response.body.statusCode).toBe(400);
      expect(response.body.message).toMatch(message);
    });

    it('rejects a malformed JSON body with a 400 and keeps the stored profile', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'kept').send({ description: 'original' }).expect(200);
      const response = await api
        .post('/api/agents/register')
        .set('X-Agent-ID', 'kept')
        .set('Content-Type', 'application/json')
        .send('{"description": ')
        .expect(400);
      expect(response.body.statusCode).toBe(400);
      const agents = (await api.get('/api/agents').set('X-Agent-ID', 'kept').expect(200)).body.agents;
      expect(agents.find((a: { agent_id: string }) => a.agent_id === 'kept').description).toBe('original');
    });

    it('reports another live session that already uses the id', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'shared').send({ session_id: 'first' }).expect(200);
      const second = (
        await api.post('/api/agents/register').set('X-Agent-ID', 'shared').send({ session_id: 'second' }).expect(200)
      ).body;
      expect(second.session_conflict).toEqual({ session_id: 'first', last_active: expect.any(String) });
      // The same session registering again (resume, compact) is no conflict.
      const again = (
        await api.post('/api/agents/register').set('X-Agent-ID', 'shared').send({ session_id: 'second' }).expect(200)
      ).body;
      expect(again.session_conflict).toBeNull();
    });

    it('does not report a session that has ended', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'relay').send({ session_id: 'one' }).expect(200);
      await api.post('/api/agents/leave').set('X-Agent-ID', 'relay').send({ session_id: 'one' }).expect(200);
      const next = (
        await api.post('/api/agents/register').set('X-Agent-ID', 'relay').send({ session_id: 'two' }).expect(200)
      ).body;
      expect(next.session_conflict).toBeNull();
    });
  });

  describe('POST /api/agents/leave', () => {
    it('shows the agent offline at once, and online again at its next call', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'leaver').send({ session_id: 's1' }).expect(200);
      expect((await api.post('/api/agents/leave').set('X-Agent-ID', 'leaver').send({ session_id: 's1' })).body).toEqual(
        { agent_id: 'leaver', left: true },
      );
      const status = async () =>
        (await api.get('/api/agents').set('X-Agent-ID', 'observer').expect(200)).body.agents.find(
          (a: { agent_id: string }) => a.agent_id === 'leaver',
        ).status;
      expect(await status()).toBe('offline');
      await api.get('/api/pending').set('X-Agent-ID', 'leaver').expect(200);
      expect(await status()).toBe('online');
    });

    it('leaves the agent alone when another session owns the id now', async () => {
      await api.post('/api/agents/register').set('X-Agent-ID', 'owned').send({ session_id: 'new' }).expect(200);
      const body = (await api.post('/api/agents/leave').set('X-Agent-ID', 'owned').send({ session_id: 'old' })).body;
      expect(body).toEqual({ agent_id: 'owned', left: false });
    });
  });

  describe('GET /api/dead-letters', () => {
    // Found by test/fuzz: 1e20 is an integer to class-validator but not to Redis's ZRANGE,
    // whose "value is not an integer or out of range" was a 500.
    it('refuses an offset past what Redis can index with a 400 naming it', async () => {
      const response = await api.get('/api/dead-letters?offset=99999999999999999999').expect(400);
      expect(response.body.message).toMatch(/offset must not be greater than/);
    });

    it('serves an empty page at the largest offset', async () => {
      const response = await api.get(`/api/dead-letters?offset=${Number.MAX_SAFE_INTEGER}`).expect(200);
      expect(response.body).toMatchObject({ requests: [], next_offset: null });
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    const response = await api.get('/api/nothing-here').expect(404);
    expect(response.body).toEqual({ statusCode: 404, message: 'Cannot GET /api/nothing-here' });
  });
});
