import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { ReservationMatch, ReservationReply, Scripts } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';

export interface Reservation {
  agent: string;
  pattern: string;
  exclusive: boolean;
  reason: string;
  createdAt: number;
  expiresAt: number;
}

/** A requested pattern, or a checked path, and a reservation it meets. */
export interface ReservationMeeting {
  /** The pattern asked for, or the path checked. */
  asked: string;
  reservation: Reservation;
}

export type ReserveOutcome =
  | { ok: true; expiresAt: number; renewed: string[]; shared: ReservationMeeting[] }
  | { ok: false; code: ScriptCode.ReservationConflict; conflicts: ReservationMeeting[]; total: number }
  | { ok: false; code: ScriptCode.TooManyReservations | ScriptCode.TooManyReservationsForAgent; held: number };

/** Most conflicts (or shared holders) one reserve_files reports, and most entries of one check. */
const MOST_REPORTED = 10;
const MOST_CHECKED = 1000;

/** All Redis I/O for file reservations: each call is one script (see includes/glob.lua for the matching). */
@Injectable()
export class ReservationsStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  async reserve(
    agent: string,
    patterns: string[],
    lease: { ttlMs: number; exclusive: boolean; reason: string },
  ): Promise<ReserveOutcome> {
    const reply = await this.scripts.run(
      Scripts.reserveFiles,
      { reservations: this.keys.reservations, expiry: this.keys.reservationExpiry },
      {
        agent,
        patterns: patterns.join('\n'),
        ttlMs: lease.ttlMs,
        exclusive: lease.exclusive ? '1' : '0',
        reason: lease.reason,
        maxPerAgent: this.config.C3PO_MAX_RESERVATIONS_PER_AGENT,
        maxTotal: this.config.C3PO_MAX_RESERVATIONS,
        mostReported: MOST_REPORTED,
      },
    );
    switch (reply[0]) {
      case ScriptCode.Ok:
        return { ok: true, expiresAt: Number(reply[1]), renewed: reply[2], shared: reply[3].map(meeting) };
      case ScriptCode.ReservationConflict:
        return { ok: false, code: reply[0], conflicts: reply[1].map(meeting), total: reply[2] };
      default:
        return { ok: false, code: reply[0], held: reply[1] };
    }
  }

  /** Releases the agent's reservations of these patterns, or all of its reservations. */
  async release(agent: string, patterns?: string[]): Promise<{ released: string[]; notHeld: string[] }> {
    const [released, notHeld] = await this.scripts.run(
      Scripts.releaseFiles,
      { reservations: this.keys.reservations, expiry: this.keys.reservationExpiry },
      { agent, patterns: patterns?.join('\n') ?? '' },
    );
    return { released, notHeld };
  }

  /** A page of live reservations by pattern then agent, filtered by agent and by a path or glob they overlap. */
  async list(query: {
    agent?: string;
    path?: string;
    cursor?: string;
    limit: number;
  }): Promise<{ total: number; reservations: Reservation[]; nextCursor: string | null }> {
    const [total, replies, next] = await this.scripts.run(
      Scripts.listReservations,
      { reservations: this.keys.reservations },
      { agent: query.agent ?? '', path: query.path ?? '', cursor: query.cursor ?? '', limit: query.limit },
    );
    return { total, reservations: replies.map(reservation), nextCursor: next || null };
  }

  /** Other agents' live reservations covering each of these file paths. */
  async check(agent: string, paths: string[]): Promise<ReservationMeeting[]> {
    const replies = await this.scripts.run(
      Scripts.checkPaths,
      { reservations: this.keys.reservations },
      { agent, paths: paths.join('\n'), most: MOST_CHECKED },
    );
    return replies.map(meeting);
  }
}

function reservation([agent, pattern, exclusive, reason, createdAt, expiresAt]: ReservationReply): Reservation {
  return {
    agent,
    pattern,
    exclusive: exclusive === '1',
    reason,
    createdAt: Number(createdAt),
    expiresAt: Number(expiresAt),
  };
}

function meeting([asked, ...rest]: ReservationMatch): ReservationMeeting {
  return { asked, reservation: reservation(rest) };
}
