import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  validateSync,
  ValidateIf,
  ValidationArguments,
} from 'class-validator';
import { isAddress, parseHostList, parseOriginList } from '../security/host-names.js';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;

const TLS_PAIR_MESSAGE = 'set C3PO_TLS_CERT_FILE and C3PO_TLS_KEY_FILE together (or neither, for plain HTTP)';

const quoteList = (entries: string[]) => entries.map((entry) => `'${entry.slice(0, 100)}'`).join(', ');

/** The coordinator's settings, read once from the environment at start-up. */
export class AppConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  C3PO_PORT = 8420;

  @IsString()
  C3PO_HOST = '127.0.0.1';

  /**
   * Empty when unset: main.ts then starts an embedded redis-server and sets it. Kept a string
   * (not optional) so that everything built after start-up can rely on a URL being there.
   */
  @ValidateIf((config: AppConfig) => config.REDIS_URL !== '')
  @Matches(/^(redis|rediss|unix):\/\/\S+$/, {
    message: 'REDIS_URL must look like redis://host:port, rediss://host:port or unix:///path',
  })
  REDIS_URL = '';

  @Matches(/^[A-Za-z0-9._-]{1,32}$/, {
    message: 'C3PO_KEY_PREFIX must be 1-32 letters, digits, ".", "_" or "-"',
  })
  C3PO_KEY_PREFIX = 'c3po';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_REQUEST_TTL_S = 7 * 24 * 3600;

  /** How long a request stays readable (as expired) after its TTL, so its sender can learn its fate. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  C3PO_EXPIRED_KEEP_S = 24 * 3600;

  @Transform(toInt)
  @IsInt()
  @Min(10)
  C3PO_ONLINE_WINDOW_S = 90;

  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(16 * 1024 * 1024)
  C3PO_MAX_MESSAGE_BYTES = 64 * 1024;

  /** How long a handed-out request is its addressee's before it is queued again. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_DELIVERY_LEASE_S = 600;

  /** Hand-outs after which an unanswered request becomes undeliverable. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_DELIVERIES = 5;

  /** How often each process takes back requests whose lease ran out. */
  @Transform(toInt)
  @IsInt()
  @Min(10)
  C3PO_LEASE_SWEEP_MS = 1000;

  /** How often a blocked wait re-checks Redis (a lost wake-up costs at most this) and reports progress. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  C3PO_WAIT_RECHECK_MS = 5000;

  /** Longest message (and context) shown whole in a get_pending_requests page, in bytes. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  C3PO_PREVIEW_BYTES = 2000;

  /**
   * Bytes of text a page of check_messages, get_timeline, list_tasks/get_board or search_findings holds at most
   * (it always holds one entry): a model reads the page whole, and 100 entries of 64 KB would
   * not fit its context. The rest is on the next page.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1000)
  C3PO_PAGE_MAX_BYTES = 100_000;

  /**
   * Least time between two mid-turn nudges of one Claude Code session (its PostToolUse hook):
   * a nudge interrupts the step at hand, so a burst of requests makes one nudge, not one per tool call.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(3600)
  C3PO_NUDGE_INTERVAL_S = 10;

  @IsIn(['text', 'json'])
  C3PO_LOG_FORMAT: 'text' | 'json' = 'text';

  /** A stalled Redis fails each command after this long, so callers get a 503 instead of hanging. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  C3PO_REDIS_TIMEOUT_MS = 1000;

  /** How often to look for the data-loss marker (see RedisDurabilityService). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  C3PO_MARKER_CHECK_MS = 5000;

  /** Where the embedded Redis (REDIS_URL unset) keeps its AOF and socket. */
  @IsString()
  C3PO_DATA_DIR = 'data';

  /**
   * The operator's token for /api/admin and `npx c3po`. Setting it turns API keys on: every
   * agent call must then carry `Authorization: Bearer <key>` for its X-Agent-ID.
   */
  @ValidateIf((config: AppConfig) => config.C3PO_ADMIN_TOKEN !== '')
  @Matches(/^\S{32,256}$/, {
    message: 'C3PO_ADMIN_TOKEN must be 32-256 characters without spaces (openssl rand -hex 32)',
  })
  C3PO_ADMIN_TOKEN = '';

  /** API keys the coordinator keeps at most. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_API_KEYS = 1000;

  /** '1' lets a coordinator bound to a non-loopback address serve without keys (logged at start). */
  @IsIn(['0', '1'])
  C3PO_ALLOW_UNAUTHENTICATED: '0' | '1' = '0';

  /**
   * The address the port is reachable on from outside, when that is not C3PO_HOST: a container
   * listens on 0.0.0.0 but is reached where its port is published (docker-compose.yml sets this
   * to its C3PO_PUBLISH_ADDRESS). The exposure check at start-up judges this address instead.
   */
  @ValidateBy({
    name: 'address',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && (value === '' || isAddress(value)),
      defaultMessage: () =>
        'C3PO_PUBLISHED_ADDRESS must be an address without a port, such as 127.0.0.1, 0.0.0.0 or [::1]',
    },
  })
  C3PO_PUBLISHED_ADDRESS = '';

  /**
   * Host names accepted in the Host header besides loopback ones, comma-separated, without ports:
   * exact names (c3po.example.com, 10.0.0.5, [fd00::5]), or *.example.com for every name below it.
   */
  @ValidateBy({
    name: 'hostList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseHostList(value).invalid.length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `not host names without a port: ${quoteList(parseHostList(String(args?.value)).invalid)}; list names ` +
        'such as c3po.example.com, *.example.com, 10.0.0.5 or [fd00::5], separated by commas',
    },
  })
  C3PO_ALLOWED_HOSTS = '';

  /** Origins (scheme://host[:port]) accepted in an Origin header, comma-separated; none by default. */
  @ValidateBy({
    name: 'originList',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseOriginList(value).invalid.length === 0,
      defaultMessage: (args?: ValidationArguments) =>
        `not http(s) origins: ${quoteList(parseOriginList(String(args?.value)).invalid)}; list origins such as ` +
        'https://app.example.com or http://localhost:3000, separated by commas',
    },
  })
  C3PO_ALLOWED_ORIGINS = '';

  /** PEM files to serve HTTPS natively; both or neither. */
  @ValidateIf((config: AppConfig) => config.C3PO_TLS_KEY_FILE !== '')
  @IsNotEmpty({ message: TLS_PAIR_MESSAGE })
  @IsString()
  C3PO_TLS_CERT_FILE = '';

  @ValidateIf((config: AppConfig) => config.C3PO_TLS_CERT_FILE !== '')
  @IsNotEmpty({ message: TLS_PAIR_MESSAGE })
  @IsString()
  C3PO_TLS_KEY_FILE = '';

  /** Unanswered requests one inbox may hold. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_INBOX_MAX_REQUESTS = 1000;

  /** Bytes of message and context one inbox may hold. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  C3PO_INBOX_MAX_BYTES = 16 * 1024 * 1024;

  /** Requests one agent may send per minute (a token bucket in Redis, shared by all processes). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_SENDS_PER_MINUTE = 60;

  /** Agent records the coordinator keeps at most. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_AGENTS = 10_000;

  /** Agent ids one API key may use (a wildcard pattern must not be a way around C3PO_MAX_AGENTS). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_AGENTS_PER_KEY = 100;

  /** Blocked waits (wait_for_request, wait_for_response) one agent may hold at once, across processes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_WAITS_PER_AGENT = 10;

  /**
   * A push waits this long to gather what else arrives, and a push session gets at most one push
   * in this time: a burst of requests becomes one notice.
   */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  C3PO_PUSH_BATCH_MS = 500;

  /**
   * How often an open push stream sends a keep-alive, renews its session in Redis (a stream not
   * renewed for three of these counts as closed) and re-checks for a missed wake-up.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_PUSH_HEARTBEAT_S = 15;

  /** Push sessions (Claude Code sessions with push on) one agent may hold at once, across processes. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_PUSH_SESSIONS_PER_AGENT = 10;

  /** How long a message lives unless publish says (ttl_s): at most 7 days, as ttl_s. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 3600)
  C3PO_MESSAGE_TTL_S = 24 * 3600;

  /** Messages one mailbox may hold (undelivered, or awaiting the agent's ack). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAILBOX_MAX_MESSAGES = 1000;

  /** Topics one agent may subscribe to. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_TOPICS_PER_AGENT = 100;

  /** Messages the timeline keeps (the oldest are trimmed; expired ones leave it sooner). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_TIMELINE_MAX_MESSAGES = 10_000;

  /** Entries the audit stream keeps (older ones are trimmed). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  C3PO_AUDIT_MAX_ENTRIES = 100_000;

  /**
   * Refusal entries (refused.*) each process writes at most per second; the rest are counted.
   * 20: far above what an honest misconfiguration produces, and 100,000 entries then hold 80 min
   * of a flood on one process, where unthrottled they held 45 s.
   */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_AUDIT_REFUSALS_PER_S = 20;

  /** Findings kept (the oldest leave first); search_findings scans them all, so this bounds its cost too. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  C3PO_MAX_FINDINGS = 1000;

  /** Live file reservations the coordinator holds at most, all agents together; every reserve_files checks them all. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  C3PO_MAX_RESERVATIONS = 1000;

  /** Live file reservations one agent may hold. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_RESERVATIONS_PER_AGENT = 100;

  /** Longest ttl_s a reservation may be given (it can be renewed by reserving again). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_RESERVATION_TTL_S = 24 * 3600;
  /** Tasks one board holds, open and closed (closed ones leave C3PO_TASK_KEEP_S after they closed). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_TASKS_PER_BOARD = 1000;

  /** Task boards the coordinator holds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_MAX_BOARDS = 100;

  /** How long a claimed task is its claimer's; the claimer's activity renews it (see TaskSweeperService). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_TASK_LEASE_S = 300;

  /** Claims after which a task whose lease runs out, or that fails with retry, is failed for good. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  C3PO_TASK_MAX_ATTEMPTS = 3;

  /** How long a done or failed task stays on its board; a board without tasks, its plan untouched this long, goes too. */
  @Transform(toInt)
  @IsInt()
  @Min(60)
  C3PO_TASK_KEEP_S = 7 * 24 * 3600;
}

/**
 * A refused value as the start-up error quotes it, which lands in logs: never the admin token
 * (a mistyped one is usually the real one, cut or pasted with a space), nor a Redis password.
 */
function shown(name: string, value: string): string {
  if (name === 'C3PO_ADMIN_TOKEN') {
    return `<${value.length} characters, not shown>`;
  }
  return JSON.stringify(name === 'REDIS_URL' ? value.replace(/\/\/[^/@]*@/, '//***@') : value);
}

/** Thrown when the environment holds a value the coordinator cannot run with. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const defined = Object.fromEntries(
    Object.keys(new AppConfig())
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const config = plainToInstance(AppConfig, defined, { exposeDefaultValues: true });
  const errors = validateSync(config);
  if (errors.length > 0) {
    const problems = errors.map(
      (e) =>
        `${e.property}${env[e.property] ? `=${shown(e.property, String(env[e.property]))}` : ' is unset'}: ` +
        Object.values(e.constraints ?? {}).join('; '),
    );
    throw new ConfigError(`Invalid configuration: ${problems.join(', ')}`);
  }
  return config;
}
