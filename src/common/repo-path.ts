import { BadRequestException } from '@nestjs/common';

/** Longest path or glob, in characters: real repository paths are far shorter. */
export const REPO_PATH_MAX_CHARS = 256;

/**
 * A repository-relative path (or glob) in the one spelling the coordinator compares: `/`
 * between folders, no leading `./`, no `.` or empty segments, no trailing `/`. A path that
 * leaves the repository (absolute, or with a `..` segment) is none: it names no file two agents
 * of one repository could share. Returns `{ path }`, or `{ problem }` saying why there is none.
 */
export function parseRepoPath(input: string): { path: string } | { problem: string } {
  const trimmed = input.trim();
  const shown = JSON.stringify(trimmed.slice(0, 100));
  if (trimmed === '') {
    return { problem: 'an empty path: give paths relative to the repository root' };
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    return { problem: `${shown} holds a control character` };
  }
  if (trimmed.includes('\\')) {
    return { problem: `${shown} holds '\\': use '/' between folders` };
  }
  if (trimmed.startsWith('/') || /^[A-Za-z]:/.test(trimmed)) {
    return { problem: `${shown} is absolute: give paths relative to the repository root` };
  }
  const segments = trimmed.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) {
    return { problem: `${shown} has a '..' segment: give paths inside the repository` };
  }
  if (segments.length === 0) {
    return { problem: `${shown} names no file (for the whole repository, use '**')` };
  }
  const path = segments.join('/');
  if (path.length > REPO_PATH_MAX_CHARS) {
    return { problem: `${shown}… is over ${REPO_PATH_MAX_CHARS} characters` };
  }
  return { path };
}

/** parseRepoPath's path, or a 400 saying why there is none; `what` names the argument in it. */
export function normalizeRepoPath(input: string, what: string): string {
  const parsed = parseRepoPath(input);
  if ('problem' in parsed) {
    throw new BadRequestException(`${what}: ${parsed.problem}`);
  }
  return parsed.path;
}

/** Paths normalized, each once, in the order given. */
export function normalizeRepoPaths(inputs: string[], what: string): string[] {
  return [...new Set(inputs.map((input) => normalizeRepoPath(input, what)))];
}
