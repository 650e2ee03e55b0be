import type { RequestState } from '../requests/request-record.js';
import { defineScript } from './redis-script.js';
import { ScriptCode } from './script-code.js';

/** A hash as Lua returns it: [field, value, …]. */
export type FlatHash = string[];
/** Most refusals are a bare code (limits add a measure: LimitRefusal); successes a table led by their code. */
type Refusal = ScriptCode;
/** A limit's refusal: its code and the measure the caller is told (how full, how long to wait). */
type LimitRefusal<C extends ScriptCode> = [C, number];
/** A task as the task scripts return it: its hash, and the dependencies it still waits for. */
export type TaskFlat = [FlatHash, string[]];
/** The task scripts' first three arguments (includes/task.lua). */
const TASK_ARGS = ['taskPrefix', 'boardPrefix', 'channel'] as const;
/** Why an agent cannot complete, fail or release a task (includes/task.lua notOwnClaim). */
type NotOwnClaim =
  | ScriptCode.TaskNotFound
  | ScriptCode.TaskDone
  | ScriptCode.TaskFailed
  | ScriptCode.TaskNotClaimed
  | [ScriptCode.NotAssignee, string];

/** A reservation as the scripts reply it: agent, pattern, '1' exclusive or '0', reason, created_at, expires_at. */
export type ReservationReply = [string, string, '1' | '0', string, number, number];
/** A requested pattern or a checked path, followed by the reservation it meets. */
export type ReservationMatch = [string, ...ReservationReply];

/**
 * Every Lua script the coordinator runs, with its keys and arguments named as the script's
 * contract comment names them. RedisScripts registers each one and runs it by these names.
 */
export const Scripts = {
  touchAgent: defineScript<
    ScriptCode.Ok | ScriptCode.NotFound | ScriptCode.TooManyAgents | ScriptCode.TooManyAgentsForKey
  >()(
    'touchAgent',
    ['agent', 'agentIndex', 'keyAgents'],
    ['agentId', 'ttlS', 'sessionId', 'create', 'maxAgents', 'maxAgentsPerKey'],
  ),
  leaveSession: defineScript<0 | 1>()('leaveSession', ['agent'], ['sessionId']),
  listAgents: defineScript<[number, number, number, FlatHash[], string, number]>()(
    'listAgents',
    ['agentIndex'],
    ['horizonMs', 'agentPrefix', 'cursorSeen', 'cursorTies', 'limit', 'onlineWindowMs', 'pushStreamsPrefix'],
  ),
  countOnline: defineScript<number>()('countOnline', ['agentIndex'], ['onlineWindowMs']),
  registerSession: defineScript<string[]>()(
    'registerSession',
    ['agent'],
    ['sessionId', 'sessionLiveMs', 'profileJson'],
  ),
  sendRequest: defineScript<
    | Refusal
    | LimitRefusal<ScriptCode.SendRateExceeded | ScriptCode.InboxFull | ScriptCode.InboxBytesFull>
    | [ScriptCode.Ok, string, string, number, string, string, FlatHash | null]
    | [ScriptCode.Duplicate, string, string, string, string, string, RequestState]
  >()(
    'sendRequest',
    [
      'target',
      'request',
      'queued',
      'pending',
      'conversation',
      'members',
      'turns',
      'sequence',
      'dedupe',
      'leases',
      'inboxBytes',
      'sendBucket',
    ],
    [
      'requestId',
      'conversationId',
      'startsConversation',
      'from',
      'to',
      'message',
      'context',
      'ttlS',
      'keepS',
      'channel',
      'deliverNow',
      'leaseMs',
      'fingerprint',
      'idempotent',
      'requestPrefix',
      'inboxMaxRequests',
      'inboxMaxBytes',
      'sendsPerMinute',
    ],
  ),
  claimRequest: defineScript<[FlatHash | null, number]>()(
    'claimRequest',
    ['queued', 'pending', 'leases', 'inboxBytes'],
    ['requestPrefix', 'leaseMs'],
  ),
  listPending: defineScript<[number, FlatHash[], string[], number, string]>()(
    'listPending',
    ['pending', 'queued', 'leases', 'inboxBytes'],
    ['requestPrefix', 'cursor', 'limit', 'leaseMs', 'messageBytes', 'contextBytes'],
  ),
  respondToRequest: defineScript<Refusal | [ScriptCode.Ok | ScriptCode.Duplicate, string | number]>()(
    'respondToRequest',
    ['request', 'pending', 'queued', 'leases', 'dead', 'inboxBytes'],
    ['requestId', 'responder', 'response', 'responseStatus', 'channel', 'answersPrefix', 'unreadAnswerKeepMs'],
  ),
  cancelRequest: defineScript<Refusal | [ScriptCode.Ok, string | number]>()(
    'cancelRequest',
    ['request', 'pending', 'queued', 'leases', 'dead', 'inboxBytes'],
    ['requestId', 'sender', 'channel'],
  ),
  expireLeases: defineScript<[string[], string[]]>()(
    'expireLeases',
    ['leases', 'dead'],
    ['requestPrefix', 'queuedPrefix', 'pendingPrefix', 'maxDeliveries', 'limit', 'channel', 'ttlS', 'inboxBytesPrefix'],
  ),
  requeueRequest: defineScript<0 | 1>()(
    'requeueRequest',
    ['request', 'queued', 'leases'],
    ['requestId', 'channel', 'ttlS'],
  ),
  requeueDeadLetter: defineScript<ScriptCode>()(
    'requeueDeadLetter',
    ['request', 'queued', 'pending', 'dead', 'inboxBytes'],
    ['requestId', 'channel', 'ttlS'],
  ),
  createApiKey: defineScript<Refusal | [ScriptCode.Ok, number]>()(
    'createApiKey',
    ['record', 'byName', 'byHash'],
    ['id', 'name', 'agentPattern', 'hash', 'maxKeys'],
  ),
  revokeApiKey: defineScript<Refusal | [ScriptCode.Ok, string, string, string, number]>()(
    'revokeApiKey',
    ['byName', 'byHash'],
    ['nameOrId', 'recordPrefix'],
  ),
  authenticateApiKey: defineScript<[string, string, string] | null>()(
    'authenticateApiKey',
    ['byHash'],
    ['hash', 'recordPrefix', 'touchEveryMs'],
  ),
  takePlace: defineScript<ScriptCode.Ok | ScriptCode.NoPlaceLeft>()(
    'takePlace',
    ['places'],
    ['placeId', 'longestMs', 'maxPlaces'],
  ),
  renewPushSession: defineScript<ScriptCode.Ok | ScriptCode.NotFound>()(
    'renewPushSession',
    ['sessions', 'streams'],
    ['sessionId', 'lifetimeMs', 'openStream'],
  ),
  closePushStream: defineScript<0 | 1>()(
    'closePushStream',
    ['sessions', 'streams', 'agent'],
    ['sessionId', 'endSession'],
  ),
  collectPushes: defineScript<[number, [string, string, string, string][], [string, string, string, string][]]>()(
    'collectPushes',
    ['queued', 'answers', 'agent'],
    ['requestPrefix', 'sessionId', 'most', 'previewBytes', 'lookBack', 'unreadAnswerKeepMs'],
  ),
  markAnswerRead: defineScript<1>()('markAnswerRead', ['request', 'answers'], ['requestId']),
  readRequest: defineScript<FlatHash>()('readRequest', ['request', 'leases'], ['reader', 'leaseMs']),
  decideStopBlock: defineScript<0 | 1>()('decideStopBlock', ['shown'], ['again', 'ttlS', 'idsJson']),
  chooseNudge: defineScript<string[]>()('chooseNudge', ['nudged'], ['intervalMs', 'keep', 'ttlS', 'idsJson']),
  addFinding: defineScript<[string, number]>()(
    'addFinding',
    ['findings', 'sequence'],
    ['findingPrefix', 'author', 'text', 'tagsJson', 'filesJson', 'words', 'tagIndex', 'maxFindings'],
  ),
  searchFindings: defineScript<[number, FlatHash[]]>()(
    'searchFindings',
    ['findings'],
    ['findingPrefix', 'words', 'tags', 'limit', 'pageBytes'],
  ),
  reserveFiles: defineScript<
    | [ScriptCode.Ok, number, string[], ReservationMatch[]]
    | [ScriptCode.ReservationConflict, ReservationMatch[], number]
    | LimitRefusal<ScriptCode.TooManyReservations | ScriptCode.TooManyReservationsForAgent>
  >()(
    'reserveFiles',
    ['reservations', 'expiry'],
    ['agent', 'patterns', 'ttlMs', 'exclusive', 'reason', 'maxPerAgent', 'maxTotal', 'mostReported'],
  ),
  releaseFiles: defineScript<[string[], string[]]>()('releaseFiles', ['reservations', 'expiry'], ['agent', 'patterns']),
  listReservations: defineScript<[number, ReservationReply[], string]>()(
    'listReservations',
    ['reservations'],
    ['agent', 'path', 'cursor', 'limit'],
  ),
  checkPaths: defineScript<ReservationMatch[]>()('checkPaths', ['reservations'], ['agent', 'paths', 'most']),
  publishMessage: defineScript<
    | Refusal
    | LimitRefusal<ScriptCode.SendRateExceeded | ScriptCode.MailboxFull>
    | [ScriptCode.Ok, string, number, number, number, number, number]
  >()(
    'publishMessage',
    ['sequence', 'timeline', 'agentIndex', 'sendBucket', 'target', 'subscribers'],
    [
      'from',
      'mode',
      'to',
      'type',
      'subject',
      'body',
      'priority',
      'ttlS',
      'correlationId',
      'ackRequired',
      'messagePrefix',
      'mailboxPrefix',
      'mailboxExpiryPrefix',
      'agentPrefix',
      'subscriptionsPrefix',
      'recordTtlS',
      'mailboxMax',
      'timelineMax',
      'sendsPerMinute',
      'channel',
    ],
  ),
  checkMessages: defineScript<[[FlatHash, '0' | '1'][], number, number, string]>()(
    'checkMessages',
    ['mailbox', 'mailboxExpiry'],
    [
      'messagePrefix',
      'agentId',
      'cursor',
      'limit',
      'scanMax',
      'from',
      'type',
      'topic',
      'sinceMs',
      'unackedOnly',
      'peek',
      'pageBytes',
    ],
  ),
  ackMessage: defineScript<Refusal | [ScriptCode.Ok | ScriptCode.Duplicate, number | string, number, string]>()(
    'ackMessage',
    ['message', 'recipients', 'acks', 'ackComments', 'mailbox', 'mailboxExpiry', 'sequence'],
    [
      'messageId',
      'acker',
      'comment',
      'messagePrefix',
      'mailboxPrefix',
      'mailboxExpiryPrefix',
      'mailboxMax',
      'ackTtlS',
      'channel',
      'commentKeepBytes',
    ],
  ),
  subscribeTopic: defineScript<[ScriptCode.Ok | ScriptCode.Duplicate | ScriptCode.TooManyTopics, string[]]>()(
    'subscribeTopic',
    ['subscribers', 'subscriptions'],
    ['agentId', 'topic', 'maxTopics', 'ttlS', 'topicPrefix'],
  ),
  unsubscribeTopic: defineScript<[0 | 1, string[]]>()(
    'unsubscribeTopic',
    ['subscribers', 'subscriptions'],
    ['agentId', 'topic'],
  ),
  timelinePage: defineScript<[[FlatHash, number, string, number | '', [string, string, string][], string][], string]>()(
    'timelinePage',
    ['timeline'],
    [
      'messagePrefix',
      'agentId',
      'cursor',
      'limit',
      'scanMax',
      'type',
      'from',
      'sinceMs',
      'previewBytes',
      'mostAckers',
      'pageBytes',
    ],
  ),
  collectMessagePushes: defineScript<[string, string, string, string][]>()(
    'collectMessagePushes',
    ['mailbox', 'agent'],
    ['messagePrefix', 'agentId', 'sessionId', 'most', 'lookBack'],
  ),
  createTask: defineScript<
    | [ScriptCode.Ok, TaskFlat]
    | LimitRefusal<ScriptCode.TooManyBoards | ScriptCode.BoardFull>
    | [ScriptCode.UnknownDependency, string]
  >()(
    'createTask',
    ['boards', 'sequence'],
    [
      ...TASK_ARGS,
      'board',
      'creator',
      'title',
      'description',
      'priority',
      'dependsOn',
      'files',
      'hints',
      'maxTasks',
      'maxBoards',
    ],
  ),
  claimTask: defineScript<
    | [ScriptCode.Ok, TaskFlat | null]
    | ScriptCode.TaskNotFound
    | ScriptCode.TaskDone
    | ScriptCode.TaskFailed
    | [ScriptCode.TaskClaimed, string]
    | [ScriptCode.TaskWaiting, string[]]
  >()('claimTask', ['leases', 'boards'], [...TASK_ARGS, 'board', 'taskId', 'agent', 'leaseMs']),
  completeTask: defineScript<[ScriptCode.Ok | ScriptCode.Duplicate, TaskFlat] | NotOwnClaim>()(
    'completeTask',
    ['leases', 'closed', 'boards', 'task'],
    [...TASK_ARGS, 'board', 'taskId', 'agent', 'result'],
  ),
  failTask: defineScript<[ScriptCode.Ok, TaskFlat] | NotOwnClaim>()(
    'failTask',
    ['leases', 'closed', 'boards', 'task'],
    [...TASK_ARGS, 'board', 'taskId', 'agent', 'reason', 'retry', 'maxAttempts'],
  ),
  releaseTask: defineScript<[ScriptCode.Ok, TaskFlat] | NotOwnClaim>()(
    'releaseTask',
    ['leases', 'boards'],
    [...TASK_ARGS, 'board', 'taskId', 'agent'],
  ),
  updateTask: defineScript<
    | [ScriptCode.Ok, TaskFlat]
    | ScriptCode.TaskNotFound
    | ScriptCode.TaskDone
    | [ScriptCode.TaskClaimed, string]
    | [ScriptCode.UnknownDependency, string]
    | [ScriptCode.DependencyCycle, string[]]
  >()(
    'updateTask',
    ['task', 'boards'],
    [...TASK_ARGS, 'board', 'taskId', 'priority', 'setDescription', 'description', 'dependsOn'],
  ),
  setPlan: defineScript<[ScriptCode.Ok, number] | LimitRefusal<ScriptCode.TooManyBoards>>()(
    'setPlan',
    ['board', 'boards'],
    ['board', 'goal', 'plan', 'agent', 'maxBoards'],
  ),
  listTasks: defineScript<[FlatHash, [number, number, number, number], TaskFlat[], string]>()(
    'listTasks',
    ['board'],
    [...TASK_ARGS, 'board', 'status', 'assignee', 'cursor', 'limit', 'budget', 'pageBytes'],
  ),
  listClaims: defineScript<[string, string, string][]>()(
    'listClaims',
    ['leases'],
    ['taskPrefix', 'agent', 'most', 'budget'],
  ),
  sweepTaskLeases: defineScript<[string[], string[], string[]]>()(
    'sweepTaskLeases',
    ['leases', 'closed'],
    [...TASK_ARGS, 'agentPrefix', 'leaseMs', 'maxAttempts', 'limit'],
  ),
  pruneTasks: defineScript<[number, number]>()('pruneTasks', ['closed', 'boards'], [...TASK_ARGS, 'keepMs', 'limit']),
} as const;
