import type { AppConfig } from '../config/app-config.js';
import { isLoopbackBind } from './host-names.js';

export type ExposureCheck = { verdict: 'ok' } | { verdict: 'warn' | 'refuse'; message: string };

const KEYS_HOW_TO = "`npx c3po keys create --name laptop --agent 'laptop-*'`, and set C3PO_API_KEY on each host.";

/**
 * Whether the coordinator may start where it can be reached. Without API keys every caller can
 * act as any agent, which is only the machine's own business when nothing else can reach the
 * port: a non-loopback address needs C3PO_ADMIN_TOKEN, or an operator who said
 * C3PO_ALLOW_UNAUTHENTICATED=1. In a container the bind address says nothing (it must be
 * 0.0.0.0); the address the port is published on, C3PO_PUBLISHED_ADDRESS, is what others reach.
 */
export function checkExposure(
  config: Pick<
    AppConfig,
    'C3PO_HOST' | 'C3PO_PORT' | 'C3PO_ADMIN_TOKEN' | 'C3PO_ALLOW_UNAUTHENTICATED' | 'C3PO_PUBLISHED_ADDRESS'
  >,
): ExposureCheck {
  const published = config.C3PO_PUBLISHED_ADDRESS !== '';
  const reachable = published ? config.C3PO_PUBLISHED_ADDRESS : config.C3PO_HOST;
  if (config.C3PO_ADMIN_TOKEN !== '' || isLoopbackBind(reachable)) {
    return { verdict: 'ok' };
  }
  const where = published
    ? `port ${config.C3PO_PORT} published on ${reachable} (C3PO_PUBLISHED_ADDRESS)`
    : `${config.C3PO_HOST}:${config.C3PO_PORT}`;
  if (config.C3PO_ALLOW_UNAUTHENTICATED === '1') {
    return {
      verdict: 'warn',
      message:
        `serving ${where} without API keys (C3PO_ALLOW_UNAUTHENTICATED=1): whoever reaches this port ` +
        'can read and answer any agent’s requests as that agent; set C3PO_ADMIN_TOKEN to require keys',
    };
  }
  const risk =
    `refusing to serve ${where} without API keys: whoever reaches a non-loopback address could read and ` +
    'answer any agent’s requests as that agent. ';
  if (published) {
    // docker-compose.yml sets C3PO_PUBLISHED_ADDRESS from C3PO_PUBLISH_ADDRESS: the fix is in compose's terms.
    return {
      verdict: 'refuse',
      message:
        risk +
        'To fix: set C3PO_ADMIN_TOKEN where you run docker compose (for example ' +
        '`C3PO_ADMIN_TOKEN=$(openssl rand -hex 32) docker compose up -d`, or in its .env file), create a key ' +
        `per host with ${KEYS_HOW_TO} Or publish on loopback only (leave C3PO_PUBLISH_ADDRESS unset, or ` +
        '127.0.0.1) and let a proxy on this machine serve other hosts, or set C3PO_ALLOW_UNAUTHENTICATED=1 ' +
        'if the network is yours alone.',
    };
  }
  return {
    verdict: 'refuse',
    message:
      risk +
      'To fix: set C3PO_ADMIN_TOKEN (for example `openssl rand -hex 32`), start the coordinator, create a key ' +
      `per host with ${KEYS_HOW_TO} Or listen on loopback only (C3PO_HOST=127.0.0.1), or set ` +
      'C3PO_ALLOW_UNAUTHENTICATED=1 if the network is yours alone.',
  };
}
