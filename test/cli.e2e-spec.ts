import { accessSync, constants, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';
import { freePort } from './support/redis-server.js';
import { ProgramRun, runProgram } from './support/run-program.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
const CLI = resolve(REPO_ROOT, 'bin/c3po.mjs');
const ADMIN_TOKEN = 'cli-test-admin-token-0123456789abcdef0123456789';
/** One line on stderr, as every failure of the CLI must be. */
const ONE_LINE = /^c3po: [^\n]+\n$/;

interface AuditEntry {
  id: string;
  time: string;
  action: string;
  outcome: string;
  agent: string;
  key: string;
  detail: string;
}

type Run = ProgramRun;

/**
 * Runs `command` (the CLI by default) as an operator would, with only `env` and a PATH: a
 * developer's own C3PO_ADMIN_TOKEN must not leak in. Asynchronous, since the coordinator under
 * test answers from this same process.
 */
function run(args: string[], env: Record<string, string>, command = [process.execPath, CLI]): Promise<Run> {
  return runProgram(command[0], [...command.slice(1), ...args], {
    cwd: REPO_ROOT,
    env: { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: process.env.HOME ?? '/tmp', ...env },
  });
}

/** The rows of one of the CLI's tables, split at the header's column starts. */
function parseTable(text: string): Record<string, string>[] {
  const [header, ...rows] = text.trimEnd().split('\n');
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((match) => match.index);
  const names = starts.map((start, i) => header.slice(start, starts[i + 1]).trim());
  for (const row of rows) {
    // Aligned: every column starts where its header does, after at least two spaces.
    starts.slice(1).forEach((start) => expect(row.slice(start - 2, start)).toBe('  '));
  }
  return rows.map((row) =>
    Object.fromEntries(names.map((name, i) => [name, row.slice(starts[i], starts[i + 1]).trim()])),
  );
}

describe('c3po CLI', () => {
  let coordinator: Coordinator;
  let admin: Record<string, string>;
  const c3po = (...args: string[]) => run(args, admin);

  /** An agent call as a host makes it with `key`; resolves with the HTTP status. */
  async function agentCall(agentId: string, key: string): Promise<number> {
    const response = await fetch(`${coordinator.url}/api/agents`, {
      headers: { 'X-Agent-ID': agentId, Authorization: `Bearer ${key}` },
    });
    return response.status;
  }

  async function createKey(name: string, agent: string): Promise<{ id: string; key: string; created_at: string }> {
    const created = await c3po('keys', 'create', '--name', name, '--agent', agent, '--json');
    expect(created).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(created.stdout);
  }

  beforeAll(async () => {
    // Refusals unthrottled: a test below buries an entry behind 1,200 of them (audit-flood tests the throttle).
    coordinator = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN, C3PO_AUDIT_REFUSALS_PER_S: '100000' });
    admin = { C3PO_COORDINATOR_URL: coordinator.url, C3PO_ADMIN_TOKEN: ADMIN_TOKEN };
  });

  afterAll(async () => {
    await coordinator.close();
  });

  describe('keys create', () => {
    it('prints the new key once, with the lines to set on the host, and the key works', async () => {
      const created = await c3po('keys', 'create', '--name', 'laptop', '--agent', 'laptop-*');
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect(created.stdout).toContain('for agent ids matching laptop-*');
      expect(created.stdout).toContain('shown once: store it now');
      const key = /^ {2}(c3po_\S+)$/m.exec(created.stdout)?.[1];
      expect(key).toBeDefined();
      expect(created.stdout).toContain(`\n  export C3PO_API_KEY=${key}\n`);
      expect(created.stdout).toMatch(/^ {2}export C3PO_AGENT_ID=laptop-1 +# or any other id matching laptop-\*$/m);

      expect(await agentCall('laptop-1', key!)).toBe(200);
      expect(await agentCall('desktop', key!)).toBe(403);
      const listed = await c3po('keys', 'list');
      expect(listed.stdout).toContain('laptop');
      expect(listed.stdout).not.toContain(key!);
    });

    it('gives the exact C3PO_AGENT_ID for a pattern without wildcards', async () => {
      const created = await c3po('keys', 'create', '--name', 'ci', '--agent', 'ci-runner');
      expect(created.stdout).toMatch(/^ {2}export C3PO_AGENT_ID=ci-runner$/m);
    });

    it("prints the coordinator's message when it refuses the key", async () => {
      await createKey('twice', 'twice');
      const again = await c3po('keys', 'create', '--name', 'twice', '--agent', 'twice');
      expect(again.code).toBe(1);
      expect(again.stdout).toBe('');
      expect(again.stderr).toMatch(ONE_LINE);
      expect(again.stderr).toMatch(/^c3po: coordinator refused: .*twice.* \(HTTP 4\d\d\)\n$/);
    });
  });

  describe('keys list', () => {
    it('shows each key with its agent pattern and when it was last used, in aligned columns', async () => {
      const used = await createKey('list-used', 'used-*');
      const unused = await createKey('list-unused', 'unused');
      expect(await agentCall('used-1', used.key)).toBe(200);

      const listed = await c3po('keys', 'list');
      expect(listed).toMatchObject({ code: 0, stderr: '' });
      expect(listed.stdout).toMatch(/^NAME +AGENTS +ID +CREATED +LAST USED\n/);
      const rows = parseTable(listed.stdout);
      const byName = Object.fromEntries(rows.map((row) => [row.NAME, row]));
      expect(byName['list-used']).toMatchObject({ AGENTS: 'used-*', ID: used.id });
      expect(byName['list-used']['LAST USED']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
      expect(byName['list-unused']).toMatchObject({ AGENTS: 'unused', ID: unused.id, 'LAST USED': 'never' });
      expect(byName['list-unused'].CREATED).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    });
  });

  describe('keys revoke', () => {
    it('revokes by name and by id, and the revoked keys stop working at once', async () => {
      const byName = await createKey('revoke-by-name', 'rn');
      const byId = await createKey('revoke-by-id', 'ri');
      expect(await agentCall('rn', byName.key)).toBe(200);

      const first = await c3po('keys', 'revoke', 'revoke-by-name');
      expect(first).toMatchObject({ code: 0, stderr: '' });
      expect(first.stdout).toMatch(/^Revoked key "revoke-by-name" \(id \S+, agents rn\) at \d{4}-.*\n$/);
      const second = await c3po('keys', 'revoke', byId.id);
      expect(second).toMatchObject({ code: 0, stderr: '' });
      expect(second.stdout).toContain(`Revoked key "revoke-by-id" (id ${byId.id}, agents ri)`);

      expect(await agentCall('rn', byName.key)).toBe(401);
      expect(await agentCall('ri', byId.key)).toBe(401);
      const names = parseTable((await c3po('keys', 'list')).stdout).map((row) => row.NAME);
      expect(names).not.toContain('revoke-by-name');
      expect(names).not.toContain('revoke-by-id');
    });

    it("fails in one line with the coordinator's message for an unknown key", async () => {
      const unknown = await c3po('keys', 'revoke', 'no-such-key');
      expect(unknown.code).toBe(1);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toMatch(/^c3po: coordinator refused: [^\n]+ \(HTTP 404\)\n$/);
    });
  });

  describe('--json', () => {
    it("prints the admin API's own answers", async () => {
      const created = await createKey('json', 'json-*');
      expect(Object.keys(created)).toEqual(
        expect.arrayContaining(['agent_pattern', 'created_at', 'id', 'key', 'name']),
      );
      expect(created).toMatchObject({ name: 'json', agent_pattern: 'json-*', key: expect.stringMatching(/^c3po_/) });

      const listed = JSON.parse((await c3po('keys', 'list', '--json')).stdout);
      const entry = listed.keys.find((key: { name: string }) => key.name === 'json');
      expect(entry).toEqual({
        id: created.id,
        name: 'json',
        agent_pattern: 'json-*',
        created_at: created.created_at,
        last_used_at: null,
      });

      const revoked = JSON.parse((await c3po('keys', 'revoke', 'json', '--json')).stdout);
      expect(revoked).toEqual({
        id: created.id,
        name: 'json',
        agent_pattern: 'json-*',
        revoked_at: expect.any(String),
      });

      const audit = JSON.parse((await c3po('audit', '--limit', '2', '--json')).stdout);
      expect(Object.keys(audit).sort()).toEqual(['entries', 'next_before']);
      expect(audit.entries).toHaveLength(2);
      for (const item of audit.entries) {
        expect(Object.keys(item).sort()).toEqual(['action', 'agent', 'detail', 'id', 'key', 'outcome', 'time']);
      }
    });
  });

  describe('audit', () => {
    /** `c3po audit --json` once `found` holds: audit writes are fire-and-forget. */
    async function auditOnce(found: (entries: AuditEntry[]) => boolean, ...args: string[]): Promise<AuditEntry[]> {
      let entries: AuditEntry[] = [];
      await eventually(
        async () => {
          entries = JSON.parse((await c3po('audit', '--json', ...args)).stdout).entries;
          return found(entries);
        },
        `audit entries for ${args.join(' ')}`,
      );
      return entries;
    }

    it('lists the key changes newest first, filters them, and pages back with --before', async () => {
      const { id } = await createKey('audited', 'audited');
      await c3po('keys', 'revoke', 'audited');

      const keyChanges = await auditOnce(
        (entries) => entries.some((e) => e.action === 'key.revoke' && e.key === 'audited'),
        '--action',
        'key',
      );
      expect(keyChanges.every((entry) => entry.action.startsWith('key'))).toBe(true);
      const [revoke, create] = keyChanges.filter((entry) => entry.key === 'audited');
      expect(revoke).toMatchObject({ action: 'key.revoke', outcome: 'ok', detail: expect.stringContaining(id) });
      expect(create).toMatchObject({ action: 'key.create', outcome: 'ok', detail: expect.stringContaining(id) });
      expect(Date.parse(revoke.time)).toBeGreaterThanOrEqual(Date.parse(create.time));

      const text = await c3po('audit', '--action', 'key', '--limit', '1');
      expect(text).toMatchObject({ code: 0, stderr: '' });
      expect(text.stdout).toMatch(/^TIME +ACTION +OUTCOME +AGENT +KEY +DETAIL +ID\n/);
      const [newest] = parseTable(text.stdout.split('\nOlder entries:')[0]);
      expect(newest).toMatchObject({ ACTION: 'key.revoke', OUTCOME: 'ok', AGENT: '-', KEY: 'audited', ID: revoke.id });
      expect(newest.DETAIL).toContain(id);
      const more = /^Older entries: c3po audit --limit 1 --action key --before (\S+)$/m.exec(text.stdout);
      expect(more).not.toBeNull();

      const older = await c3po('audit', '--limit', '1', '--action', 'key', '--before', more![1]);
      const [next] = parseTable(older.stdout.split('\nOlder entries:')[0]);
      expect(next).toMatchObject({ ACTION: 'key.create', KEY: 'audited', ID: create.id });
    });

    it('records refused agent calls, and --agent finds them', async () => {
      expect(await agentCall('intruder', 'c3po_not-a-key')).toBe(401);
      const found = await auditOnce((entries) => entries.length > 0, '--agent', 'intruder');
      expect(found.every((entry) => entry.agent === 'intruder')).toBe(true);
      expect(found[0]).toMatchObject({ action: 'refused.key', outcome: 'invalid key' });
    });

    it('--agent finds an entry behind more newer entries than the coordinator reads per page', async () => {
      expect(await agentCall('buried', 'c3po_not-a-key')).toBe(401);
      await auditOnce((entries) => entries.length > 0, '--agent', 'buried');
      // The coordinator reads at most 10 × limit + 1,000 entries per page of a filtered query.
      for (let sent = 0; sent < 1200; sent += 50) {
        await Promise.all(Array.from({ length: 50 }, () => agentCall('noise', 'c3po_not-a-key')));
      }
      await auditOnce((entries) => entries.length === 1, '--agent', 'noise', '--limit', '1');
      const text = await c3po('audit', '--agent', 'buried', '--limit', '1');
      expect(text).toMatchObject({ code: 0, stderr: '' });
      const [row] = parseTable(text.stdout.split('\nOlder entries:')[0]);
      expect(row).toMatchObject({ ACTION: 'refused.key', AGENT: 'buried' });
      const json = JSON.parse((await c3po('audit', '--agent', 'buried', '--json')).stdout);
      expect(json.entries.map((entry: AuditEntry) => entry.agent)).toEqual(['buried']);
      expect(json.next_before).toBeNull();
    });
  });

  describe('failures: one line on stderr, never a stack', () => {
    it("exits 1 with the coordinator's message for a wrong admin token", async () => {
      const wrong = await run(['keys', 'list'], { ...admin, C3PO_ADMIN_TOKEN: 'not-the-token' });
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toBe('');
      expect(wrong.stderr).toMatch(/^c3po: coordinator refused: [^\n]+ \(HTTP 403\)\n$/);
    });

    it('exits 1 and says which variable to set when the admin token is missing', async () => {
      for (const token of [undefined, '  ']) {
        const env = {
          C3PO_COORDINATOR_URL: coordinator.url,
          ...(token === undefined ? {} : { C3PO_ADMIN_TOKEN: token }),
        };
        expect(await run(['keys', 'list'], env)).toEqual({
          code: 1,
          stdout: '',
          stderr: "c3po: set C3PO_ADMIN_TOKEN to the coordinator's admin token\n",
        });
      }
    });

    it("exits 1 with the coordinator's message when its admin API is off", async () => {
      const plain = await startCoordinator();
      try {
        const off = await run(['audit'], { C3PO_COORDINATOR_URL: plain.url, C3PO_ADMIN_TOKEN: ADMIN_TOKEN });
        expect(off.code).toBe(1);
        expect(off.stderr).toMatch(/^c3po: coordinator refused: [^\n]+ \(HTTP 403\)\n$/);
      } finally {
        await plain.close();
      }
    });

    it('exits 1 in one line when the coordinator is unreachable', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const down = await run(['keys', 'list'], { ...admin, C3PO_COORDINATOR_URL: url });
      expect(down).toEqual({ code: 1, stdout: '', stderr: `c3po: coordinator at ${url} unreachable (ECONNREFUSED)\n` });
      const flag = await run(['keys', 'list', '--url', url], admin);
      expect(flag.stderr).toBe(down.stderr);
    });

    it.each([
      [['frobnicate'], "unknown command 'frobnicate'"],
      [['keys'], 'keys needs a command: create, list or revoke'],
      [['keys', 'rotate'], "unknown keys command 'rotate'"],
      [['keys', 'create', '--name', 'x'], 'keys create needs --name NAME and --agent PATTERN'],
      [['keys', 'revoke'], 'keys revoke needs the name or id of one key'],
      [['keys', 'list', '--limit', '3'], 'keys list has no --limit option'],
      [['audit', '--limit', 'ten'], "--limit must be a positive whole number, not 'ten'"],
      [['audit', '--verbose'], "unknown option '--verbose'"],
    ])('exits 2 on a usage error: c3po %j', async (args, message) => {
      const usage = await run(args, {}); // no token, no coordinator: usage is checked first
      expect(usage.code).toBe(2);
      expect(usage.stdout).toBe('');
      expect(usage.stderr).toMatch(ONE_LINE);
      expect(usage.stderr).toContain(message);
      expect(usage.stderr).toContain('(see c3po --help)');
    });
  });

  describe('help and packaging', () => {
    it.each([[['--help']], [['help']], [['-h']], [[]], [['keys', 'list', '--help']]])(
      'prints usage for c3po %j',
      async (args) => {
        const help = await run(args, {});
        expect(help).toMatchObject({ code: 0, stderr: '' });
        expect(help.stdout).toMatch(/^Usage: c3po <command> \[options\]\n/);
        expect(help.stdout).toContain('keys create --name NAME --agent PATTERN');
        expect(help.stdout).toContain('C3PO_ADMIN_TOKEN');
      },
    );

    it('is the package\'s "c3po" bin, so `npx c3po` runs it', async () => {
      const { bin } = JSON.parse(readFileSync(resolve(REPO_ROOT, 'package.json'), 'utf8'));
      expect(resolve(REPO_ROOT, bin.c3po)).toBe(CLI);
      expect(readFileSync(CLI, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
      accessSync(CLI, constants.X_OK);
      const npx = await run(['exec', '--offline', '--', 'c3po', '--help'], { npm_config_update_notifier: 'false' }, [
        'npm',
      ]);
      expect(npx.code).toBe(0);
      expect(npx.stdout).toMatch(/^Usage: c3po /);
    });
  });
});
