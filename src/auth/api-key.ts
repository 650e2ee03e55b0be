import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What every key starts with, so a leaked one is recognisable (and secret scanners can match it). */
const KEY_PREFIX = 'c3po_';

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const KEY_NAME_RULE = '1-64 letters, digits, ".", "_" or "-", starting with a letter or digit';
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

/** Whether an agent id matches a key's glob; ids have no separators, so `*` spans anything. */
export function agentMatches(pattern: string, agentId: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.]/g, '\\.')))
    .join('');
  return new RegExp(`^${source}$`).test(agentId);
}

/** The token of an `Authorization: Bearer <token>` header, '' when there is none. */
export function bearerToken(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match ? match[1] : '';
}
