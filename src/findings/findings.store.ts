import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { fromFlat } from '../redis/from-flat.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';

export interface NewFinding {
  author: string;
  text: string;
  tags: string[];
  files: string[];
  /** The words search_findings matches: of the text, tags and files. */
  words: string[];
}

/** A finding as stored: tags and files as JSON arrays, created_at in ms; `score` from a search. */
export interface FindingRecord {
  id: string;
  author: string;
  text: string;
  tags: string;
  files: string;
  created_at: string;
  score?: string;
}

/** All Redis I/O for findings: one script to add (evicting the oldest), one to rank. */
@Injectable()
export class FindingsStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  async add(finding: NewFinding): Promise<{ id: string; createdAt: number }> {
    const k = this.keys;
    const [id, createdAt] = await this.scripts.run(
      Scripts.addFinding,
      { findings: k.findings, sequence: k.findingSequence },
      {
        findingPrefix: k.findingPrefix,
        author: finding.author,
        text: finding.text,
        tagsJson: JSON.stringify(finding.tags),
        filesJson: JSON.stringify(finding.files),
        // Spaces around every entry, so that a search finds ' word ' whole, never inside another.
        words: ` ${finding.words.join(' ')} `,
        tagIndex: ` ${finding.tags.join(' ')} `,
        maxFindings: this.config.C3PO_MAX_FINDINGS,
      },
    );
    return { id, createdAt: Number(createdAt) };
  }

  /** The best `limit` findings for the words and tags, and how many match in all. */
  async search(
    words: string[],
    tags: string[],
    limit: number,
  ): Promise<{ matches: number; findings: FindingRecord[] }> {
    const k = this.keys;
    const [matches, flats] = await this.scripts.run(
      Scripts.searchFindings,
      { findings: k.findings },
      {
        findingPrefix: k.findingPrefix,
        words: words.join('\n'),
        tags: tags.join('\n'),
        limit,
        pageBytes: this.config.C3PO_PAGE_MAX_BYTES,
      },
    );
    return { matches, findings: flats.map((flat) => fromFlat<FindingRecord>(flat)) };
  }
}
