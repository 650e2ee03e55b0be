import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniquePrefix } from './support/coordinator.js';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { clientKinds, type ClientKind } from './support/mcp-clients.js';
import { Host, removeScratchDirs, scratchDir } from './plugin/plugin-host.js';

const run = promisify(execFile);

/**
 * Runs one MCP tool call in a child process (test/support/mcp-call.ts). A child, not a client in
 * this process with a custom fetch: NODE_EXTRA_CA_CERTS, which the README tells hosts to set for
 * a self-signed certificate, is read only when Node starts, and it is what Claude Code relies on
 * (the hooks hand it to curl as --cacert), so the test trusts the certificate the way a host does.
 */
async function mcpCall(url: string, kind: ClientKind, tool: string, args: object, env: Record<string, string>) {
  try {
    const { stdout } = await run(
      process.execPath,
      ['test/support/mcp-call.ts', url, 'tls-asker', kind, tool, JSON.stringify(args)],
      { env: { PATH: process.env.PATH ?? '', ...env } },
    );
    return { ok: true, result: JSON.parse(stdout) as Record<string, any> };
  } catch (error) {
    return { ok: false, error: (error as { stderr: string }).stderr };
  }
}

describe('native TLS (C3PO_TLS_CERT_FILE, C3PO_TLS_KEY_FILE)', () => {
  let coordinator: CoordinatorProcess;
  let url: string;
  let cert: string;
  let key: string;

  beforeAll(async () => {
    const dir = scratchDir();
    cert = join(dir, 'cert.pem');
    key = join(dir, 'key.pem');
    // A certificate for both names a host may use; it is its own CA, as self-signed ones are.
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]);
    coordinator = await CoordinatorProcess.start({
      C3PO_KEY_PREFIX: uniquePrefix(),
      C3PO_TLS_CERT_FILE: cert,
      C3PO_TLS_KEY_FILE: key,
    });
    url = `https://localhost:${coordinator.port}`;
  });

  afterAll(async () => {
    await coordinator?.terminate();
    removeScratchDirs();
  });

  it('says https:// in its start-up line and serves no plain HTTP', async () => {
    expect(coordinator.output).toContainEqual(
      expect.stringContaining(`coordinator listening on https://127.0.0.1:${coordinator.port} (MCP at /mcp)`),
    );
    await expect(fetch(`http://127.0.0.1:${coordinator.port}/api/health/live`)).rejects.toThrow();
  });

  describe.each(clientKinds)('the MCP client %s', (kind) => {
    it('connects over https and calls a tool when it trusts the certificate', async () => {
      const call = await mcpCall(url, kind, 'list_agents', {}, { NODE_EXTRA_CA_CERTS: cert });
      expect(call).toEqual({ ok: true, result: expect.objectContaining({ agents: expect.any(Array) }) });
    });

    it('refuses the connection when it does not trust the certificate', async () => {
      const call = await mcpCall(url, kind, 'list_agents', {}, {});
      expect(call.ok).toBe(false);
      expect(call.error).toMatch(/SELF_SIGNED|certificate/i);
    });
  });

  describe('the plugin hooks', () => {
    it('reach it at https://localhost:PORT with NODE_EXTRA_CA_CERTS set', async () => {
      const host = new Host('tls-host', url, { NODE_EXTRA_CA_CERTS: cert });
      const start = await host.sessionStart('s-tls');
      expect(start).toMatchObject({ code: 0, stderr: '' });
      expect(start.json?.hookSpecificOutput.additionalContext).toContain(
        `you are agent "tls-host" on the coordinator at ${url}`,
      );
      // The registration went through: a request to the hook's agent is now accepted, and Stop sees it.
      const sent = await mcpCall(
        url,
        'client-2.x (2026-07-28)',
        'send_request',
        { target: 'tls-host', message: 'over TLS?' },
        { NODE_EXTRA_CA_CERTS: cert },
      );
      expect(sent).toEqual({ ok: true, result: expect.objectContaining({ request_id: expect.any(String) }) });
      const stop = await host.stop('s-tls', false);
      expect(stop).toMatchObject({ code: 0, stderr: '', json: { decision: 'block' } });
      expect(await host.sessionEnd('s-tls')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    });

    it('fail open without it: exit 0, nothing on stdout, one line on stderr', async () => {
      const host = new Host('tls-untrusting', url);
      for (const hook of [host.sessionStart('s-no-ca'), host.stop('s-no-ca', false), host.sessionEnd('s-no-ca')]) {
        const result = await hook;
        expect(result.code).toBe(0);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(
          new RegExp(
            `^c3po \\w+ hook skipped: coordinator at ${url} unreachable \\(its certificate is not trusted: ` +
              'set NODE_EXTRA_CA_CERTS to its CA file\\)\\n$',
          ),
        );
      }
    });
  });
});

describe('TLS files that cannot be used', () => {
  afterAll(removeScratchDirs);

  it('stop the start with exit 1 and the variable named', async () => {
    const missing = join(scratchDir(), 'missing.pem');
    const { code, output } = await CoordinatorProcess.runToExit({
      C3PO_KEY_PREFIX: uniquePrefix(),
      C3PO_TLS_CERT_FILE: missing,
      C3PO_TLS_KEY_FILE: missing,
    });
    expect(code).toBe(1);
    expect(output).toContainEqual(
      expect.stringContaining(`cannot start: cannot read C3PO_TLS_CERT_FILE (${missing}): ENOENT`),
    );
  });

  it('stop the start when only one of the two is set, naming both', async () => {
    const { code, output } = await CoordinatorProcess.runToExit({ C3PO_TLS_KEY_FILE: '/etc/c3po/key.pem' });
    expect(code).toBe(1);
    expect(output).toContainEqual(
      expect.stringContaining('C3PO_TLS_CERT_FILE is unset: set C3PO_TLS_CERT_FILE and C3PO_TLS_KEY_FILE together'),
    );
  });
});
