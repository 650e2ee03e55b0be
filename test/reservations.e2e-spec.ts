import request from 'supertest';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, NO_RECHECK_MS, startCoordinator, uniquePrefix } from './support/coordinator.js';
import { Agent, ClientKind, clientKinds } from './support/mcp-clients.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Resolves once the wall clock (which Redis's, on this host, is) has passed `iso`. */
async function until(iso: string): Promise<void> {
  const wait = Date.parse(iso) - Date.now() + 20;
  if (wait > 0) {
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** Whether some path is covered by both patterns, and whether a pattern covers a path: the rules README states. */
const OVERLAPS: [string, string, boolean][] = [
  ['src/a.ts', 'src/a.ts', true],
  ['src', 'src/a.ts', true],
  ['src/a.ts', 'src/b.ts', false],
  ['src', 'srcx/a.ts', false],
  ['src/**', 'src/deep/x.ts', true],
  ['lib/x.ts', 'lib/*.ts', true],
  ['lib/x.ts', 'lib/*.md', false],
  ['web/*.ts', 'web/*.md', false],
  ['web/**/*.ts', 'web/lib/*.ts', true],
  ['app/*/page.tsx', 'app/users/*', true],
  ['v?/api', 'v1/api', true],
  ['v?/api', 'v12/api', false],
  ['**', 'anything/at/all.txt', true],
  ['a/**/b', 'a/b', true],
  ['*.json', 'src/*.json', false],
  ['docs/*.md', 'docs/**', true],
];
const COVERS: [string, string, boolean][] = [
  ['src/a.ts', 'src/a.ts', true],
  ['src', 'src/a/b.ts', true],
  ['src', 'srcx/a.ts', false],
  ['src/a.ts', 'src', false],
  ['src/*.ts', 'src/a.ts', true],
  ['src/*.ts', 'src/sub/a.ts', false],
  ['src/*', 'src/sub/a.ts', true],
  ['src/**', 'src/sub/deep/a.ts', true],
  ['src/**/*.ts', 'src/a.ts', true],
  ['src/**/*.ts', 'src/x/y/a.ts', true],
  ['src/**/*.ts', 'src/x/a.md', false],
  ['**/*.md', 'README.md', true],
  ['**/*.md', 'docs/guide/intro.md', true],
  ['?.txt', 'a.txt', true],
  ['?.txt', 'ab.txt', false],
  ['?.txt', 'é.txt', true],
  ['app/[id]/page.tsx', 'app/[id]/page.tsx', true],
  ['app/[id]/page.tsx', 'app/i/page.tsx', false],
  ['a*b', 'a/b', false],
  ['docs/*.md', 'docs/a.md.bak', false],
];

describe.each(clientKinds)('file reservations through MCP with %s', (kind: ClientKind) => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;
  let carol: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({
      C3PO_MAX_RESERVATIONS_PER_AGENT: '5',
      C3PO_MAX_RESERVATIONS: '8',
      C3PO_MAX_RESERVATION_TTL_S: '3600',
    });
    [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((id) => Agent.registered(coordinator.url, id, kind)),
    );
  });

  afterEach(async () => {
    await Promise.all([alice, bob, carol].map((agent) => agent.ok('release_files')));
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((agent) => agent.close()));
    await coordinator.close();
  });

  const listed = async (args: Record<string, unknown> = {}) =>
    (await carol.ok('list_reservations', args)).reservations as Record<string, any>[];

  it('reserve_files leases normalized paths, exclusive by default, until now + ttl_s', async () => {
    const before = Date.now();
    const result = await alice.ok('reserve_files', {
      paths: ['./src//a.ts', 'docs/', 'src/a.ts'],
      ttl_s: 600,
      reason: 'refactor',
    });
    expect(result).toEqual({
      reserved: ['src/a.ts', 'docs'],
      exclusive: true,
      expires_at: expect.stringMatching(ISO),
      renewed: [],
      shared_with: [],
    });
    expect(Date.parse(result.expires_at)).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(Date.parse(result.expires_at)).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
    expect(await listed({ agent: 'alice' })).toEqual([
      {
        agent: 'alice',
        pattern: 'docs',
        exclusive: true,
        reason: 'refactor',
        created_at: expect.stringMatching(ISO),
        expires_at: result.expires_at,
      },
      expect.objectContaining({ agent: 'alice', pattern: 'src/a.ts', expires_at: result.expires_at }),
    ]);
  });

  it("refuses another agent's overlapping exclusive reservation, saying who holds it, until when and why", async () => {
    const held = await alice.ok('reserve_files', { paths: ['src/auth/**'], ttl_s: 600, reason: 'auth rewrite' });
    const refusal = await bob.fails('reserve_files', { paths: ['src/auth/login.ts'], ttl_s: 60, reason: 'fix' });
    expect(refusal).toContain(
      `nothing was reserved: 'src/auth/login.ts' overlaps 'src/auth/**', which is reserved exclusively by 'alice' ` +
        `until ${held.expires_at}: "auth rewrite". Choose other paths, wait until they lapse, or ask the holder`,
    );
    // The same pattern exactly, and a glob meeting alice's glob.
    expect(await bob.fails('reserve_files', { paths: ['src/auth/**'], ttl_s: 60, reason: 'fix' })).toContain(
      `'src/auth/**' reserved exclusively by 'alice'`,
    );
    expect(await bob.fails('reserve_files', { paths: ['src/*/session.ts'], ttl_s: 60, reason: 'fix' })).toContain(
      `'src/*/session.ts' overlaps 'src/auth/**'`,
    );
    expect(await bob.ok('reserve_files', { paths: ['src/billing/**'], ttl_s: 60, reason: 'fix' })).toMatchObject({
      reserved: ['src/billing/**'],
    });
  });

  it('a refused call changes nothing, not even the caller’s own reservations', async () => {
    await alice.ok('reserve_files', { paths: ['locked/x.ts'], ttl_s: 600, reason: 'mine' });
    const own = await bob.ok('reserve_files', { paths: ['bob/own.ts'], ttl_s: 600, reason: 'first' });
    await bob.fails('reserve_files', {
      paths: ['free/y.ts', 'bob/own.ts', 'locked/x.ts'],
      ttl_s: 1200,
      exclusive: false,
      reason: 'second',
    });
    expect(await listed({ agent: 'bob' })).toEqual([
      expect.objectContaining({ pattern: 'bob/own.ts', reason: 'first', exclusive: true, expires_at: own.expires_at }),
    ]);
    expect(await carol.ok('reserve_files', { paths: ['free/y.ts'], ttl_s: 60, reason: 'free' })).toMatchObject({
      reserved: ['free/y.ts'],
    });
  });

  it('lets shared reservations overlap and tells each who shares; exclusive meets shared either way', async () => {
    const shared = await alice.ok('reserve_files', {
      paths: ['lib/**'],
      ttl_s: 600,
      exclusive: false,
      reason: 'reading lib',
    });
    expect(shared.exclusive).toBe(false);
    const second = await bob.ok('reserve_files', {
      paths: ['lib/util.ts'],
      ttl_s: 600,
      exclusive: false,
      reason: 'docs',
    });
    expect(second.shared_with).toEqual([
      {
        agent: 'alice',
        pattern: 'lib/**',
        exclusive: false,
        reason: 'reading lib',
        created_at: expect.stringMatching(ISO),
        expires_at: shared.expires_at,
        overlaps: 'lib/util.ts',
      },
    ]);
    // Exclusive against shared ones: refused, naming both holders, and how to share instead.
    const refusal = await carol.fails('reserve_files', { paths: ['lib/util.ts'], ttl_s: 60, reason: 'rewrite' });
    expect(refusal).toContain(`'lib/util.ts' overlaps 'lib/**', which is reserved (shared) by 'alice'`);
    expect(refusal).toContain(`'lib/util.ts' reserved (shared) by 'bob'`);
    expect(refusal).toContain('Reserve with exclusive: false to share them');
    // Shared against an exclusive one: refused too.
    await alice.ok('reserve_files', { paths: ['core'], ttl_s: 600, reason: 'moving core' });
    expect(
      await bob.fails('reserve_files', { paths: ['core/x.ts'], ttl_s: 60, exclusive: false, reason: 'peek' }),
    ).toContain(`'core/x.ts' overlaps 'core', which is reserved exclusively by 'alice'`);
  });

  it("renews the caller's own reservations (new expiry, flag and reason; same creation), never a conflict", async () => {
    await alice.ok('reserve_files', { paths: ['app/main.ts'], ttl_s: 60, reason: 'first' });
    const [first] = await listed({ agent: 'alice' });
    const renewed = await alice.ok('reserve_files', {
      paths: ['app/main.ts', 'app/**'],
      ttl_s: 600,
      exclusive: false,
      reason: 'second',
    });
    expect(renewed).toMatchObject({ reserved: ['app/main.ts', 'app/**'], renewed: ['app/main.ts'], exclusive: false });
    expect(Date.parse(renewed.expires_at)).toBeGreaterThan(Date.parse(first.expires_at));
    expect(await listed({ agent: 'alice' })).toEqual([
      expect.objectContaining({ pattern: 'app/**', exclusive: false, reason: 'second' }),
      {
        ...first,
        exclusive: false,
        reason: 'second',
        expires_at: renewed.expires_at,
      },
    ]);
  });

  it('lets another agent reserve once a reservation lapses', async () => {
    const short = await alice.ok('reserve_files', { paths: ['tmp/a.ts'], ttl_s: 1, reason: 'quick' });
    expect(await bob.fails('reserve_files', { paths: ['tmp/a.ts'], ttl_s: 60, reason: 'next' })).toContain(
      "reserved exclusively by 'alice'",
    );
    await until(short.expires_at);
    expect(await listed({ path: 'tmp/a.ts' })).toEqual([]);
    await bob.ok('reserve_files', { paths: ['tmp/a.ts'], ttl_s: 60, reason: 'next' });
    expect((await listed({ path: 'tmp' })).map((r) => r.agent)).toEqual(['bob']);
  });

  it('caps the reservations of one agent and of all, counting renewals as none', async () => {
    await alice.ok('reserve_files', { paths: ['c1', 'c2', 'c3', 'c4', 'c5'], ttl_s: 60, reason: 'many' });
    expect(await alice.fails('reserve_files', { paths: ['c6'], ttl_s: 60, reason: 'one more' })).toContain(
      "'alice' holds 5 reservations and may hold 5 (C3PO_MAX_RESERVATIONS_PER_AGENT): release_files some",
    );
    expect(await alice.fails('reserve_files', { paths: ['c5', 'c6'], ttl_s: 60, reason: 'one more' })).toContain(
      'C3PO_MAX_RESERVATIONS_PER_AGENT',
    );
    await alice.ok('reserve_files', { paths: ['c1', 'c2'], ttl_s: 120, reason: 'renewed' });
    await bob.ok('reserve_files', { paths: ['d1', 'd2', 'd3'], ttl_s: 60, reason: 'more' });
    expect(await carol.fails('reserve_files', { paths: ['e1'], ttl_s: 60, reason: 'last' })).toContain(
      'the coordinator holds 8 reservations, its most (C3PO_MAX_RESERVATIONS): nothing was reserved',
    );
    await alice.ok('release_files', { paths: ['c1'] });
    await carol.ok('reserve_files', { paths: ['e1'], ttl_s: 60, reason: 'last' });
  });

  it.each([
    ['ttl_s 0', { ttl_s: 0 }, 'ttl_s must be whole seconds, 1-3,600 (C3PO_MAX_RESERVATION_TTL_S)'],
    ['ttl_s past the most', { ttl_s: 3601 }, 'ttl_s must be whole seconds, 1-3,600'],
    ['a fractional ttl_s', { ttl_s: 1.5 }, 'ttl_s must be whole seconds'],
    ['an empty reason', { reason: '  ' }, 'reason must be 1-500 characters'],
    ['a reason too long', { reason: 'r'.repeat(501) }, 'reason must be 1-500 characters'],
    ['no paths', { paths: [] }, 'paths is empty: name the files, folders or globs'],
    ['101 paths', { paths: Array.from({ length: 101 }, (_, i) => `p${i}`) }, 'paths has 101 entries, at most 100'],
    ['a path outside', { paths: ['ok.ts', 'src/../../x'] }, `paths: "src/../../x" has a '..' segment`],
    ['an absolute path', { paths: ['/etc/hosts'] }, 'paths: "/etc/hosts" is absolute'],
    ['a backslash', { paths: ['src\\a.ts'] }, "use '/' between folders"],
    ['the root', { paths: ['.'] }, "names no file (for the whole repository, use '**')"],
    ['a path too long', { paths: ['a/'.repeat(200)] }, 'is over 256 characters'],
    ['exclusive not a boolean', { exclusive: 'yes' }, 'exclusive'],
    ['no reason', { reason: undefined }, 'reason'],
  ])('reserve_files refuses %s, reserving nothing', async (_label, change, message) => {
    const args = { paths: ['ok.ts'], ttl_s: 60, reason: 'why', ...change };
    expect(await alice.fails('reserve_files', args)).toContain(message);
    expect(await listed({ agent: 'alice' })).toEqual([]);
  });

  it("release_files releases the caller's given reservations, never another agent's, or all of them", async () => {
    await alice.ok('reserve_files', { paths: ['r/a', 'r/b'], ttl_s: 60, reason: 'two' });
    await bob.ok('reserve_files', { paths: ['r/c'], ttl_s: 60, reason: 'one' });
    expect(await alice.ok('release_files', { paths: ['./r/a', 'r/c', 'r/zzz'] })).toEqual({
      released: ['r/a'],
      not_held: ['r/c', 'r/zzz'],
    });
    expect((await listed()).map((r) => [r.agent, r.pattern])).toEqual([
      ['alice', 'r/b'],
      ['bob', 'r/c'],
    ]);
    expect(await alice.ok('release_files')).toEqual({ released: ['r/b'], not_held: [] });
    expect(await alice.ok('release_files')).toEqual({ released: [], not_held: [] });
    expect((await listed()).map((r) => r.agent)).toEqual(['bob']);
    // Released: another agent may take it at once.
    await carol.ok('reserve_files', { paths: ['r/a'], ttl_s: 60, reason: 'now mine' });
  });

  it.each([
    ['an empty list', { paths: [] }, 'paths is empty: leave it out to release all your reservations'],
    ['a path outside', { paths: ['../x'] }, `paths: "../x" has a '..' segment`],
    ['paths not a list', { paths: 'a' }, 'paths'],
  ])('release_files refuses %s', async (_label, args, message) => {
    expect(await alice.fails('release_files', args)).toContain(message);
  });

  it('list_reservations lists the live ones by pattern, of an agent, or overlapping a path', async () => {
    await alice.ok('reserve_files', { paths: ['web/**', 'api/routes.ts'], ttl_s: 60, reason: 'a' });
    await bob.ok('reserve_files', { paths: ['api/db.ts'], ttl_s: 60, reason: 'b' });
    const all = await carol.ok('list_reservations');
    expect(all).toMatchObject({ total: 3, next_cursor: null });
    expect(all.reservations.map((r: { pattern: string }) => r.pattern)).toEqual([
      'api/db.ts',
      'api/routes.ts',
      'web/**',
    ]);
    expect((await listed({ agent: 'bob' })).map((r) => r.pattern)).toEqual(['api/db.ts']);
    expect((await listed({ path: 'web/app/page.tsx' })).map((r) => r.pattern)).toEqual(['web/**']);
    // A folder lists what is reserved inside it; a glob what overlaps it.
    expect((await listed({ path: 'api' })).map((r) => r.pattern)).toEqual(['api/db.ts', 'api/routes.ts']);
    expect((await listed({ path: 'api/*.ts', agent: 'alice' })).map((r) => r.pattern)).toEqual(['api/routes.ts']);
    expect(await listed({ path: 'docs' })).toEqual([]);
  });

  it.each([
    ['a malformed agent', { agent: 'not an id' }, "agent 'not an id' is invalid"],
    ['a path outside', { path: '../x' }, `path: "../x" has a '..' segment`],
    ['a cursor it never gave', { cursor: 'bm9uZQ' }, 'cursor must be a next_cursor returned by list_reservations'],
    ['a cursor of other characters', { cursor: 'a b' }, 'cursor must be a next_cursor returned by list_reservations'],
  ])('list_reservations refuses %s', async (_label, args, message) => {
    expect(await carol.fails('list_reservations', args)).toContain(message);
  });
});

describe('file reservations over REST', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_RESERVATIONS_PER_AGENT: '3' });
    api = request(coordinator.url);
  });

  afterEach(async () => {
    for (const agent of ['alice', 'bob']) {
      await api.delete('/api/reservations').set('X-Agent-ID', agent).expect(200);
    }
  });

  afterAll(() => coordinator.close());

  const reserve = (agent: string, body: object) => api.post('/api/reservations').set('X-Agent-ID', agent).send(body);
  const check = (agent: string, paths: unknown) =>
    api.post('/api/reservations/check').set('X-Agent-ID', agent).send({ paths });

  it('POST /api/reservations reserves (201), refuses a conflict (409) and a cap (429) as reserve_files does', async () => {
    const created = await reserve('alice', { paths: ['src/**'], ttl_s: 60, reason: 'rewrite' }).expect(201);
    expect(created.body).toMatchObject({ reserved: ['src/**'], exclusive: true, renewed: [], shared_with: [] });
    const conflict = await reserve('bob', { paths: ['src/a.ts'], ttl_s: 60, reason: 'fix' }).expect(409);
    expect(conflict.body).toEqual({
      statusCode: 409,
      message: expect.stringContaining(
        `'src/a.ts' overlaps 'src/**', which is reserved exclusively by 'alice' until ${created.body.expires_at}: "rewrite"`,
      ),
    });
    await reserve('bob', { paths: ['a', 'b', 'c'], ttl_s: 60, reason: 'three' }).expect(201);
    const capped = await reserve('bob', { paths: ['d'], ttl_s: 60, reason: 'four' }).expect(429);
    expect(capped.body.message).toContain("'bob' holds 3 reservations and may hold 3");
  });

  it.each([
    [{ paths: 'a', ttl_s: 60, reason: 'r' }, 'paths must be an array'],
    [{ paths: ['a'], reason: 'r' }, 'ttl_s must be an integer number'],
    [{ paths: ['a'], ttl_s: 60 }, 'reason must be a string'],
    [{ paths: ['a'], ttl_s: 60, reason: 'r', exclusive: 'no' }, 'exclusive must be a boolean value'],
    [{ paths: ['a'], ttl_s: 60, reason: 'r', agent: 'bob' }, 'property agent should not exist'],
    [{ paths: ['/a'], ttl_s: 60, reason: 'r' }, 'is absolute'],
  ])('POST /api/reservations refuses %j with a 400', async (body, message) => {
    expect((await reserve('alice', body).expect(400)).body.message).toContain(message);
  });

  it("DELETE /api/reservations releases the given paths, or all the caller's", async () => {
    await reserve('alice', { paths: ['x', 'y', 'z'], ttl_s: 60, reason: 'r' }).expect(201);
    const some = await api
      .delete('/api/reservations')
      .set('X-Agent-ID', 'alice')
      .send({ paths: ['x', 'w'] });
    expect(some.status).toBe(200);
    expect(some.body).toEqual({ released: ['x'], not_held: ['w'] });
    const rest = await api.delete('/api/reservations').set('X-Agent-ID', 'alice').expect(200);
    expect(rest.body).toEqual({ released: ['y', 'z'], not_held: [] });
    await api.delete('/api/reservations').set('X-Agent-ID', 'alice').send({ paths: [] }).expect(400);
  });

  it('GET /api/reservations pages by pattern with limit and next_cursor, and filters', async () => {
    await reserve('alice', { paths: ['p/1', 'p/2', 'p/3'], ttl_s: 60, reason: 'r' }).expect(201);
    await reserve('bob', { paths: ['p/0', 'q/9'], ttl_s: 60, reason: 'r' }).expect(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: request.Response = await api
        .get('/api/reservations')
        .query({ limit: 2, ...(cursor && { cursor }) })
        .set('X-Agent-ID', 'carol')
        .expect(200);
      expect(page.body.total).toBe(5);
      expect(page.body.reservations.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.reservations.map((r: { agent: string; pattern: string }) => `${r.agent}:${r.pattern}`));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['bob:p/0', 'alice:p/1', 'alice:p/2', 'alice:p/3', 'bob:q/9']);
    const filtered = await api.get('/api/reservations?agent=bob&path=p').set('X-Agent-ID', 'carol').expect(200);
    expect(filtered.body).toMatchObject({ total: 1, next_cursor: null, reservations: [{ pattern: 'p/0' }] });
  });

  it.each(['limit=0', 'limit=101', 'cursor=%20', 'cursor=bm9uZQ', 'agent=a%20b', 'path=..', 'other=1'])(
    'GET /api/reservations?%s is a 400',
    async (query) => {
      await api.get(`/api/reservations?${query}`).set('X-Agent-ID', 'carol').expect(400);
    },
  );

  it('POST /api/reservations/check names the given paths other agents reserved, shared ones too (200)', async () => {
    const held = await reserve('alice', { paths: ['src/auth/**'], ttl_s: 60, reason: 'auth' }).expect(201);
    await reserve('bob', { paths: ['docs'], ttl_s: 60, exclusive: false, reason: 'docs pass' }).expect(201);
    const answer = await check('carol', ['src/auth/login.ts', 'README.md', './docs/a.md', '../x', '/abs', 'a\\b']);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      reserved: [
        {
          path: 'src/auth/login.ts',
          agent: 'alice',
          pattern: 'src/auth/**',
          exclusive: true,
          reason: 'auth',
          expires_at: held.body.expires_at,
        },
        {
          path: 'docs/a.md',
          agent: 'bob',
          pattern: 'docs',
          exclusive: false,
          reason: 'docs pass',
          expires_at: expect.stringMatching(ISO),
        },
      ],
    });
    // The caller's own reservations are no warning.
    expect((await check('alice', ['src/auth/login.ts'])).body).toEqual({ reserved: [] });
    expect((await check('carol', [])).body).toEqual({ reserved: [] });
  });

  it('POST /api/reservations/check asked for text/plain answers the warning the pre-commit hook prints, or 204', async () => {
    const held = await reserve('alice', {
      paths: ['src/auth/**'],
      ttl_s: 60,
      reason: 'say "hi" \\ \u001b[31m\u009b2J\nnext',
    }).expect(201);
    const text = await api
      .post('/api/reservations/check')
      .set('X-Agent-ID', 'carol')
      .set('Accept', 'text/plain')
      .send({ paths: ['src/auth/login.ts', 'README.md'] })
      .expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toBe(
      'c3po: this commit touches paths other agents have reserved (advisory: the commit goes ahead):\n' +
        `  src/auth/login.ts: reserved by 'alice' until ${held.body.expires_at} (exclusive, src/auth/**): ` +
        'say "hi" \\ \\u001b[31m2J\\nnext\n' +
        'c3po: check with them (send_request) before pushing; list_reservations shows every reservation.',
    );
    await api
      .post('/api/reservations/check')
      .set('X-Agent-ID', 'carol')
      .set('Accept', 'text/plain')
      .send({ paths: ['README.md'] })
      .expect(204);
  });

  it.each([
    ['no paths', {}, 'paths must be an array'],
    ['paths not strings', { paths: [1] }, 'each value in paths must be a string'],
    ['1001 paths', { paths: Array.from({ length: 1001 }, (_, i) => `f${i}`) }, 'paths must contain no more than 1000'],
  ])('POST /api/reservations/check refuses %s with a 400', async (_label, body, message) => {
    const answer = await api.post('/api/reservations/check').set('X-Agent-ID', 'carol').send(body).expect(400);
    expect(answer.body.message).toContain(message);
  });

  it('needs X-Agent-ID', async () => {
    await api
      .post('/api/reservations')
      .send({ paths: ['a'], ttl_s: 1, reason: 'r' })
      .expect(400);
    await api.get('/api/reservations').expect(400);
    await api
      .post('/api/reservations/check')
      .send({ paths: ['a'] })
      .expect(400);
  });

  describe('patterns', () => {
    it.each(OVERLAPS)('%j and %j overlap: %s', async (mine, theirs, overlap) => {
      await reserve('alice', { paths: [mine], ttl_s: 60, reason: 'first' }).expect(201);
      await reserve('bob', { paths: [theirs], ttl_s: 60, reason: 'second' }).expect(overlap ? 409 : 201);
      await api.delete('/api/reservations').set('X-Agent-ID', 'bob').expect(200);
      // Symmetric.
      await api.delete('/api/reservations').set('X-Agent-ID', 'alice').expect(200);
      await reserve('bob', { paths: [theirs], ttl_s: 60, reason: 'first' }).expect(201);
      await reserve('alice', { paths: [mine], ttl_s: 60, reason: 'second' }).expect(overlap ? 409 : 201);
    });

    it.each(COVERS)('%j covers %j: %s', async (pattern, path, covered) => {
      await reserve('alice', { paths: [pattern], ttl_s: 60, reason: 'r' }).expect(201);
      const answer = await check('bob', [path]).expect(200);
      expect(answer.body.reserved.map((r: { path: string }) => r.path)).toEqual(covered ? [path] : []);
      // What covers a path overlaps it, so list_reservations(path) shows it too; what does not
      // cover it may still overlap it ("src/a.ts" and "src"). Alice's is the one reservation.
      const byPath = await api.get('/api/reservations').query({ path }).set('X-Agent-ID', 'bob').expect(200);
      expect(byPath.body.total).toBeGreaterThanOrEqual(covered ? 1 : 0);
      expect(byPath.body.total).toBeLessThanOrEqual(1);
    });
  });
});

describe('reservation races across two coordinator processes', () => {
  let processes: CoordinatorProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.terminate()));
  });

  it('gives each contested path to exactly one of two agents reserving it at once', async () => {
    const env = { C3PO_KEY_PREFIX: uniquePrefix(), C3PO_WAIT_RECHECK_MS: NO_RECHECK_MS };
    processes = await Promise.all([CoordinatorProcess.start(env), CoordinatorProcess.start(env)]);
    const agents = await Promise.all(processes.map((p, i) => Agent.connect(p.url, `racer-${i}`)));
    try {
      const ROUNDS = 30;
      const outcomes = await Promise.all(
        Array.from({ length: ROUNDS }, (_, round) =>
          Promise.all(
            agents.map(async (agent, i) => {
              // Every other round, one side asks for a glob around the path the other asks for.
              const path = round % 2 === 0 || i === 0 ? `race/${round}/file.ts` : `race/${round}/**`;
              const outcome = await agent.call('reserve_files', { paths: [path], ttl_s: 60, reason: `round ${round}` });
              return outcome.isError ? null : agent.id;
            }),
          ),
        ),
      );
      for (const [round, winners] of outcomes.entries()) {
        const won = winners.filter((winner) => winner !== null);
        expect({ round, won: won.length }).toEqual({ round, won: 1 });
        const holders = await agents[0].ok('list_reservations', { path: `race/${round}` });
        expect(holders.reservations.map((r: { agent: string }) => r.agent)).toEqual(won);
      }
    } finally {
      await Promise.all(agents.map((agent) => agent.close()));
    }
  });
});
