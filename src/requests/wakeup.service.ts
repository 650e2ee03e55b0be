import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { RedisKeys } from '../redis/keys.js';
import { connectRedis } from '../redis/redis-connection.js';
import { isStorageUnavailable } from '../redis/storage-errors.js';

export type WaitOutcome<T> =
  /** `handed`: given by handOff/handToAll, so no attempt (and no stillAllowed) ran for it. */
  | { kind: 'found'; value: T; handed?: true }
  | { kind: 'timeout' }
  | { kind: 'cancelled' }
  | { kind: 'restarting' }
  | { kind: 'unavailable' };

/** A blocked wait as its topic sees it: it can be rung, or handed a value while it sleeps. */
interface Doorbell {
  ring(): void;
  readonly asleep: boolean;
  /** Gives the wait `value` to return; false when the wait is not asleep and so cannot take it. */
  take(value: unknown): boolean;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Runs at every re-check (C3PO_WAIT_RECHECK_MS), not awaited; its failures do not end the wait. */
  onHeartbeat?: (elapsedMs: number) => Promise<void>;
  /** Runs before every attempt; throws to end the wait with that error (a revoked API key). */
  stillAllowed?: () => Promise<void>;
}

/**
 * Wakes blocked waits when something they wait for happens in any coordinator process.
 *
 * One subscriber connection per process carries every wake-up, so waiters cost no Redis
 * connections; a wake-up only rings a doorbell, and the waiter then claims atomically with a
 * script, so a lost or duplicate message can delay a waiter (until its next heartbeat) but
 * never hand one request to two waiters.
 *
 * Within one process there is a shorter way: whoever already holds what a waiter waits for
 * (a request its own script delivered, an answer it stored) can hand it to a sleeping waiter
 * directly, with no wake-up message and no claim.
 */
@Injectable()
export class WakeupService implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WakeupService.name);
  private readonly doorbells = new Map<string, Set<Doorbell>>();
  /** Callbacks of watch(): rung like doorbells, but neither waits nor counted as such. */
  private readonly watchers = new Map<string, Set<() => void>>();
  private readonly stopWaiting = new AbortController();
  private subscriber: Redis;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: RedisKeys,
    private readonly metrics: Metrics,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscriber = connectRedis(this.config.REDIS_URL, 'subscriber', () => this.metrics.redisErrors.inc(), {
      autoResubscribe: false,
    });
    this.subscriber.on('message', (_channel: string, topic: string) => this.ring(topic));
    // We subscribe again after every reconnect, not ioredis: its resubscribe leaves a rejected
    // promise unhandled when the connection closes meanwhile. Wake-ups sent while we were away
    // are lost, so every waiter then re-checks.
    this.subscriber.on('ready', () => {
      void this.subscribe().then(
        (ok) => ok && [...this.doorbells.keys(), ...this.watchers.keys()].forEach((topic) => this.ring(topic)),
      );
    });
    await this.subscribe();
  }

  /** Subscribes to the events channel; false (and a warning) when Redis is away: the next reconnect tries again. */
  private subscribe(): Promise<boolean> {
    return this.subscriber.subscribe(this.keys.events).then(
      () => true,
      (error: Error) => {
        this.logger.warn(`not subscribed to wake-ups until Redis is back: ${error.message}`);
        return false;
      },
    );
  }

  /** Number of waits blocked in this process right now. */
  get blockedWaiters(): number {
    let count = 0;
    this.doorbells.forEach((bells) => (count += bells.size));
    return count;
  }

  /**
   * Calls `attempt` until it yields a value, re-trying whenever `topic` is rung and on every
   * heartbeat, until the timeout passes, the caller goes away or the coordinator shuts down.
   * An attempt that fails because Redis is unreachable ends the wait as `unavailable`: the
   * caller is told to call again rather than given an error.
   */
  async waitFor<T>(topic: string, attempt: () => Promise<T | null>, options: WaitOptions): Promise<WaitOutcome<T>> {
    if (this.stopWaiting.signal.aborted) {
      return { kind: 'restarting' };
    }
    const started = Date.now();
    const deadline = started + options.timeoutMs;
    let rung: boolean;
    let handed: { value: T } | undefined;
    // Set only while the wait sleeps, and cleared by whatever ends the sleep first.
    let wake: (() => void) | undefined;
    const bell: Doorbell = {
      ring: () => {
        rung = true;
        wake?.();
      },
      get asleep() {
        return wake !== undefined;
      },
      take: (value) => {
        if (!wake) {
          return false;
        }
        handed = { value: value as T };
        wake();
        return true;
      },
    };
    const stop = () => wake?.();
    this.addBell(topic, bell);
    options.signal?.addEventListener('abort', stop);
    this.stopWaiting.signal.addEventListener('abort', stop);
    try {
      for (;;) {
        rung = false;
        let value: T | null;
        try {
          await options.stillAllowed?.();
          value = await attempt();
        } catch (error) {
          if (isStorageUnavailable(error)) {
            return { kind: 'unavailable' };
          }
          throw error;
        }
        if (value !== null) {
          return { kind: 'found', value };
        }
        if (this.stopWaiting.signal.aborted) {
          return { kind: 'restarting' };
        }
        if (options.signal?.aborted) {
          return { kind: 'cancelled' };
        }
        const now = Date.now();
        if (now >= deadline) {
          return { kind: 'timeout' };
        }
        if (!rung) {
          const recheckMs = this.config.C3PO_WAIT_RECHECK_MS;
          const heartbeatDue = now + recheckMs - ((now - started) % recheckMs);
          const timer = await this.sleepUntilWoken(Math.min(deadline, heartbeatDue), (set) => (wake = set));
          if (handed) {
            return { kind: 'found', value: handed.value, handed: true };
          }
          // The sleep's end, not the clock: a timer may fire a millisecond early, and a heartbeat
          // at the deadline would send one progress too many.
          if (timer === 'heartbeat' && heartbeatDue < deadline) {
            // Not awaited: a heartbeat stalled on Redis must not push the wait past its timeout.
            void options.onHeartbeat?.(Date.now() - started).catch((error: Error) => {
              this.logger.debug(`heartbeat failed: ${error.message}`);
            });
          }
        }
      }
    } finally {
      this.removeBell(topic, bell);
      options.signal?.removeEventListener('abort', stop);
      this.stopWaiting.signal.removeEventListener('abort', stop);
    }
  }

  /** Whether a wait on `topic` sleeps in this process now, so that handOff would likely reach it. */
  isWaiting(topic: string): boolean {
    return [...(this.doorbells.get(topic) ?? [])].some((bell) => bell.asleep);
  }

  /**
   * Calls `onRing` whenever `topic` is rung (and after a reconnect, when wake-ups may have been
   * lost), until the returned function is called.
   */
  watch(topic: string, onRing: () => void): () => void {
    const callbacks = this.watchers.get(topic) ?? new Set();
    const callback = () => onRing();
    callbacks.add(callback);
    this.watchers.set(topic, callbacks);
    return () => {
      callbacks.delete(callback);
      if (callbacks.size === 0 && this.watchers.get(topic) === callbacks) {
        this.watchers.delete(topic);
      }
    };
  }

  /** Gives `value` to one wait sleeping on `topic` in this process; false when none took it. */
  handOff(topic: string, value: unknown): boolean {
    return [...(this.doorbells.get(topic) ?? [])].some((bell) => bell.take(value));
  }

  /** Gives `value` to every wait sleeping on `topic` in this process. */
  handToAll(topic: string, value: unknown): void {
    this.doorbells.get(topic)?.forEach((bell) => bell.take(value));
  }

  beforeApplicationShutdown(): void {
    this.stopWaiting.abort();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  /** Sleeps until `until` or until the wake function it hands out is called; either clears it. */
  private sleepUntilWoken(
    until: number,
    setWake: (wake: (() => void) | undefined) => void,
  ): Promise<'woken' | 'heartbeat'> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          setWake(undefined);
          resolve('heartbeat');
        },
        Math.max(0, until - Date.now()),
      );
      setWake(() => {
        setWake(undefined);
        clearTimeout(timer);
        resolve('woken');
      });
    });
  }

  private ring(topic: string): void {
    this.doorbells.get(topic)?.forEach((bell) => bell.ring());
    this.watchers.get(topic)?.forEach((onRing) => onRing());
  }

  private addBell(topic: string, bell: Doorbell): void {
    const bells = this.doorbells.get(topic) ?? new Set();
    bells.add(bell);
    this.doorbells.set(topic, bells);
  }

  private removeBell(topic: string, bell: Doorbell): void {
    const bells = this.doorbells.get(topic);
    bells?.delete(bell);
    if (bells?.size === 0) {
      this.doorbells.delete(topic);
    }
  }
}
