import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { parseAgentId } from '../agents/agent-id.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { grouped } from '../common/grouped.js';
import { firstLine } from '../common/peer-text.js';
import { normalizeRepoPath, normalizeRepoPaths, parseRepoPath, REPO_PATH_MAX_CHARS } from '../common/repo-path.js';
import { isoFromMs } from '../common/timestamps.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { ScriptCode } from '../redis/script-code.js';
import { Reservation, ReservationMeeting, ReservationsStore } from './reservations.store.js';

/** Most paths or globs one reserve_files or release_files names. */
export const MAX_PATHS_PER_CALL = 100;
/** Most file paths one check names (a commit's staged files; the hook sends no more). */
export const MAX_CHECK_PATHS = 1000;
export const MAX_REASON_CHARS = 500;
export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 100;
/** A list cursor: base64url of `<pattern>\n<agent>`, the last reservation of the previous page. */
export const RESERVATIONS_CURSOR_PATTERN = /^[A-Za-z0-9_-]{1,700}$/;

export interface ReserveFilesInput {
  paths: string[];
  ttl_s: number;
  exclusive?: boolean;
  reason: string;
}

export interface ListReservationsInput {
  agent?: string;
  path?: string;
  limit?: number;
  cursor?: string;
}

export interface ReservationView {
  agent: string;
  /** The path or glob reserved, normalized. */
  pattern: string;
  exclusive: boolean;
  reason: string;
  created_at: string;
  expires_at: string;
}

export interface ReserveFilesResult {
  reserved: string[];
  exclusive: boolean;
  expires_at: string;
  /** Of `reserved`, those the caller held already: renewed with this call's ttl, flag and reason. */
  renewed: string[];
  /** Other agents' shared reservations overlapping a shared one of the caller's: `overlaps` is the caller's. */
  shared_with: (ReservationView & { overlaps: string })[];
}

export interface CheckedPath {
  path: string;
  agent: string;
  pattern: string;
  exclusive: boolean;
  reason: string;
  expires_at: string;
}

/**
 * What the git pre-commit hook prints for the reserved paths a commit touches, each on a line:
 * who, until when, why. Text from agents is cleaned for a terminal: control characters of a
 * reason read as their JSON escapes (`\n`, `\u001b`) so the reason stays on one line, C1
 * controls (which some terminals obey) are dropped, and firstLine() does the rest.
 */
export function checkWarning(reserved: CheckedPath[]): string {
  const lines = reserved.map(({ path, agent, pattern, exclusive, reason, expires_at }) => {
    const kind = exclusive ? 'exclusive' : 'shared';
    const why = firstLine(escapeControls(reason), MAX_REASON_CHARS);
    return `  ${firstLine(path, REPO_PATH_MAX_CHARS)}: reserved by '${agent}' until ${expires_at} (${kind}, ${firstLine(pattern, REPO_PATH_MAX_CHARS)}): ${why}`;
  });
  return [
    'c3po: this commit touches paths other agents have reserved (advisory: the commit goes ahead):',
    ...lines,
    'c3po: check with them (send_request) before pushing; list_reservations shows every reservation.',
  ].join('\n');
}

/** C0 controls as JSON escapes them, C1 controls gone; quotes and backslashes as they are. */
function escapeControls(text: string): string {
  const c1 = text.replace(/[\u0080-\u009f]/g, '');
  // eslint-disable-next-line no-control-regex
  return c1.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/**
 * Advisory file reservations: an agent announces the paths (or globs) it is changing for a
 * while, and is refused, with who holds them and why, when another agent holds an overlapping
 * one and either is exclusive. Nothing stops a write: the tools, and the git pre-commit hook,
 * only tell.
 */
@Injectable()
export class ReservationsService {
  constructor(
    private readonly store: ReservationsStore,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async reserve(agent: string, input: ReserveFilesInput): Promise<ReserveFilesResult> {
    const patterns = this.patterns(input.paths, 'paths');
    const maxTtl = this.config.C3PO_MAX_RESERVATION_TTL_S;
    if (!Number.isInteger(input.ttl_s) || input.ttl_s < 1 || input.ttl_s > maxTtl) {
      throw new BadRequestException(
        `ttl_s must be whole seconds, 1-${grouped(maxTtl)} (C3PO_MAX_RESERVATION_TTL_S): reserve again to renew`,
      );
    }
    const reason = input.reason.trim();
    if (reason === '' || reason.length > MAX_REASON_CHARS) {
      throw new BadRequestException(
        `reason must be 1-${MAX_REASON_CHARS} characters: say what you are changing, for agents who meet it`,
      );
    }
    const exclusive = input.exclusive ?? true;
    const outcome = await this.store.reserve(agent, patterns, { ttlMs: input.ttl_s * 1000, exclusive, reason });
    if (!outcome.ok) {
      if (outcome.code === ScriptCode.ReservationConflict) {
        this.audit.record({ action: 'reserve', outcome: 'conflict', detail: `${outcome.total} conflicts` });
        throw new ConflictException(conflictMessage(outcome.conflicts, outcome.total));
      }
      this.audit.record({ action: 'refused.limit', outcome: 'reservations', detail: `held=${outcome.held}` });
      throw outcome.code === ScriptCode.TooManyReservationsForAgent
        ? new TooManyRequestsException(
            `'${agent}' holds ${grouped(outcome.held)} reservations and may hold ` +
              `${grouped(this.config.C3PO_MAX_RESERVATIONS_PER_AGENT)} (C3PO_MAX_RESERVATIONS_PER_AGENT): ` +
              'release_files some, or reserve a folder or glob instead of many files',
          )
        : new TooManyRequestsException(
            `the coordinator holds ${grouped(outcome.held)} reservations, its most (C3PO_MAX_RESERVATIONS): ` +
              'nothing was reserved; try again when some lapse, or ask its operator',
          );
    }
    this.audit.record({ action: 'reserve', outcome: 'ok', detail: `${patterns.length} paths` });
    return {
      reserved: patterns,
      exclusive,
      expires_at: isoFromMs(outcome.expiresAt)!,
      renewed: outcome.renewed,
      shared_with: outcome.shared.map(({ asked, reservation }) => ({
        ...reservationView(reservation),
        overlaps: asked,
      })),
    };
  }

  /** The caller's reservations of `paths`, or all of them; another agent's are never touched. */
  async release(agent: string, paths?: string[]): Promise<{ released: string[]; not_held: string[] }> {
    if (paths !== undefined && paths.length === 0) {
      throw new BadRequestException('paths is empty: leave it out to release all your reservations');
    }
    const patterns = paths && this.patterns(paths, 'paths');
    const { released, notHeld } = await this.store.release(agent, patterns);
    return { released, not_held: notHeld };
  }

  async list(
    input: ListReservationsInput,
  ): Promise<{ reservations: ReservationView[]; total: number; next_cursor: string | null }> {
    const agent = input.agent === undefined ? undefined : parseAgentId(input.agent, 'agent');
    const path = input.path === undefined ? undefined : normalizeRepoPath(input.path, 'path');
    const limit = input.limit ?? DEFAULT_LIST_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new BadRequestException(`limit must be 1-${MAX_LIST_LIMIT}`);
    }
    const page = await this.store.list({ agent, path, limit, cursor: input.cursor && decodeCursor(input.cursor) });
    return {
      reservations: page.reservations.map(reservationView),
      total: page.total,
      next_cursor: page.nextCursor && Buffer.from(page.nextCursor).toString('base64url'),
    };
  }

  /**
   * Which of these file paths other agents have reserved (for the pre-commit hook). A path
   * that is no repository path (absolute, `..`) can be nobody's reservation, and is skipped.
   */
  async check(agent: string, paths: string[]): Promise<{ reserved: CheckedPath[] }> {
    if (paths.length > MAX_CHECK_PATHS) {
      throw new BadRequestException(`paths has ${paths.length} entries, at most ${MAX_CHECK_PATHS}`);
    }
    const valid = [...new Set(paths.map(parseRepoPath).flatMap((parsed) => ('path' in parsed ? [parsed.path] : [])))];
    const meetings = valid.length === 0 ? [] : await this.store.check(agent, valid);
    return {
      reserved: meetings.map(({ asked, reservation }) => ({
        path: asked,
        agent: reservation.agent,
        pattern: reservation.pattern,
        exclusive: reservation.exclusive,
        reason: reservation.reason,
        expires_at: isoFromMs(reservation.expiresAt)!,
      })),
    };
  }

  private patterns(paths: string[], what: string): string[] {
    if (paths.length === 0) {
      throw new BadRequestException(`${what} is empty: name the files, folders or globs`);
    }
    if (paths.length > MAX_PATHS_PER_CALL) {
      throw new BadRequestException(
        `${what} has ${paths.length} entries, at most ${MAX_PATHS_PER_CALL}: use a folder or a glob`,
      );
    }
    return normalizeRepoPaths(paths, what);
  }
}

function reservationView(reservation: Reservation): ReservationView {
  return {
    agent: reservation.agent,
    pattern: reservation.pattern,
    exclusive: reservation.exclusive,
    reason: reservation.reason,
    created_at: isoFromMs(reservation.createdAt)!,
    expires_at: isoFromMs(reservation.expiresAt)!,
  };
}

function decodeCursor(cursor: string): string {
  const decoded = RESERVATIONS_CURSOR_PATTERN.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  if (!decoded.includes('\n')) {
    throw new BadRequestException('cursor must be a next_cursor returned by list_reservations');
  }
  return decoded;
}

/** The refusal: each conflict with who holds what, until when and why, and what to do. */
function conflictMessage(conflicts: ReservationMeeting[], total: number): string {
  const lines = conflicts.map(({ asked, reservation: r }) => {
    const overlap = asked === r.pattern ? `'${asked}'` : `'${asked}' overlaps '${r.pattern}', which is`;
    return (
      `${overlap} reserved ${r.exclusive ? 'exclusively' : '(shared)'} by '${r.agent}' until ` +
      `${isoFromMs(r.expiresAt)}: ${JSON.stringify(r.reason)}`
    );
  });
  const more = total > conflicts.length ? `; and ${total - conflicts.length} more` : '';
  const sharedOnly = conflicts.every(({ reservation }) => !reservation.exclusive);
  return (
    `nothing was reserved: ${lines.join('; ')}${more}. ` +
    (sharedOnly
      ? 'Reserve with exclusive: false to share them, choose other paths, or wait until they lapse.'
      : 'Choose other paths, wait until they lapse, or ask the holder (send_request) to release_files.')
  );
}
