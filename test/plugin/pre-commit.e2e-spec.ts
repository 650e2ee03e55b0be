import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { dirname, join } from 'node:path';
import request from 'supertest';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { freePort } from '../support/redis-server.js';
import { ProgramRun, runProgram } from '../support/run-program.js';
import { HOST_TOOLS, hostPath, listenOnLoopback, PLUGIN_ROOT, removeScratchDirs, scratchDir } from './plugin-host.js';

const HOOK = join(PLUGIN_ROOT, 'scripts/pre-commit.sh');
const ADMIN_TOKEN = 'pre-commit-test-admin-token-0123456789abcdef';
/** What the hook may run on a host: the hooks' tools, git (it is a git hook) and readlink (to follow its symlink). */
const GIT_HOOK_TOOLS = [...HOST_TOOLS, 'git', 'readlink'];
const HEADER = 'c3po: this commit touches paths other agents have reserved (advisory: the commit goes ahead):';
const FOOTER = 'c3po: check with them (send_request) before pushing; list_reservations shows every reservation.';

/** Where a program is on this machine (the tests run git and curl by their full path). */
function programPath(name: string): string {
  const found = ['/usr/local/bin', '/usr/bin', '/bin'].map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (!found) {
    throw new Error(`the pre-commit hook tests need ${name} on this machine`);
  }
  return found;
}

/**
 * A throwaway repository in a folder named `folder` (so its agent id is that name), with the
 * pre-commit hook installed as a symlink or a one-line wrapper, as plugin/README.md says, and
 * committed to with a PATH of GIT_HOOK_TOOLS only: no node.
 */
class Repo {
  private readonly home = scratchDir();
  readonly dir: string;

  private constructor(folder: string) {
    this.dir = join(this.home, folder);
    mkdirSync(this.dir);
  }

  static async create(folder: string, install: 'symlink' | 'wrapper' = 'symlink'): Promise<Repo> {
    const repo = new Repo(folder);
    await repo.git(['init', '-q']);
    await repo.git(['config', 'user.name', 'Test']);
    await repo.git(['config', 'user.email', 'test@example.com']);
    const hook = join(repo.dir, '.git/hooks/pre-commit');
    if (install === 'symlink') {
      symlinkSync(HOOK, hook);
    } else {
      writeFileSync(hook, `#!/bin/sh\nexec sh "${HOOK}"\n`);
      chmodSync(hook, 0o755);
    }
    return repo;
  }

  git(args: string[], env: Record<string, string> = {}): Promise<ProgramRun> {
    return runProgram(programPath('git'), args, {
      cwd: this.dir,
      env: { PATH: hostPath(GIT_HOOK_TOOLS), HOME: this.home, GIT_CONFIG_NOSYSTEM: '1', ...env },
    });
  }

  /** Writes and stages the files, then commits them with the hook's environment. */
  async commit(files: string[], env: Record<string, string>): Promise<ProgramRun> {
    for (const file of files) {
      mkdirSync(dirname(join(this.dir, file)), { recursive: true });
      writeFileSync(join(this.dir, file), `${file} ${Math.random()}\n`);
    }
    await this.git(['add', '--', ...files]);
    return this.git(['commit', '-q', '-m', `touch ${files.join(' ')}`], env);
  }

  async commits(): Promise<number> {
    return Number((await this.git(['rev-list', '--count', 'HEAD'])).stdout.trim());
  }
}

describe('the git pre-commit hook', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  const reserve = async (agent: string, body: object) =>
    (await api.post('/api/reservations').set('X-Agent-ID', agent).send(body).expect(201)).body;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
  });

  afterAll(async () => {
    await coordinator.close();
    removeScratchDirs();
  });

  it('warns about each staged path another agent reserved (who, until when, why), and commits', async () => {
    const auth = await reserve('alice', { paths: ['src/auth/**'], ttl_s: 600, reason: 'auth rewrite' });
    const docs = await reserve('bob', { paths: ['docs'], ttl_s: 600, exclusive: false, reason: 'docs pass' });
    const repo = await Repo.create('warned');
    const run = await repo.commit(['src/auth/login.ts', 'docs/guide/a.md', 'other.txt'], {
      C3PO_COORDINATOR_URL: coordinator.url,
    });
    expect(run).toEqual({
      code: 0,
      stdout: '',
      stderr: [
        HEADER,
        `  docs/guide/a.md: reserved by 'bob' until ${docs.expires_at} (shared, docs): docs pass`,
        `  src/auth/login.ts: reserved by 'alice' until ${auth.expires_at} (exclusive, src/auth/**): auth rewrite`,
        FOOTER,
        '',
      ].join('\n'),
    });
    expect(await repo.commits()).toBe(1);
  });

  it('says nothing about paths reserved by nobody, or by the committing agent itself', async () => {
    // The hook's agent id is the repository folder's name, as the session's is the project folder's.
    await reserve('quiet', { paths: ['mine/**'], ttl_s: 600, reason: 'my own work' });
    const repo = await Repo.create('quiet');
    const run = await repo.commit(['mine/x.ts', 'free.txt'], { C3PO_COORDINATOR_URL: coordinator.url });
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
    // C3PO_AGENT_ID names the agent instead, as it does for the session.
    const other = await Repo.create('elsewhere');
    const named = await other.commit(['mine/y.ts'], { C3PO_COORDINATOR_URL: coordinator.url, C3PO_AGENT_ID: 'quiet' });
    expect(named).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await repo.commits()).toBe(1);
  });

  it('shows a reason as text: quotes and backslashes read back, no control character reaches the terminal', async () => {
    await reserve('mallory', {
      paths: ['term'],
      ttl_s: 600,
      reason: 'say "hi" \\ then \u001b[31mred\u001b[0m and \u009b2J',
    });
    const repo = await Repo.create('terminal');
    const run = await repo.commit(['term/a.txt'], { C3PO_COORDINATOR_URL: coordinator.url });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(': say "hi" \\ then \\u001b[31mred\\u001b[0m and 2J\n');
    // eslint-disable-next-line no-control-regex
    expect(run.stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u0080-\u009f]/);
  });

  it('works installed as a one-line wrapper instead of a symlink', async () => {
    await reserve('alice', { paths: ['wrapped.txt'], ttl_s: 600, reason: 'wrapping' });
    const repo = await Repo.create('wrapper-install', 'wrapper');
    const run = await repo.commit(['wrapped.txt'], { C3PO_COORDINATOR_URL: coordinator.url });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("  wrapped.txt: reserved by 'alice' until ");
  });

  describe('never stands in the way', () => {
    let silent: Server;
    let silentUrl: string;

    beforeAll(async () => {
      // Takes the connection and never answers.
      silent = createServer(() => undefined);
      silentUrl = await listenOnLoopback(silent);
      await reserve('alice', { paths: ['away'], ttl_s: 600, reason: 'held' });
    });

    afterAll(() => {
      silent.closeAllConnections();
      silent.close();
    });

    it.each<[string, () => Record<string, string> | Promise<Record<string, string>>]>([
      ['the coordinator is down', async () => ({ C3PO_COORDINATOR_URL: `http://127.0.0.1:${await freePort()}` })],
      ['the coordinator does not answer', () => ({ C3PO_COORDINATOR_URL: silentUrl, C3PO_HOOK_TIMEOUT_S: '1' })],
      ['the URL is no URL', () => ({ C3PO_COORDINATOR_URL: 'not a url' })],
      ['the coordinator refuses the call', () => ({ C3PO_COORDINATOR_URL: `${coordinator.url}/nowhere` })],
    ])('commits silently, exit 0, when %s', async (_label, env) => {
      const repo = await Repo.create('away-repo');
      expect(await repo.commit(['away/a.txt'], await env())).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await repo.commits()).toBe(1);
    });

    it('commits silently without curl on PATH', async () => {
      const repo = await Repo.create('no-curl');
      const run = await repo.commit(['away/b.txt'], {
        C3PO_COORDINATOR_URL: coordinator.url,
        PATH: hostPath(GIT_HOOK_TOOLS.filter((tool) => tool !== 'curl')),
      });
      expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await repo.commits()).toBe(1);
    });
  });

  describe('with API keys on', () => {
    let keyed: Coordinator;

    beforeAll(async () => {
      keyed = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN });
    });

    afterAll(() => keyed.close());

    const keyFor = async (agent: string) =>
      (
        await request(keyed.url)
          .post('/api/admin/keys')
          .set('Authorization', `Bearer ${ADMIN_TOKEN}`)
          .send({ name: agent, agent })
          .expect(201)
      ).body.key as string;

    it("sends C3PO_API_KEY in a header, never on curl's command line, and says nothing when it is refused", async () => {
      const aliceKey = await keyFor('alice');
      await request(keyed.url)
        .post('/api/reservations')
        .set('X-Agent-ID', 'alice')
        .set('Authorization', `Bearer ${aliceKey}`)
        .send({ paths: ['keyed'], ttl_s: 600, reason: 'with a key' })
        .expect(201);
      const repoKey = await keyFor('keyed-repo');
      // curl as a wrapper that writes down its arguments, then runs the real one.
      const bin = hostPath(GIT_HOOK_TOOLS.filter((tool) => tool !== 'curl'));
      const argsFile = join(scratchDir(), 'curl-args');
      writeFileSync(
        join(bin, 'curl'),
        `#!/bin/sh\nprintf '%s\\n' "$@" >>'${argsFile}'\nexec ${programPath('curl')} "$@"\n`,
      );
      chmodSync(join(bin, 'curl'), 0o755);
      const repo = await Repo.create('keyed-repo');

      const run = await repo.commit(['keyed/a.txt'], {
        C3PO_COORDINATOR_URL: keyed.url,
        C3PO_API_KEY: ` ${repoKey} `,
        PATH: bin,
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toContain("  keyed/a.txt: reserved by 'alice' until ");
      const args = readFileSync(argsFile, 'utf8');
      expect(args).toContain('/api/reservations/check');
      expect(args).not.toContain(repoKey);

      const refused = await repo.commit(['keyed/b.txt'], {
        C3PO_COORDINATOR_URL: keyed.url,
        C3PO_API_KEY: 'c3po_not-a-key',
        PATH: bin,
      });
      expect(refused).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(await repo.commits()).toBe(2);
    });
  });
});
