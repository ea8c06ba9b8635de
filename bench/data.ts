// The benchmark datasets: the specification's own files (../shared/bench/single_and_multi_document.tgz,
// unpacked at run time into the git-ignored .cache/bench-data/), or, when ../shared is absent,
// generated documents of the same sizes. Sizes for scoring are the source files' byte sizes, as the
// specification defines them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Document } from 'mongodb';

export interface Dataset {
  readonly doc: Document;
  /** Bytes one operation on this document counts for (the source file's size). */
  readonly bytes: number;
}

export interface Data {
  readonly tweet: Dataset;
  readonly small: Dataset;
  readonly large: Dataset;
  readonly gridfs: Buffer;
  /** 'spec': the specification's files; 'generated': synthetic documents of the same sizes. */
  readonly source: 'spec' | 'generated';
  /** Where the files came from, and anything scaled (said in every output). */
  readonly notes: string[];
}

/** The specification's sizes (benchmarking.md), used for generated data. */
export const SPEC_SIZES = { tweet: 1622, small: 275, large: 2_731_089, gridfs: 52_428_800 } as const;

const FILES = { tweet: 'tweet.json', small: 'small_doc.json', large: 'large_doc.json', gridfs: 'gridfs_large.bin' } as const;

export interface LoadOptions {
  root: string;
  /** Quick mode: LARGE_DOC cut to its first 1% of fields, GRIDFS_LARGE to its first 1 MiB. */
  quick: boolean;
  log: (msg: string) => void;
}

export function sharedBenchDir(root: string): string {
  return resolve(root, '..', 'shared', 'bench');
}

export function loadData({ root, quick, log }: LoadOptions): Data {
  const tgz = join(sharedBenchDir(root), 'single_and_multi_document.tgz');
  const notes: string[] = [];
  let files: { tweet: Dataset; small: Dataset; large: Dataset; gridfs: Buffer };
  let source: Data['source'];
  if (existsSync(tgz)) {
    const dir = unpack(tgz, join(root, '.cache', 'bench-data'), log);
    const json = (name: string): Dataset => {
      const path = join(dir, name);
      return { doc: JSON.parse(readFileSync(path, 'utf8')) as Document, bytes: statSync(path).size };
    };
    files = { tweet: json(FILES.tweet), small: json(FILES.small), large: json(FILES.large), gridfs: readFileSync(join(dir, FILES.gridfs)) };
    source = 'spec';
    notes.push(`datasets: the specification's files (${relative(root, tgz)}, unpacked into .cache/bench-data/)`);
  } else {
    log(`${tgz} not found: generating documents of the specification's sizes`);
    files = generate();
    source = 'generated';
    notes.push(`datasets: GENERATED documents of the specification's sizes (${relative(root, sharedBenchDir(root))} is absent)`);
  }
  if (quick) {
    const keys = Object.keys(files.large.doc);
    const cut = Object.fromEntries(keys.slice(0, Math.ceil(keys.length / 100)).map((k) => [k, files.large.doc[k]]));
    files.large = { doc: cut, bytes: Buffer.byteLength(JSON.stringify(cut)) };
    files.gridfs = files.gridfs.subarray(0, Math.min(files.gridfs.length, 1024 * 1024));
    notes.push(
      `--quick: LARGE_DOC cut to its first 1% of fields (${files.large.bytes} bytes), GRIDFS_LARGE to its first ${files.gridfs.length} bytes; quick scores are not comparable with full runs`,
    );
  }
  return { ...files, source, notes };
}

/** Unpacks the tarball once; a marker records which tarball (size, mtime) the folder holds. */
function unpack(tgz: string, into: string, log: (msg: string) => void): string {
  const dir = join(into, 'single_and_multi_document');
  const marker = join(into, '.unpacked');
  const { size, mtimeMs } = statSync(tgz);
  const stamp = JSON.stringify({ tgz, size, mtimeMs });
  const complete = existsSync(marker) && readFileSync(marker, 'utf8') === stamp && Object.values(FILES).every((f) => existsSync(join(dir, f)));
  if (!complete) {
    log(`unpacking ${tgz} into ${into}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(into, { recursive: true });
    execFileSync('tar', ['-xzf', tgz, '-C', into], { stdio: ['ignore', 'ignore', 'pipe'] });
    writeFileSync(marker, stamp);
  }
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Generated data: the same shapes (a nested tweet, 13 flat fields, ~94k flat fields, random bytes)
// and the same JSON sizes as the specification's files. Seeded, so every run generates the same.

function generate(): { tweet: Dataset; small: Dataset; large: Dataset; gridfs: Buffer } {
  const rand = prng(0x5eed);
  const word = (n: number): string => {
    const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    let s = '';
    for (let i = 0; i < n; i++) s += abc[Math.floor(rand() * abc.length)];
    return s;
  };
  const flat = (fields: number, keyLength: number): Document => {
    const doc: Document = {};
    for (let i = 0; i < fields; i++) doc[word(keyLength)] = i % 2 === 0 ? word(8) : Math.floor(rand() * 1e8);
    return doc;
  };
  const tweet: Document = {
    text: word(40),
    in_reply_to_status_id: 22773233453,
    retweet_count: null,
    created_at: 'Thu Sep 02 19:38:18 +0000 2010',
    entities: { user_mentions: [{ indices: [0, 9], screen_name: word(8), id: 41832464 }], urls: [], hashtags: [] },
    user: { ...flat(12, 10), profile: { ...flat(8, 12) } },
    id: 22824602300,
  };
  const large = flat(Math.floor(SPEC_SIZES.large / 29), 12);
  const gridfs = Buffer.alloc(SPEC_SIZES.gridfs);
  for (let i = 0; i < gridfs.length; i += 4) gridfs.writeUInt32LE(Math.floor(rand() * 0x1_0000_0000), i);
  return {
    tweet: padded(tweet, SPEC_SIZES.tweet),
    small: padded(flat(13, 8), SPEC_SIZES.small),
    large: padded(large, SPEC_SIZES.large),
    gridfs,
  };
}

/** Grows or shrinks a final string field so the document's JSON is exactly `bytes` long (plus its newline). */
function padded(doc: Document, bytes: number): Dataset {
  const target = bytes - 1; // the specification's files end with a newline
  doc.pad = '';
  const base = Buffer.byteLength(JSON.stringify(doc));
  if (base > target) {
    // Too large already: drop fields from the end until it fits, then pad.
    const keys = Object.keys(doc).filter((k) => k !== 'pad');
    while (Buffer.byteLength(JSON.stringify(doc)) > target && keys.length) delete doc[keys.pop()!];
  }
  doc.pad = 'x'.repeat(Math.max(0, target - Buffer.byteLength(JSON.stringify(doc))));
  return { doc, bytes };
}

/** mulberry32: a small seeded generator (replayable runs: the datasets, spec/pool-kill's kill points). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
