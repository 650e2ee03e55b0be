import type { AppConfig } from '../config/app-config.js';
import { isLoopbackBind } from './host-names.js';

export type ExposureCheck = { verdict: 'ok' } | { verdict: 'warn' | 'refuse'; message: string };

/**
 * Whether the coordinator may start on its bind address. Without API keys every caller can act
 * as any agent, which is only the machine's own business when nothing else can reach the port:
 * a non-loopback bind needs C3PO_ADMIN_TOKEN, or an operator who said C3PO_ALLOW_UNAUTHENTICATED=1.
 */
export function checkExposure(
  config: Pick<AppConfig, 'C3PO_HOST' | 'C3PO_PORT' | 'C3PO_ADMIN_TOKEN' | 'C3PO_ALLOW_UNAUTHENTICATED'>,
): ExposureCheck {
  if (config.C3PO_ADMIN_TOKEN !== '' || isLoopbackBind(config.C3PO_HOST)) {
    return { verdict: 'ok' };
  }
  const where = `${config.C3PO_HOST}:${config.C3PO_PORT}`;
  if (config.C3PO_ALLOW_UNAUTHENTICATED === '1') {
    return {
      verdict: 'warn',
      message:
        `serving ${where} without API keys (C3PO_ALLOW_UNAUTHENTICATED=1): whoever reaches this port ` +
        'can read and answer any agent’s requests as that agent; set C3PO_ADMIN_TOKEN to require keys',
    };
  }
  return {
    verdict: 'refuse',
    message:
      `refusing to serve ${where} without API keys: whoever reaches a non-loopback address could read and ` +
      'answer any agent’s requests as that agent. To fix: set C3PO_ADMIN_TOKEN (for example ' +
      '`openssl rand -hex 32`), start the coordinator, create a key per host with ' +
      "`npx c3po keys create --name laptop --agent 'laptop-*'`, and set C3PO_API_KEY on each host. " +
      'Or listen on loopback only (C3PO_HOST=127.0.0.1), or set C3PO_ALLOW_UNAUTHENTICATED=1 if the ' +
      'network is yours alone.',
  };
}
