import {
  hostListed,
  isLoopbackName,
  normalizeOrigin,
  parseHost,
  parseHostList,
  parseOriginList,
} from './host-names.js';

describe('host names', () => {
  it.each([
    ['localhost:8420', 'localhost', '8420'],
    ['LocalHost', 'localhost', undefined],
    ['c3po.example.com.:443', 'c3po.example.com', '443'],
    ['[::1]:8420', '[::1]', '8420'],
    ['[0:0:0:0:0:0:0:1]', '[::1]', undefined],
    ['10.0.0.5', '10.0.0.5', undefined],
  ])('parses Host %s as %s, port %s', (header, name, port) => {
    expect(parseHost(header)).toEqual({ name, port });
  });

  it.each(['', 'a b', 'user@host', 'host/path', 'host:port', '::1', '[::1', 'host:123456', '999.1.1.1'])(
    'finds no host name in %j',
    (header) => {
      expect(parseHost(header)).toBeUndefined();
    },
  );

  it.each(['localhost', 'app.localhost', '127.0.0.1', '127.255.0.9', '[::1]', '[::ffff:7f00:1]'])(
    'counts %s as loopback',
    (name) => {
      expect(isLoopbackName(name)).toBe(true);
    },
  );

  it.each(['localhost.example.com', 'evil-localhost', '128.0.0.1', '0.0.0.0', '[::]', '[fd00::1]', '10.0.0.1'])(
    'does not count %s as loopback',
    (name) => {
      expect(isLoopbackName(name)).toBe(false);
    },
  );

  it('matches listed names exactly and *.domain entries below the domain only', () => {
    const list = parseHostList(' c3po.example.com, *.corp.example , 10.0.0.5,fd00::5,[fd00::6] ');
    expect(list.invalid).toEqual([]);
    for (const name of [
      'c3po.example.com',
      'a.corp.example',
      'a.b.corp.example',
      '10.0.0.5',
      '[fd00::5]',
      '[fd00::6]',
    ]) {
      expect(hostListed(parseHost(name)!.name, list)).toBe(true);
    }
    for (const name of ['example.com', 'x.c3po.example.com', 'corp.example', 'evilcorp.example', '10.0.0.6']) {
      expect(hostListed(parseHost(name)!.name, list)).toBe(false);
    }
  });

  it('rejects host list entries with ports, paths, stray wildcards or wildcards over addresses', () => {
    expect(
      parseHostList('ok.example,a.example:8420,https://b.example,*,c.*.example,*.10.0.0.1,*.[fd00::1]').invalid,
    ).toEqual(['a.example:8420', 'https://b.example', '*', 'c.*.example', '*.10.0.0.1', '*.[fd00::1]']);
  });

  it.each([
    ['https://App.Example.com', 'https://app.example.com'],
    ['https://app.example.com:443', 'https://app.example.com'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['http://[::1]:80', 'http://[::1]'],
  ])('normalizes origin %s to %s', (text, origin) => {
    expect(normalizeOrigin(text)).toBe(origin);
  });

  it.each([
    'null',
    'file://',
    'chrome-extension://abc',
    'https://a.example/path',
    'https://user@a.example',
    'a.example',
  ])('finds no http(s) origin in %s', (text) => {
    expect(normalizeOrigin(text)).toBeUndefined();
  });

  it('parses an origin list, keeping what is not an origin apart', () => {
    expect(parseOriginList('https://a.example, http://localhost:3000,null,*')).toEqual({
      origins: new Set(['https://a.example', 'http://localhost:3000']),
      invalid: ['null', '*'],
    });
  });
});
