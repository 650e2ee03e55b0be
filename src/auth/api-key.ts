import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every key starts with, so a leaked one is recognisable (and secret scanners can match it). */
const KEY_PREFIX = 'c3po_';

/** What every key id starts with (`key_` and 12 hex digits). */
export const KEY_ID_PREFIX = 'key_';
/**
 * Names are what `keys revoke <name-or-id>` looks up first, so a name may not look like an id:
 * revoking another key by its id would otherwise revoke the key so named, and leave that one valid.
 */
export const KEY_NAME_PATTERN = new RegExp(`^(?!${KEY_ID_PREFIX})[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`);
export const KEY_NAME_RULE = `1-64 letters, digits, ".", "_" or "-", starting with a letter or digit and not with '${KEY_ID_PREFIX}' (key ids do)`;
/** Agent-id characters plus the glob wildcards `*` (any run) and `?` (one character). */
export const AGENT_GLOB_PATTERN = /^[A-Za-z0-9._*?-]{1,64}$/;
export const AGENT_GLOB_RULE = "an agent id or a glob of one with * and ? ('laptop-*', 'ci-runner')";

/** 32 random bytes: guessing is hopeless, so one unsalted SHA-256 is a sufficient way to store it. */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Compares two secrets in time independent of where they differ (the hashes have equal length). */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/**
 * Whether an agent id matches a key's glob; ids have no separators, so `*` spans anything.
 *
 * A linear walk that backs up only to the last `*`, not a RegExp: the caller chooses the id, and
 * `^.*-.*-.*-x$` against 63 dashes backtracks for seconds per star (minutes at ten), blocking the
 * event loop of every call on the process.
 */
export function agentMatches(pattern: string, agentId: string): boolean {
  let p = 0;
  let a = 0;
  let star = -1;
  let resume = 0;
  while (a < agentId.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === agentId[a])) {
      p += 1;
      a += 1;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p;
      p += 1;
      resume = a;
    } else if (star !== -1) {
      p = star + 1;
      resume += 1;
      a = resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') {
    p += 1;
  }
  return p === pattern.length;
}

/** The token of an `Authorization: Bearer <token>` header, '' when there is none. */
export function bearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match ? match[1] : '';
}
