import { BadRequestException, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { normalizeRepoPaths } from '../common/repo-path.js';
import { checkMessageBytes } from '../common/message-bytes.js';
import { isoFromMs } from '../common/timestamps.js';
import { FindingRecord, FindingsStore } from './findings.store.js';
import { MAX_QUERY_WORDS, searchWords } from './search-words.js';

/** Most tags and files on one finding. */
export const MAX_FINDING_TAGS = 20;
export const MAX_FINDING_FILES = 50;
/** Most findings one search returns. */
export const MAX_SEARCH_LIMIT = 50;
export const DEFAULT_SEARCH_LIMIT = 10;

/** A tag, once lowercased: a letter or digit, then up to 63 of those or . _ : / - */
const TAG_PATTERN = /^[\p{L}\p{N}][\p{L}\p{N}._:/-]{0,63}$/u;

export interface AddFindingInput {
  text: string;
  tags?: string[];
  files?: string[];
}

export interface SearchFindingsInput {
  query?: string;
  tags?: string[];
  limit?: number;
}

export interface FindingView {
  id: string;
  author: string;
  text: string;
  tags: string[];
  files: string[];
  created_at: string;
}

export interface SearchFindingsResult {
  /** The best first (most query words matched), then the newest. */
  findings: (FindingView & { score: number })[];
  /** Findings that match in all, of which `findings` is the best page. */
  matches: number;
}

/**
 * Shared findings: what one agent learned that others should know. Stock Redis has no full-text
 * search, so a search counts the query's words in each kept finding (C3PO_MAX_FINDINGS of them).
 */
@Injectable()
export class FindingsService {
  constructor(
    private readonly store: FindingsStore,
    private readonly config: AppConfig,
  ) {}

  async add(author: string, input: AddFindingInput): Promise<{ finding: FindingView }> {
    if (input.text.trim() === '') {
      throw new BadRequestException('text is empty: say what you found');
    }
    checkMessageBytes('text', input.text, this.config.C3PO_MAX_MESSAGE_BYTES, 'write a summary, or split it');
    const tags = normalizeTags(input.tags ?? []);
    if ((input.files ?? []).length > MAX_FINDING_FILES) {
      throw new BadRequestException(`files has ${input.files!.length} paths, at most ${MAX_FINDING_FILES}`);
    }
    const files = normalizeRepoPaths(input.files ?? [], 'files');
    const words = [...new Set([input.text, ...tags, ...files].flatMap(searchWords))];
    const stored = await this.store.add({ author, text: input.text, tags, files, words });
    return {
      finding: { id: stored.id, author, text: input.text, tags, files, created_at: isoFromMs(stored.createdAt)! },
    };
  }

  async search(input: SearchFindingsInput): Promise<SearchFindingsResult> {
    const words = searchWords(input.query ?? '').slice(0, MAX_QUERY_WORDS);
    const tags = normalizeTags(input.tags ?? []);
    const limit = input.limit ?? DEFAULT_SEARCH_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new BadRequestException(`limit must be 1-${MAX_SEARCH_LIMIT}`);
    }
    const found = await this.store.search(words, tags, limit);
    return {
      findings: found.findings.map((record) => ({ ...findingView(record), score: Number(record.score) })),
      matches: found.matches,
    };
  }
}

/** Tags lowercased, each once; refused unless each is a tag. */
function normalizeTags(input: string[]): string[] {
  if (input.length > MAX_FINDING_TAGS) {
    throw new BadRequestException(`tags has ${input.length} entries, at most ${MAX_FINDING_TAGS}`);
  }
  const tags = [...new Set(input.map((tag) => tag.trim().toLowerCase()))];
  const bad = tags.find((tag) => !TAG_PATTERN.test(tag));
  if (bad !== undefined) {
    throw new BadRequestException(
      `tag ${JSON.stringify(bad.slice(0, 100))} is invalid: use 1-64 letters, digits, '.', '_', ':', '/' or '-', ` +
        'starting with a letter or digit',
    );
  }
  return tags;
}

function findingView(record: FindingRecord): FindingView {
  return {
    id: record.id,
    author: record.author,
    text: record.text,
    tags: JSON.parse(record.tags) as string[],
    files: JSON.parse(record.files) as string[],
    created_at: isoFromMs(record.created_at)!,
  };
}
