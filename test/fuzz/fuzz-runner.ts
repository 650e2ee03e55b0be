import fc from 'fast-check';
import { appendFileSync } from 'node:fs';
import { connect } from 'node:net';
import type { CoordinatorProcess } from '../support/coordinator-process.js';
import type { FuzzCase, FuzzTargets, HttpCase, RawCase } from './fuzz-arbitraries.js';

/** A case the coordinator does not answer within this is a failure (a blocked wait is let go sooner). */
const CASE_LIMIT_MS = 10_000;

/** Ids of requests, conversations, tasks and messages the fuzz agents made, kept for later cases to aim at. */
const HARVESTED_IDS =
  /\b(?:(?:req|conv)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|task-[1-9]\d{0,11}|msg-\d{1,15})\b/g;
const HARVEST_LIMIT = 300;

interface Outcome {
  status?: number;
  body: string;
  /** We let go first, as the case asked (a blocked wait). */
  abandoned?: boolean;
}

/** Frames of a stack trace, file paths, error class names: internals no caller should see. */
const LEAKS = [
  /\bat [\w$.<>[\] ]+ \((?:file:\/\/|node:)?[^()\s]+:\d+:\d+\)/,
  /\bat (?:file:\/\/|node:)?\/?[\w./-]+:\d+:\d+/,
  /node_modules[\\/]/,
  /\/(?:src|dist)\/[\w./-]+\.[jt]s\b/,
  /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|Error): /,
  /Internal server error/i,
];

/** Routes behind the agent guard: with keys on, a call as an owner (whose key the fuzzer lacks) must fail. */
const AGENT_ROUTES =
  /^\/(?:mcp|api\/(?:agents|pending|requests|boards|tasks|messages|timeline|topics|findings|reservations))(?:[/?]|$)/;

/** Lines in the coordinator's output that say something went wrong inside it. */
const TROUBLE = [/\bERROR\b/, /^\s+at \S.*:\d+:\d+\)?$/, /Unhandled|uncaught/i, /FATAL|Segmentation/, /\bError\b/];

/** The one line per call: it quotes the caller's path and ids, so it may hold any word. */
const CALL_LINE = / LOG \[HTTP\] /;

/**
 * Sends fuzz cases to a coordinator process and checks each answer: a status below 500, no
 * internals in the body, nothing alarming in the coordinator's output, the process alive.
 */
export class FuzzRunner {
  /** Cases run per family, for the summary. */
  readonly counts = new Map<string, number>();
  /** How far cases got: answers by status, and tool calls that ran (ok) or were refused (tool error). */
  readonly reached = new Map<string, number>();
  private readonly coordinator: CoordinatorProcess;
  private readonly targets: FuzzTargets;
  /** Output lines already checked. */
  private checkedLines = 0;

  constructor(coordinator: CoordinatorProcess, targets: FuzzTargets) {
    this.coordinator = coordinator;
    this.targets = targets;
  }

  get total(): number {
    return [...this.counts.values()].reduce((sum, n) => sum + n, 0);
  }

  /** The property: throws, describing the case, when the coordinator mishandled it. */
  async check(family: string, fuzzCase: FuzzCase): Promise<void> {
    this.counts.set(family, (this.counts.get(family) ?? 0) + 1);
    if (!this.coordinator.running) {
      throw new Error(`the coordinator had already exited before this case:\n${this.tail()}`);
    }
    const problems: string[] = [];
    const started = Date.now();
    let outcome: Outcome | undefined;
    try {
      outcome = fuzzCase.kind === 'http' ? await this.sendHttp(fuzzCase) : await this.sendRaw(fuzzCase);
    } catch (error) {
      problems.push(`no answer: ${(error as Error).message}`);
    }
    this.tally(outcome);
    // Only from results: an error message quotes back the random id it was given.
    if (outcome?.body.includes('"structuredContent"')) {
      this.harvest(outcome.body);
    }
    if (process.env.FUZZ_LOG) {
      // For tuning the arbitraries: how far each case got.
      const answer = outcome ? `${outcome.status} ${outcome.body.slice(0, 300).replace(/\s+/g, ' ')}` : '-';
      appendFileSync(
        process.env.FUZZ_LOG,
        `${family}\t${Date.now() - started}ms\t${FuzzRunner.describe(fuzzCase).slice(0, 300)}\t${answer}\n`,
      );
    }
    if (outcome?.status !== undefined && outcome.status >= 500) {
      problems.push(`status ${outcome.status}`);
    }
    if (this.impersonates(fuzzCase) && !(outcome?.status !== undefined && outcome.status >= 400)) {
      problems.push(`a call as an owner without the owner's key got ${outcome?.status ?? 'no answer'}`);
    }
    if (outcome) {
      const sent = FuzzRunner.sentText(fuzzCase);
      for (const pattern of LEAKS) {
        const match = pattern.exec(outcome.body)?.[0];
        // An error message may quote the input back: only what we did not send is a leak.
        if (match !== undefined && !sent.includes(match)) {
          problems.push(`the answer shows internals (${JSON.stringify(match)})`);
        }
      }
      problems.push(...FuzzRunner.internalErrors(outcome.body));
    }
    if (problems.length > 0) {
      // The log line of an error can trail its answer: wait for it, so that it is reported
      // here and not against the next case.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    problems.push(...this.newTrouble());
    if (!this.coordinator.running) {
      problems.push('the coordinator exited');
    }
    if (problems.length > 0) {
      throw new Error(
        `${problems.join('; ')}\n` +
          `case: ${FuzzRunner.describe(fuzzCase)}\n` +
          `answer: ${outcome ? `${outcome.status} ${outcome.body.slice(0, 1000)}` : '-'}\n` +
          `coordinator output:\n${this.tail()}`,
      );
    }
  }

  /**
   * JSON-RPC "internal error" answers: an exception escaped a handler. The SDK also answers
   * -32603 when a built-in method's params fail its schema (logging/setLevel with no level),
   * with the schema's issue list as the message: that is a wrong code, not a crash.
   */
  private static internalErrors(body: string): string[] {
    const messages: unknown[] = [];
    for (const text of [
      body,
      ...body
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5)),
    ]) {
      try {
        messages.push(...[JSON.parse(text)].flat());
      } catch {
        // Not JSON: the text checks above cover it.
      }
    }
    return messages
      .map((message) => (message as { error?: { code?: unknown; message?: unknown } } | null)?.error)
      .filter((error) => error?.code === -32603 && !isSchemaIssueList(error.message))
      .map((error) => `internal error ${JSON.stringify(error?.message).slice(0, 300)}`);
  }

  private impersonates(fuzzCase: FuzzCase): boolean {
    if (!this.targets.keys || fuzzCase.kind !== 'http' || !AGENT_ROUTES.test(fuzzCase.path)) {
      return false;
    }
    const agent = fuzzCase.headers['X-Agent-ID'];
    return agent !== undefined && this.targets.owners.includes(agent.trim());
  }

  private harvest(body: string): void {
    const pools: Record<string, string[]> = {
      req: this.targets.requestIds,
      conv: this.targets.conversationIds,
      task: this.targets.taskIds,
      msg: this.targets.messageIds,
    };
    for (const id of body.match(HARVESTED_IDS) ?? []) {
      const pool = pools[id.slice(0, id.indexOf('-'))];
      if (pool.length < HARVEST_LIMIT && !pool.includes(id)) {
        pool.push(id);
      }
    }
  }

  private tally(outcome: Outcome | undefined): void {
    const add = (what: string) => this.reached.set(what, (this.reached.get(what) ?? 0) + 1);
    add(outcome?.abandoned ? 'abandoned' : String(outcome?.status ?? 'none'));
    if (outcome?.body.includes('"structuredContent"')) {
      add('tool-ok');
    } else if (outcome?.body.includes('"isError":true')) {
      add('tool-error');
    }
  }

  /** Output lines since the last look that say something broke (a log line can trail its answer). */
  newTrouble(): string[] {
    const lines = this.coordinator.output.slice(this.checkedLines);
    this.checkedLines += lines.length;
    return lines
      .filter((line) => !CALL_LINE.test(line) && TROUBLE.some((pattern) => pattern.test(line)))
      .map((line) => `logged: ${line}`);
  }

  private tail(): string {
    return this.coordinator.output.slice(-15).join('\n');
  }

  private async sendHttp(fuzzCase: HttpCase): Promise<Outcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), fuzzCase.abortAfterMs ?? CASE_LIMIT_MS);
    let status: number | undefined;
    try {
      const response = await fetch(`${this.coordinator.url}${fuzzCase.path}`, {
        method: fuzzCase.method,
        headers: fuzzCase.headers,
        body: fuzzCase.body,
        redirect: 'manual',
        signal: controller.signal,
      });
      status = response.status;
      return { status, body: await response.text() };
    } catch (error) {
      if (controller.signal.aborted && fuzzCase.abortAfterMs !== undefined) {
        return { status, body: '', abandoned: true };
      }
      if (controller.signal.aborted) {
        throw new Error(`nothing within ${CASE_LIMIT_MS} ms`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes the bytes, reads until the coordinator closes; no answer at all is fine for broken framing. */
  private sendRaw(fuzzCase: RawCase): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const socket = connect(this.coordinator.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        const text = Buffer.concat(chunks).toString('latin1');
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1];
        resolve({
          status: status === undefined ? undefined : Number(status),
          body: text.replace(/^[\s\S]*?\r\n\r\n/, ''),
        });
      };
      const timer = setTimeout(finish, 3000);
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('close', finish);
      // A reset after a 400 is how Node refuses a malformed request: not our failure to report.
      socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? finish() : reject(error)));
      socket.end(fuzzCase.bytes);
    });
  }

  private static sentText(fuzzCase: FuzzCase): string {
    if (fuzzCase.kind === 'raw') {
      return Buffer.from(fuzzCase.bytes).toString('latin1');
    }
    const body = typeof fuzzCase.body === 'string' ? fuzzCase.body : Buffer.from(fuzzCase.body ?? []).toString();
    return `${decodeSafely(fuzzCase.path)} ${JSON.stringify(fuzzCase.headers)} ${Object.values(fuzzCase.headers).join(' ')} ${body}`;
  }

  /** The case with a short description for fast-check's report (a 1 MB body would drown it). */
  static printable<T extends FuzzCase>(fuzzCase: T): T {
    return Object.assign(fuzzCase, { [fc.toStringMethod]: () => FuzzRunner.describe(fuzzCase) });
  }

  /** The case, short enough to read in a failure and exact enough to send again. */
  static describe(fuzzCase: FuzzCase): string {
    if (fuzzCase.kind === 'raw') {
      return `raw ${JSON.stringify(Buffer.from(fuzzCase.bytes).toString('latin1').slice(0, 2000))}`;
    }
    const body =
      typeof fuzzCase.body === 'string'
        ? JSON.stringify(
            fuzzCase.body.length > 2000
              ? `${fuzzCase.body.slice(0, 2000)}… (${fuzzCase.body.length} chars)`
              : fuzzCase.body,
          )
        : fuzzCase.body && `bytes ${Buffer.from(fuzzCase.body).toString('hex').slice(0, 600)}`;
    return `${fuzzCase.method} ${fuzzCase.path.slice(0, 500)} headers=${JSON.stringify(fuzzCase.headers)} body=${body ?? '-'}`;
  }
}

function isSchemaIssueList(message: unknown): boolean {
  try {
    const issues = JSON.parse(String(message)) as unknown;
    return (
      Array.isArray(issues) &&
      issues.every(
        (issue: { code?: unknown; path?: unknown }) => typeof issue.code === 'string' && Array.isArray(issue.path),
      )
    );
  } catch {
    return false;
  }
}

function decodeSafely(path: string): string {
  try {
    return `${path} ${decodeURIComponent(path)}`;
  } catch {
    return path;
  }
}
