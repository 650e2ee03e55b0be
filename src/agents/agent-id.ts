import { BadRequestException } from '@nestjs/common';

export const AGENT_ID_HEADER = 'x-agent-id';
export const SESSION_ID_HEADER = 'x-c3po-session';
export const AGENT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const AGENT_ID_RULE = '1-64 characters of letters, digits, ".", "_" or "-", starting with a letter or digit';
/** A Claude Code session id, as hooks and the plugin send it. */
export const SESSION_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
export const SESSION_ID_MESSAGE = 'session_id must be 1-128 letters, digits, ".", "_" or "-"';

/** Validates an agent id from a header or an argument, naming the rule when it is wrong. */
export function parseAgentId(value: unknown, source = 'X-Agent-ID header'): string {
  const id = Array.isArray(value) ? value[0] : value;
  if (typeof id !== 'string' || id === '') {
    throw new BadRequestException(`${source} is required`);
  }
  if (!AGENT_ID_PATTERN.test(id)) {
    throw new BadRequestException(`${source} '${id.slice(0, 80)}' is invalid: use ${AGENT_ID_RULE}`);
  }
  return id;
}

/** The X-Agent-ID a caller claims, for the audit log of a refused call: '' unless well-formed. */
export function claimedAgentId(headers: Record<string, string | string[] | undefined>): string {
  const claimed = headers[AGENT_ID_HEADER];
  return typeof claimed === 'string' && AGENT_ID_PATTERN.test(claimed) ? claimed : '';
}
