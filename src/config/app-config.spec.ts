import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect({ ...loadConfig({}) }).toEqual({
      C3PO_PORT: 8420,
      C3PO_HOST: '127.0.0.1',
      REDIS_URL: '',
      C3PO_KEY_PREFIX: 'c3po',
      C3PO_REQUEST_TTL_S: 604800,
      C3PO_ONLINE_WINDOW_S: 90,
      C3PO_MAX_MESSAGE_BYTES: 65536,
      C3PO_LOG_FORMAT: 'text',
      C3PO_EXPIRED_KEEP_S: 86400,
      C3PO_DELIVERY_LEASE_S: 600,
      C3PO_MAX_DELIVERIES: 5,
      C3PO_LEASE_SWEEP_MS: 1000,
      C3PO_WAIT_RECHECK_MS: 5000,
      C3PO_PREVIEW_BYTES: 2000,
      C3PO_PAGE_MAX_BYTES: 100_000,
      C3PO_NUDGE_INTERVAL_S: 10,
      C3PO_REDIS_TIMEOUT_MS: 1000,
      C3PO_MARKER_CHECK_MS: 5000,
      C3PO_DATA_DIR: 'data',
      C3PO_ADMIN_TOKEN: '',
      C3PO_MAX_API_KEYS: 1000,
      C3PO_ALLOW_UNAUTHENTICATED: '0',
      C3PO_PUBLISHED_ADDRESS: '',
      C3PO_ALLOWED_HOSTS: '',
      C3PO_ALLOWED_ORIGINS: '',
      C3PO_TLS_CERT_FILE: '',
      C3PO_TLS_KEY_FILE: '',
      C3PO_INBOX_MAX_REQUESTS: 1000,
      C3PO_INBOX_MAX_BYTES: 16777216,
      C3PO_SENDS_PER_MINUTE: 60,
      C3PO_MAX_AGENTS: 10000,
      C3PO_MAX_AGENTS_PER_KEY: 100,
      C3PO_MAX_WAITS_PER_AGENT: 10,
      C3PO_PUSH_BATCH_MS: 500,
      C3PO_PUSH_HEARTBEAT_S: 15,
      C3PO_MAX_PUSH_SESSIONS_PER_AGENT: 10,
      C3PO_MESSAGE_TTL_S: 86400,
      C3PO_MAILBOX_MAX_MESSAGES: 1000,
      C3PO_MAX_TOPICS_PER_AGENT: 100,
      C3PO_TIMELINE_MAX_MESSAGES: 10000,
      C3PO_AUDIT_MAX_ENTRIES: 100000,
      C3PO_AUDIT_REFUSALS_PER_S: 20,
      C3PO_MAX_FINDINGS: 1000,
      C3PO_MAX_RESERVATIONS: 1000,
      C3PO_MAX_RESERVATIONS_PER_AGENT: 100,
      C3PO_MAX_RESERVATION_TTL_S: 86400,
      C3PO_MAX_TASKS_PER_BOARD: 1000,
      C3PO_MAX_BOARDS: 100,
      C3PO_TASK_LEASE_S: 300,
      C3PO_TASK_MAX_ATTEMPTS: 3,
      C3PO_TASK_KEEP_S: 604800,
    });
  });

  it('reads numbers and strings from the environment', () => {
    const config = loadConfig({ C3PO_PORT: '9000', REDIS_URL: 'redis://redis:6379/2', C3PO_ONLINE_WINDOW_S: '30' });
    expect(config.C3PO_PORT).toBe(9000);
    expect(config.REDIS_URL).toBe('redis://redis:6379/2');
    expect(config.C3PO_ONLINE_WINDOW_S).toBe(30);
  });

  it.each([
    ['C3PO_PORT', 'eighty'],
    ['C3PO_PORT', '70000'],
    ['REDIS_URL', 'localhost:6379'],
    ['C3PO_KEY_PREFIX', 'has space'],
    ['C3PO_REQUEST_TTL_S', '0'],
    ['C3PO_DELIVERY_LEASE_S', '0'],
    ['C3PO_MAX_DELIVERIES', 'five'],
    ['C3PO_ONLINE_WINDOW_S', '1.5'],
    ['C3PO_MAX_MESSAGE_BYTES', '-1'],
    ['C3PO_LOG_FORMAT', 'xml'],
    ['C3PO_REDIS_TIMEOUT_MS', '0'],
    ['C3PO_MARKER_CHECK_MS', 'often'],
    ['C3PO_ALLOW_UNAUTHENTICATED', 'yes'],
    ['C3PO_PUBLISHED_ADDRESS', '127.0.0.1:8420'],
    ['C3PO_PUBLISHED_ADDRESS', '0.0.0.0 127.0.0.1'],
    ['C3PO_ALLOWED_HOSTS', 'a b'],
    ['C3PO_ALLOWED_HOSTS', 'c3po.example.com:8420'],
    ['C3PO_ALLOWED_HOSTS', '*'],
    ['C3PO_ALLOWED_ORIGINS', 'null'],
    ['C3PO_ALLOWED_ORIGINS', 'app.example.com'],
    ['C3PO_SENDS_PER_MINUTE', '0'],
    ['C3PO_AUDIT_REFUSALS_PER_S', '0'],
    ['C3PO_NUDGE_INTERVAL_S', '-1'],
    ['C3PO_NUDGE_INTERVAL_S', '3601'],
    ['C3PO_MAX_FINDINGS', '0'],
    ['C3PO_MAX_FINDINGS', '100001'],
    ['C3PO_MAX_RESERVATIONS', '0'],
    ['C3PO_MAX_RESERVATIONS_PER_AGENT', 'many'],
    ['C3PO_MAX_RESERVATION_TTL_S', '0'],
    ['C3PO_MESSAGE_TTL_S', '604801'],
    ['C3PO_MAILBOX_MAX_MESSAGES', '0'],
    ['C3PO_MAX_TOPICS_PER_AGENT', 'many'],
    ['C3PO_TIMELINE_MAX_MESSAGES', '-5'],
    ['C3PO_MAX_TASKS_PER_BOARD', '0'],
    ['C3PO_MAX_BOARDS', 'many'],
    ['C3PO_TASK_LEASE_S', '0'],
    ['C3PO_TASK_MAX_ATTEMPTS', '0'],
    ['C3PO_TASK_KEEP_S', '59'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}="${value.replace('.', '\\.')}"`));
  });

  it('refuses a bad admin token or Redis URL without writing the secret in it to the log', () => {
    expect(() => loadConfig({ C3PO_ADMIN_TOKEN: 'short-secret' })).toThrow(
      'C3PO_ADMIN_TOKEN=<12 characters, not shown>: C3PO_ADMIN_TOKEN must be 32-256 characters',
    );
    const redis = () => loadConfig({ REDIS_URL: 'redis://:s3cret word@redis-host:6379' });
    expect(redis).toThrow('REDIS_URL="redis://***@redis-host:6379": REDIS_URL must look like');
    expect(redis).not.toThrow(/s3cret/);
  });

  it('names the entries of an allowed list that are not hosts or origins', () => {
    expect(() => loadConfig({ C3PO_ALLOWED_HOSTS: 'ok.example,c3po.example.com:8420' })).toThrow(
      "not host names without a port: 'c3po.example.com:8420'; list names such as",
    );
    expect(() => loadConfig({ C3PO_ALLOWED_ORIGINS: 'https://ok.example,null,*' })).toThrow(
      "not http(s) origins: 'null', '*'; list origins such as",
    );
  });

  it.each(['127.0.0.1', '0.0.0.0', '::', '[::1]', 'localhost'])('takes C3PO_PUBLISHED_ADDRESS=%s', (address) => {
    expect(loadConfig({ C3PO_PUBLISHED_ADDRESS: address }).C3PO_PUBLISHED_ADDRESS).toBe(address);
  });

  it.each([
    ['C3PO_TLS_CERT_FILE', 'C3PO_TLS_KEY_FILE'],
    ['C3PO_TLS_KEY_FILE', 'C3PO_TLS_CERT_FILE'],
  ])('refuses %s without %s, naming both', (set, unset) => {
    expect(() => loadConfig({ [set]: '/etc/c3po/tls.pem' })).toThrow(
      `${unset} is unset: set C3PO_TLS_CERT_FILE and C3PO_TLS_KEY_FILE together (or neither, for plain HTTP)`,
    );
  });

  it('takes both TLS files together', () => {
    const config = loadConfig({ C3PO_TLS_CERT_FILE: '/tls/cert.pem', C3PO_TLS_KEY_FILE: '/tls/key.pem' });
    expect([config.C3PO_TLS_CERT_FILE, config.C3PO_TLS_KEY_FILE]).toEqual(['/tls/cert.pem', '/tls/key.pem']);
  });
});
