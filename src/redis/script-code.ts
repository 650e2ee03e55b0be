/**
 * What a Lua script answers besides its data: positive codes say how it succeeded, negative
 * ones why it refused. The scripts see the same names as `Code.<Name>` (RedisScripts writes
 * this enum into each script), so a number is never spelled out twice.
 */
export enum ScriptCode {
  Ok = 1,
  /** A send or an answer that repeats one already stored: the stored one stands. */
  Duplicate = 2,
  UnknownTarget = -1,
  NoConversation = -2,
  NotParticipant = -3,
  NotFound = -4,
  NotAddressee = -5,
  NotSender = -6,
  AlreadyAnswered = -7,
  Cancelled = -8,
  Expired = -9,
  /** An idempotency key already used for a different request. */
  KeyReused = -10,
  NotDeadLetter = -11,
  /** An API key name already in use. */
  NameTaken = -12,
  TooManyKeys = -13,
  /** The target's inbox holds C3PO_INBOX_MAX_REQUESTS open requests. */
  InboxFull = -14,
  /** The request would take the target's inbox past C3PO_INBOX_MAX_BYTES. */
  InboxBytesFull = -15,
  /** The sender spent its C3PO_SENDS_PER_MINUTE tokens. */
  SendRateExceeded = -16,
  /** The coordinator holds C3PO_MAX_AGENTS agents: no record for a new one. */
  TooManyAgents = -17,
  /** All places are taken: the agent's C3PO_MAX_WAITS_PER_AGENT blocked waits, or its push sessions. */
  NoPlaceLeft = -18,
  /** The call's API key has used C3PO_MAX_AGENTS_PER_KEY agent ids: no record for another. */
  TooManyAgentsForKey = -19,
  /** The coordinator holds C3PO_MAX_BOARDS boards: no new one. */
  TooManyBoards = -20,
  /** The board holds C3PO_MAX_TASKS_PER_BOARD tasks. */
  BoardFull = -21,
  /** A dependency that is no task of the board. */
  UnknownDependency = -22,
  /** Dependencies that would make a task depend on itself. */
  DependencyCycle = -23,
  TaskNotFound = -24,
  /** Claimed (by someone else, for a claim or a change of dependencies). */
  TaskClaimed = -25,
  TaskDone = -26,
  TaskFailed = -27,
  /** Available, but some dependencies are not done yet. */
  TaskWaiting = -28,
  /** Available: nobody claimed it, so nobody can complete, fail or release it. */
  TaskNotClaimed = -29,
  /** Claimed by another agent than the caller. */
  NotAssignee = -30,
  /** The addressee's mailbox holds C3PO_MAILBOX_MAX_MESSAGES messages. */
  MailboxFull = -40,
  /** An ack from an agent the message was not delivered to. */
  NotRecipient = -41,
  /** The agent is subscribed to C3PO_MAX_TOPICS_PER_AGENT topics. */
  TooManyTopics = -42,
  /** An ack of an ACK message: acks are not acknowledged. */
  AckOfAck = -43,
  /** Another agent's live reservation overlaps a requested path, and one of the two is exclusive. */
  ReservationConflict = -60,
  /** The coordinator holds C3PO_MAX_RESERVATIONS live reservations. */
  TooManyReservations = -61,
  /** The agent holds C3PO_MAX_RESERVATIONS_PER_AGENT live reservations. */
  TooManyReservationsForAgent = -62,
}

/** A code as words for logs and the audit trail: Ok → "ok", UnknownTarget → "unknown target". */
export function describeCode(code: ScriptCode): string {
  return (ScriptCode[code] ?? String(code)).replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
}
