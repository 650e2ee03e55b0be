import { checkExposure } from './exposure.js';

const config = (C3PO_HOST: string, more: { token?: string; allow?: '0' | '1'; published?: string } = {}) => ({
  C3PO_HOST,
  C3PO_PORT: 8420,
  C3PO_ADMIN_TOKEN: more.token ?? '',
  C3PO_ALLOW_UNAUTHENTICATED: more.allow ?? '0',
  C3PO_PUBLISHED_ADDRESS: more.published ?? '',
});
const TOKEN = 'a'.repeat(64);

describe('checkExposure', () => {
  it.each(['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '::1', '::ffff:127.0.0.1'])(
    'starts on loopback address %s without keys',
    (host) => {
      expect(checkExposure(config(host))).toEqual({ verdict: 'ok' });
    },
  );

  it.each(['0.0.0.0', '::', '10.0.0.5', 'c3po.example.com', 'fd00::5', 'app.localhost', '128.0.0.1'])(
    'refuses non-loopback address %s without keys, saying how to set them up',
    (host) => {
      const check = checkExposure(config(host));
      expect(check.verdict).toBe('refuse');
      const message = (check as { message: string }).message;
      expect(message).toContain(`${host}:8420`);
      expect(message).toContain('C3PO_ADMIN_TOKEN');
      expect(message).toContain('openssl rand -hex 32');
      expect(message).toContain("npx c3po keys create --name laptop --agent 'laptop-*'");
      expect(message).toContain('C3PO_API_KEY');
      expect(message).toContain('C3PO_ALLOW_UNAUTHENTICATED=1');
    },
  );

  it('starts on a non-loopback address when keys are on', () => {
    expect(checkExposure(config('0.0.0.0', { token: TOKEN }))).toEqual({ verdict: 'ok' });
    expect(checkExposure(config('0.0.0.0', { token: TOKEN, allow: '1' }))).toEqual({ verdict: 'ok' });
  });

  it('starts with a warning on a non-loopback address when told to allow unauthenticated calls', () => {
    const check = checkExposure(config('0.0.0.0', { allow: '1' }));
    expect(check.verdict).toBe('warn');
    expect((check as { message: string }).message).toMatch(/without API keys.*C3PO_ADMIN_TOKEN/);
  });

  it('needs no allowance on loopback', () => {
    expect(checkExposure(config('127.0.0.1', { allow: '1' }))).toEqual({ verdict: 'ok' });
  });

  describe('in a container, judged by the address its port is published on', () => {
    it.each(['127.0.0.1', '::1', '[::1]', 'localhost'])(
      'starts bound to 0.0.0.0 without keys when published on loopback address %s',
      (published) => {
        expect(checkExposure(config('0.0.0.0', { published }))).toEqual({ verdict: 'ok' });
      },
    );

    it.each(['0.0.0.0', '::', '[::]', '10.0.0.5'])(
      'refuses to start without keys when published on %s, saying how to fix it in compose',
      (published) => {
        const check = checkExposure(config('0.0.0.0', { published }));
        expect(check.verdict).toBe('refuse');
        const message = (check as { message: string }).message;
        expect(message).toContain(`port 8420 published on ${published} (C3PO_PUBLISHED_ADDRESS)`);
        expect(message).toContain('`C3PO_ADMIN_TOKEN=$(openssl rand -hex 32) docker compose up -d`');
        expect(message).toContain("npx c3po keys create --name laptop --agent 'laptop-*'");
        expect(message).toContain('C3PO_API_KEY');
        expect(message).toContain('leave C3PO_PUBLISH_ADDRESS unset');
        expect(message).toContain('C3PO_ALLOW_UNAUTHENTICATED=1');
        expect(message).not.toContain('C3PO_HOST=127.0.0.1');
      },
    );

    it('refuses when published elsewhere even if bound to loopback: the published address is what others reach', () => {
      expect(checkExposure(config('127.0.0.1', { published: '0.0.0.0' })).verdict).toBe('refuse');
    });

    it('starts when published on 0.0.0.0 with keys on', () => {
      expect(checkExposure(config('0.0.0.0', { published: '0.0.0.0', token: TOKEN }))).toEqual({ verdict: 'ok' });
    });

    it('starts with a warning when published on 0.0.0.0 and told to allow unauthenticated calls', () => {
      const check = checkExposure(config('0.0.0.0', { published: '0.0.0.0', allow: '1' }));
      expect(check.verdict).toBe('warn');
      expect((check as { message: string }).message).toMatch(
        /published on 0\.0\.0\.0 .*without API keys.*C3PO_ADMIN_TOKEN/,
      );
    });
  });
});
