/**
 * Every Redis key and channel the coordinator uses, built from one prefix.
 *
 * The prefix is wrapped in a hash tag ("{c3po}:…") so that all keys live in one Cluster slot:
 * a send touches the sender's conversation and the target's inbox at once, and the scripts
 * derive request keys from ids they pop (as BullMQ's scripts do), which Cluster allows only
 * within one slot.
 */
export class RedisKeys {
  readonly base: string;

  constructor(prefix: string) {
    this.base = `{${prefix}}:`;
  }

  get agentIndex(): string {
    return `${this.base}agents`;
  }

  agent(agentId: string): string {
    return `${this.base}agent:${agentId}`;
  }

  /** Prefix of request hashes; scripts append the request id. */
  get requestPrefix(): string {
    return `${this.base}req:`;
  }

  request(requestId: string): string {
    return `${this.requestPrefix}${requestId}`;
  }

  /** Requests not yet handed to the addressee (state "queued"), oldest first. */
  queued(agentId: string): string {
    return `${this.queuedPrefix}${agentId}`;
  }

  /** Prefix of queued zsets, for the script that derives them from the requests it takes back. */
  get queuedPrefix(): string {
    return `${this.base}queued:`;
  }

  /** Every open request addressed to the agent ("queued" or "delivered"), oldest first. */
  pending(agentId: string): string {
    return `${this.pendingPrefix}${agentId}`;
  }

  get pendingPrefix(): string {
    return `${this.base}pending:`;
  }

  /** Bytes of message and context of each request in the agent's pending zset, and their `total`. */
  inboxBytes(agentId: string): string {
    return `${this.inboxBytesPrefix}${agentId}`;
  }

  get inboxBytesPrefix(): string {
    return `${this.base}inbox-bytes:`;
  }

  /** A payer's token bucket for sends (tokens, at): C3PO_SENDS_PER_MINUTE. The payer is the sender, or `key:<id>` for all the agent ids of an API key. */
  sendBucket(payer: string): string {
    return `${this.base}send-bucket:${payer}`;
  }

  /** The agent's blocked waits, in every process, by when each ends at the latest. */
  waits(agentId: string): string {
    return `${this.base}waits:${agentId}`;
  }

  /** Delivered requests by the time their lease runs out. */
  get leases(): string {
    return `${this.base}leases`;
  }

  /** Undeliverable requests (dead letters) by the time they became so. */
  get deadLetters(): string {
    return `${this.base}dead`;
  }

  /** The request a send with this fingerprint (or idempotency key hash) stored. */
  dedupe(hash: string): string {
    return `${this.base}dedupe:${hash}`;
  }

  conversation(conversationId: string): string {
    return `${this.base}conv:${conversationId}`;
  }

  conversationMembers(conversationId: string): string {
    return `${this.base}conv:${conversationId}:members`;
  }

  conversationTurns(conversationId: string): string {
    return `${this.base}conv:${conversationId}:turns`;
  }

  /** Monotonic counter that orders inboxes (creation times can tie). */
  get sequence(): string {
    return `${this.base}seq`;
  }

  /** Capped stream of security events (sends, answers, key changes, refusals). */
  get audit(): string {
    return `${this.base}audit`;
  }

  /** An API key's record (name, agent pattern, hash, times). */
  apiKey(keyId: string): string {
    return `${this.apiKeyPrefix}${keyId}`;
  }

  /** The agent ids an API key used, by when (C3PO_MAX_AGENTS_PER_KEY). */
  apiKeyAgents(keyId: string): string {
    return `${this.apiKey(keyId)}:agents`;
  }

  get apiKeyPrefix(): string {
    return `${this.base}apikey:`;
  }

  /** Key ids by the SHA-256 of the key. */
  get apiKeysByHash(): string {
    return `${this.base}apikeys:by-hash`;
  }

  /** Key ids by name. */
  get apiKeysByName(): string {
    return `${this.base}apikeys:by-name`;
  }

  /** The agent's push sessions (MCP sessions of the /push endpoint) by when each lapses. */
  pushSessions(agentId: string): string {
    return `${this.base}push-sessions:${agentId}`;
  }

  /** The agent's push sessions whose event stream is open now, by when each lapses unless renewed. */
  pushStreams(agentId: string): string {
    return `${this.pushStreamsPrefix}${agentId}`;
  }

  get pushStreamsPrefix(): string {
    return `${this.base}push-streams:`;
  }

  /** Answers to the agent's requests not yet read or pushed, by answer time (ids). */
  answers(agentId: string): string {
    return `${this.answersPrefix}${agentId}`;
  }

  get answersPrefix(): string {
    return `${this.base}answers:`;
  }

  /**
   * The request ids the Stop hook showed one Claude Code session at its last block (a set): it
   * blocks again under stop_hook_active only for a request not among them.
   */
  hookStopShown(agentId: string, sessionId: string): string {
    return `${this.base}hook:${agentId}:${sessionId}:stop-shown`;
  }

  /** The request ids the PostToolUse hook nudged one session about, by when (a zset). */
  hookNudged(agentId: string, sessionId: string): string {
    return `${this.base}hook:${agentId}:${sessionId}:nudged`;
  }

  /** Finding ids by sequence number (C3PO_MAX_FINDINGS, the oldest leave first). */
  get findings(): string {
    return `${this.base}findings`;
  }

  /** Counter that numbers findings: ids never collide. */
  get findingSequence(): string {
    return `${this.base}finding-seq`;
  }

  /** Prefix of finding hashes; scripts append the finding id. */
  get findingPrefix(): string {
    return `${this.base}finding:`;
  }

  /** Live file reservations: field `<agent>\n<pattern>`, value the reservation as JSON. */
  get reservations(): string {
    return `${this.base}reservations`;
  }

  /** The reservations' fields by when each lapses. */
  get reservationExpiry(): string {
    return `${this.base}reservation-expiry`;
  }

  /** Counter that numbers messages (`msg-<n>`) and orders mailboxes and the timeline. */
  get messageSequence(): string {
    return `${this.base}msg-seq`;
  }

  /**
   * Prefix of a message's keys; scripts append the id, and for its other keys `:rcpt` (its
   * recipients' states), `:acks` (ackers by ack time) and `:ack-comments` (their comments).
   */
  get messagePrefix(): string {
    return `${this.base}msg:`;
  }

  message(messageId: string): string {
    return `${this.messagePrefix}${messageId}`;
  }

  /** Each recipient of a message and where it is: 'new', 'shown' (awaiting its ack), 'read', 'acked'. */
  messageRecipients(messageId: string): string {
    return `${this.message(messageId)}:rcpt`;
  }

  messageAcks(messageId: string): string {
    return `${this.message(messageId)}:acks`;
  }

  messageAckComments(messageId: string): string {
    return `${this.message(messageId)}:ack-comments`;
  }

  /** The agent's undelivered messages (and those awaiting its ack), by priority, then publication order. */
  mailbox(agentId: string): string {
    return `${this.mailboxPrefix}${agentId}`;
  }

  get mailboxPrefix(): string {
    return `${this.base}mailbox:`;
  }

  /** The same ids as the agent's mailbox, by when each message expires. */
  mailboxExpiry(agentId: string): string {
    return `${this.mailboxExpiryPrefix}${agentId}`;
  }

  get mailboxExpiryPrefix(): string {
    return `${this.base}mailbox-exp:`;
  }

  /** A topic's subscribers (a set of agent ids); scripts build it as prefix + topic + ':subs'. */
  topicSubscribers(topic: string): string {
    return `${this.topicPrefix}${topic}:subs`;
  }

  get topicPrefix(): string {
    return `${this.base}topic:`;
  }

  /** The topics an agent subscribed to (a set): C3PO_MAX_TOPICS_PER_AGENT. */
  subscriptions(agentId: string): string {
    return `${this.subscriptionsPrefix}${agentId}`;
  }

  get subscriptionsPrefix(): string {
    return `${this.base}subs:`;
  }

  /** Every published message but ACKs, by number: C3PO_TIMELINE_MAX_MESSAGES, the oldest trimmed. */
  get timeline(): string {
    return `${this.base}timeline`;
  }

  /** The ids of claimed tasks the Stop hook reminded one Claude Code session of, by when (a zset). */
  hookClaimsTold(agentId: string, sessionId: string): string {
    return `${this.base}hook:${agentId}:${sessionId}:claims-told`;
  }

  /** The ack-awaiting message ids the hooks told one Claude Code session about, by when (a zset). */
  hookMessagesTold(agentId: string, sessionId: string): string {
    return `${this.base}hook:${agentId}:${sessionId}:msgs-told`;
  }

  /** Prefix of agent hashes, for scripts that read the agents their ids name (task claimers). */
  get agentPrefix(): string {
    return `${this.base}agent:`;
  }

  /**
   * Prefix of task hashes; scripts append a task id, and ":waiting" (its dependencies not done
   * yet, a set) or ":dependents" (the tasks that depend on it, a set). See includes/task.lua.
   */
  get taskPrefix(): string {
    return `${this.base}task:`;
  }

  task(taskId: string): string {
    return `${this.taskPrefix}${taskId}`;
  }

  taskWaiting(taskId: string): string {
    return `${this.task(taskId)}:waiting`;
  }

  taskDependents(taskId: string): string {
    return `${this.task(taskId)}:dependents`;
  }

  /** The one counter task ids come from (`task-<n>`), on every board: ids never collide. */
  get taskSequence(): string {
    return `${this.base}task-seq`;
  }

  /**
   * Prefix of board hashes (goal, plan); scripts append a board name, and ":<index>" for the
   * board's zsets (boardIndex). Board names hold no ":", so the two never meet.
   */
  get boardPrefix(): string {
    return `${this.base}board:`;
  }

  board(board: string): string {
    return `${this.boardPrefix}${board}`;
  }

  /**
   * A board's task zsets: "tasks" (all) and each status's ("available", "claimed", "done",
   * "failed") by seq; "ready" the claimable ones (available, nothing to wait for) by priority, then age.
   */
  boardIndex(board: string, index: 'tasks' | 'ready' | 'available' | 'claimed' | 'done' | 'failed'): string {
    return `${this.board(board)}:${index}`;
  }

  /** Boards with tasks or a plan, by their last change (C3PO_MAX_BOARDS). */
  get boards(): string {
    return `${this.base}boards`;
  }

  /** Claimed tasks by when their lease runs out. */
  get taskLeases(): string {
    return `${this.base}task-leases`;
  }

  /** Done and failed tasks by when they closed (C3PO_TASK_KEEP_S). */
  get closedTasks(): string {
    return `${this.base}task-closed`;
  }

  /** Pub/sub channel carrying wake-ups between coordinator processes. */
  get events(): string {
    return `${this.base}events`;
  }
}
