import { agentMatches, bearerToken, hashKey, newApiKey, sameSecret } from './api-key.js';

describe('API key helpers', () => {
  it.each([
    ['laptop-*', 'laptop-1', true],
    ['laptop-*', 'laptop-', true],
    ['laptop-*', 'desktop-1', false],
    ['laptop-*', 'xlaptop-1', false],
    ['ci-runner', 'ci-runner', true],
    ['ci-runner', 'ci-runner2', false],
    ['ci.runner', 'ciXrunner', false],
    ['agent-?', 'agent-7', true],
    ['agent-?', 'agent-77', false],
    ['*', 'anyone', true],
    ['*-ci-*', 'team-ci-7', true],
    ['*-ci-*', 'team-ci', false],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'aXbYbZc', true],
    ['a*b*c', 'aXbYcZ', false],
    ['**x', 'x', true],
    ['?*', '', false],
    ['*?', 'a', true],
    ['laptop-*', 'LAPTOP-1', false],
  ])('matches %s against %s: %s', (pattern, id, expected) => {
    expect(agentMatches(pattern, id)).toBe(expected);
  });

  it('answers at once for a pattern with many stars and an id chosen to make a regex backtrack', () => {
    const started = Date.now();
    expect(agentMatches('*-*-*-*-*-*-*-*-*-*-*-*-*-*-*-x', '-'.repeat(64))).toBe(false);
    expect(agentMatches('*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(64))).toBe(false);
    expect(Date.now() - started).toBeLessThan(100);
  });

  it('makes keys that differ and hash to 64 hex characters', () => {
    const [a, b] = [newApiKey(), newApiKey()];
    expect(a).toMatch(/^c3po_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(hashKey(a)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBe('');
    expect(bearerToken(undefined)).toBe('');
    expect(bearerToken('Bearer a b')).toBe('');
  });

  it('compares secrets', () => {
    expect(sameSecret('x'.repeat(40), 'x'.repeat(40))).toBe(true);
    expect(sameSecret('x'.repeat(40), 'y'.repeat(40))).toBe(false);
    expect(sameSecret('short', 'x'.repeat(40))).toBe(false);
  });
});
