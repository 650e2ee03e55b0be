import request from 'supertest';
import { Agent, ClientKind, clientKinds } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

/** A word no other test uses, so that searches see only the findings a test added. */
let words = 0;
const unique = (stem: string) => `${stem}${++words}x${Math.random().toString(36).slice(2, 8)}`;

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe.each(clientKinds)('findings through MCP with %s', (kind: ClientKind) => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '2048' });
    alice = await Agent.registered(coordinator.url, 'alice', kind);
    bob = await Agent.registered(coordinator.url, 'bob', kind);
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await coordinator.close();
  });

  it('add_finding stores a finding by its caller, tags lowercased once, files normalized', async () => {
    const { finding } = await alice.ok('add_finding', {
      text: 'The login form posts to /api/session',
      tags: ['Auth', 'auth', 'frontend'],
      files: ['./src//login/form.tsx', 'src/login/form.tsx', 'docs/'],
    });
    expect(finding).toEqual({
      id: expect.stringMatching(/^finding-\d+$/),
      author: 'alice',
      text: 'The login form posts to /api/session',
      tags: ['auth', 'frontend'],
      files: ['src/login/form.tsx', 'docs'],
      created_at: expect.stringMatching(ISO),
    });
    const again = await bob.ok('add_finding', { text: 'another' });
    expect(Number(again.finding.id.slice(8))).toBeGreaterThan(Number(finding.id.slice(8)));
    expect(again.finding).toMatchObject({ author: 'bob', tags: [], files: [] });
  });

  it('search_findings ranks by query words matched, best first, then newest', async () => {
    const [a, b, c] = [unique('alpha'), unique('beta'), unique('gamma')];
    const two = (await alice.ok('add_finding', { text: `${a} and ${b}` })).finding;
    const one = (await bob.ok('add_finding', { text: `only ${a} here` })).finding;
    const three = (await alice.ok('add_finding', { text: `${a}, ${b}; ${c}!` })).finding;

    const ranked = await bob.ok('search_findings', { query: `${c} ${b} ${a}` });
    expect(ranked.matches).toBe(3);
    expect(ranked.findings.map((f: { id: string }) => f.id)).toEqual([three.id, two.id, one.id]);
    expect(ranked.findings.map((f: { score: number }) => f.score)).toEqual([3, 2, 1]);
    expect(ranked.findings[0]).toEqual({ ...three, score: 3 });

    // All equal: the newest first.
    const ties = await bob.ok('search_findings', { query: a.toUpperCase() });
    expect(ties.findings.map((f: { id: string }) => f.id)).toEqual([three.id, one.id, two.id]);
  });

  it('matches whole words of the text, tags and file paths, in any case', async () => {
    const word = unique('token');
    const inTag = (await alice.ok('add_finding', { text: 'about sessions', tags: [`${word}-v2`] })).finding;
    const inFile = (await alice.ok('add_finding', { text: 'see the file', files: [`lib/${word}/cache.ts`] })).finding;
    const longer = await alice.ok('add_finding', { text: `${word}ization is not ${word}s` });

    const found = await bob.ok('search_findings', { query: `${word.toUpperCase()}` });
    expect(found.findings.map((f: { id: string }) => f.id)).toEqual([inFile.id, inTag.id]);
    expect(found.findings.map((f: { id: string }) => f.id)).not.toContain(longer.finding.id);
    expect((await bob.ok('search_findings', { query: `${word} cache.ts` })).findings[0]).toMatchObject({
      id: inFile.id,
      score: 3,
    });
  });

  it('with tags, keeps only findings carrying every one; an empty query lists them newest first', async () => {
    const [t1, t2] = [unique('tag'), unique('tag')];
    const both = (await alice.ok('add_finding', { text: 'pool size is 10', tags: [t1, t2] })).finding;
    const first = (await alice.ok('add_finding', { text: 'pool timeout is 5 s', tags: [t1] })).finding;
    await alice.ok('add_finding', { text: 'pool of workers' });

    expect((await bob.ok('search_findings', { tags: [t1] })).findings.map((f: { id: string }) => f.id)).toEqual([
      first.id,
      both.id,
    ]);
    const byBoth = await bob.ok('search_findings', { query: '', tags: [t2.toUpperCase(), t1] });
    expect(byBoth).toEqual({ findings: [{ ...both, score: 0 }], matches: 1 });
    const worded = await bob.ok('search_findings', { query: 'timeout pool', tags: [t1] });
    expect(worded.findings.map((f: { id: string; score: number }) => [f.id, f.score])).toEqual([
      [first.id, 2],
      [both.id, 1],
    ]);
    expect(await bob.ok('search_findings', { query: 'pool', tags: [t1, unique('absent')] })).toEqual({
      findings: [],
      matches: 0,
    });
  });

  it('returns the best `limit` and counts every match', async () => {
    const word = unique('many');
    for (let i = 0; i < 4; i++) {
      await alice.ok('add_finding', { text: `${word} number ${i}` });
    }
    const page = await bob.ok('search_findings', { query: word, limit: 2 });
    expect(page.matches).toBe(4);
    expect(page.findings.map((f: { text: string }) => f.text)).toEqual([`${word} number 3`, `${word} number 2`]);
    expect((await bob.ok('search_findings', { query: word })).findings).toHaveLength(4);
  });

  it('finds nothing for words no finding holds', async () => {
    expect(await bob.ok('search_findings', { query: unique('nowhere') })).toEqual({ findings: [], matches: 0 });
  });

  it.each([
    ['an empty text', { text: '   ' }, 'text is empty: say what you found'],
    [
      'a text too long',
      { text: 'x'.repeat(2049) },
      'text is 2049 bytes, over the 2048-byte limit (C3PO_MAX_MESSAGE_BYTES)',
    ],
    ['21 tags', { text: 'ok', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags has 21 entries, at most 20'],
    ['a tag with a space', { text: 'ok', tags: ['two words'] }, 'tag "two words" is invalid: use 1-64 letters, digits'],
    ['a tag starting with -', { text: 'ok', tags: ['-dash'] }, 'tag "-dash" is invalid'],
    [
      '51 files',
      { text: 'ok', files: Array.from({ length: 51 }, (_, i) => `f${i}`) },
      'files has 51 paths, at most 50',
    ],
    ['a file outside', { text: 'ok', files: ['../outside.ts'] }, `files: "../outside.ts" has a '..' segment`],
    ['an absolute file', { text: 'ok', files: ['/etc/passwd'] }, 'files: "/etc/passwd" is absolute'],
    ['a file that names none', { text: 'ok', files: ['./'] }, 'files: "./" names no file'],
    ['no text', { tags: ['x'] }, 'text'],
    ['tags not a list', { text: 'ok', tags: 'auth' }, 'tags'],
  ])('add_finding refuses %s, storing nothing', async (_label, args, message) => {
    // An empty query matches every finding kept.
    const before = (await bob.ok('search_findings', {})).matches;
    expect(await alice.fails('add_finding', args)).toContain(message);
    expect((await bob.ok('search_findings', {})).matches).toBe(before);
  });

  it.each([
    [{ query: 'x', limit: 0 }, 'limit must be 1-50'],
    [{ query: 'x', limit: 51 }, 'limit must be 1-50'],
    [{ query: 'x', limit: 1.5 }, 'limit must be 1-50'],
    [{ query: 'x', tags: ['no space'] }, 'tag "no space" is invalid'],
    [{ query: 3 }, 'query'],
  ])('search_findings refuses %j', async (args, message) => {
    expect(await bob.fails('search_findings', args)).toContain(message);
  });
});

describe('findings beyond C3PO_MAX_FINDINGS', () => {
  let coordinator: Coordinator;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_FINDINGS: '3' });
  });

  afterAll(() => coordinator.close());

  it('evicts the oldest first, and ids keep counting', async () => {
    const agent = await Agent.connect(coordinator.url, 'writer');
    try {
      const ids: string[] = [];
      for (let i = 1; i <= 5; i++) {
        ids.push((await agent.ok('add_finding', { text: `note ${i}`, tags: ['capped'] })).finding.id);
      }
      expect(new Set(ids).size).toBe(5);
      const listed = await agent.ok('search_findings', { query: 'note', limit: 50 });
      expect(listed.matches).toBe(3);
      expect(listed.findings.map((f: { text: string }) => f.text)).toEqual(['note 5', 'note 4', 'note 3']);
      expect((await agent.ok('search_findings', { tags: ['capped'] })).matches).toBe(3);
      // The evicted ones are gone from Redis, not only from the index.
      const redis = coordinator.app.get((await import('../src/redis/redis.constants.js')).REDIS_CLIENT);
      const keys = await redis.keys(`{${coordinator.prefix}}:finding:*`);
      expect(keys.map((key: string) => key.split(':').pop()).sort()).toEqual(ids.slice(2).sort());
    } finally {
      await agent.close();
    }
  });
});

describe('findings over REST', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
  });

  afterAll(() => coordinator.close());

  it('POST /api/findings adds one (201) as add_finding does', async () => {
    const response = await api
      .post('/api/findings')
      .set('X-Agent-ID', 'script')
      .send({ text: 'nightly build is red since the ORM bump', tags: ['CI'], files: ['package.json'] })
      .expect(201);
    expect(response.body).toEqual({
      finding: {
        id: expect.stringMatching(/^finding-\d+$/),
        author: 'script',
        text: 'nightly build is red since the ORM bump',
        tags: ['ci'],
        files: ['package.json'],
        created_at: expect.stringMatching(ISO),
      },
    });
  });

  it('GET /api/findings ranks like search_findings, tags comma-separated or repeated', async () => {
    const [t1, t2] = [unique('rest'), unique('rest')];
    const post = async (text: string, tags: string[]) =>
      (await api.post('/api/findings').set('X-Agent-ID', 'script').send({ text, tags }).expect(201)).body.finding;
    const older = await post('cache warms at start', [t1, t2]);
    const newer = await post('cache is cold after deploy', [t1]);

    const byWords = await api.get('/api/findings').query({ query: 'cold cache' }).set('X-Agent-ID', 'reader');
    expect(byWords.status).toBe(200);
    expect(byWords.body.findings.slice(0, 2).map((f: { id: string }) => f.id)).toEqual([newer.id, older.id]);

    const comma = await api.get(`/api/findings?tags=${t1},${t2}`).set('X-Agent-ID', 'reader').expect(200);
    expect(comma.body).toEqual({ findings: [{ ...older, score: 0 }], matches: 1 });
    const repeated = await api.get(`/api/findings?tags=${t1}&tags=${t2}`).set('X-Agent-ID', 'reader').expect(200);
    expect(repeated.body).toEqual(comma.body);
    const limited = await api.get(`/api/findings?tags=${t1}&limit=1`).set('X-Agent-ID', 'reader').expect(200);
    expect(limited.body).toEqual({ findings: [{ ...newer, score: 0 }], matches: 2 });
  });

  it.each([
    [{}, 'text must be a string'],
    [{ text: 'x', tags: 'a' }, 'tags must be an array'],
    [{ text: 'x', files: [1] }, 'each value in files must be a string'],
    [{ text: 'x', author: 'mallory' }, 'property author should not exist'],
    [{ text: '' }, 'text is empty'],
    [{ text: 'x', tags: ['a b'] }, 'tag "a b" is invalid'],
  ])('POST /api/findings refuses %j with a 400 naming the problem', async (body, message) => {
    const response = await api.post('/api/findings').set('X-Agent-ID', 'script').send(body).expect(400);
    expect(response.body.message).toContain(message);
  });

  it.each(['limit=0', 'limit=51', 'limit=x', 'tags=a%20b', 'other=1'])(
    'GET /api/findings?%s is a 400',
    async (query) => {
      await api.get(`/api/findings?${query}`).set('X-Agent-ID', 'reader').expect(400);
    },
  );

  it('needs X-Agent-ID', async () => {
    await api.post('/api/findings').send({ text: 'x' }).expect(400);
    await api.get('/api/findings').expect(400);
  });
});
