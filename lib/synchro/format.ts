// The unified test format's structures (only what the runner reads) and the file loader.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BSON } from 'mongodb';

export type Doc = Record<string, any>;

export interface RunOnRequirement {
  minServerVersion?: string;
  maxServerVersion?: string;
  topologies?: string[];
  serverless?: 'require' | 'forbid' | 'allow';
  serverParameters?: Doc;
  auth?: boolean;
  authMechanism?: string;
  csfle?: boolean | Doc;
}

export interface CollectionData {
  collectionName: string;
  databaseName: string;
  createOptions?: Doc;
  documents: Doc[];
}

export interface Operation {
  name: string;
  object: string;
  arguments?: Doc;
  ignoreResultAndError?: boolean;
  expectError?: ExpectedError;
  expectResult?: unknown;
  saveResultAsEntity?: string;
}

export interface ExpectedError {
  isError?: boolean;
  isClientError?: boolean;
  isTimeoutError?: boolean;
  errorContains?: string;
  errorCode?: number;
  errorCodeName?: string;
  errorLabelsContain?: string[];
  errorLabelsOmit?: string[];
  writeErrors?: Doc;
  writeConcernErrors?: Doc[];
  errorResponse?: Doc;
  expectResult?: unknown;
}

export interface ExpectedEventsForClient {
  client: string;
  eventType?: 'command' | 'cmap' | 'sdam';
  events: Doc[];
  ignoreExtraEvents?: boolean;
}

export interface UnifiedTest {
  description: string;
  runOnRequirements?: RunOnRequirement[];
  skipReason?: string;
  operations: Operation[];
  expectEvents?: ExpectedEventsForClient[];
  expectLogMessages?: unknown[];
  expectTracingMessages?: unknown;
  outcome?: CollectionData[];
}

export interface UnifiedFile {
  description: string;
  schemaVersion: string;
  runOnRequirements?: RunOnRequirement[];
  createEntities?: Doc[];
  initialData?: CollectionData[];
  tests: UnifiedTest[];
}

export interface LoadedFile {
  /** Absolute path. */
  readonly path: string;
  /** Path shown in reports (relative to the folder given on the command line). */
  readonly name: string;
  readonly content: UnifiedFile;
}

/** The newest schema version this runner reads (files up to 1.x with x <= this minor are accepted). */
export const SCHEMA_VERSION = '1.28';

/**
 * Extended JSON, canonical or relaxed, as values the driver takes: Int32 and Double become
 * numbers, Long a number when it is a safe integer (so options like `limit` stay numbers) and a
 * Long otherwise (no precision lost). Everything else keeps its BSON class.
 */
export function parseExtendedJSON(text: string): unknown {
  return relax(BSON.EJSON.parse(text, { relaxed: false }));
}

function relax(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relax);
  if (typeof value !== 'object' || value === null) return value;
  switch ((value as { _bsontype?: string })._bsontype) {
    case 'Int32':
    case 'Double':
      return (value as { value: number }).value;
    case 'Long': {
      const n = Number((value as { toString(): string }).toString());
      return Number.isSafeInteger(n) ? n : value;
    }
    case undefined:
      break;
    default:
      return value;
  }
  if (value instanceof Date || value instanceof RegExp) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = relax(v);
  return out;
}

/** Every `.json` file under the given folders (recursively) or the given files, in a stable order. */
export function findFiles(inputs: string[]): { path: string; name: string }[] {
  const out: { path: string; name: string }[] = [];
  for (const input of inputs) {
    const abs = resolve(input);
    if (statSync(abs).isDirectory()) {
      const base = abs.split('/').pop()!;
      for (const rel of walk(abs)) out.push({ path: join(abs, rel), name: `${base}/${rel}` });
    } else {
      out.push({ path: abs, name: abs.split('/').slice(-2).join('/') });
    }
  }
  return out;
}

function walk(dir: string, prefix = ''): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const full = join(dir, entry);
      const rel = prefix ? `${prefix}/${entry}` : entry;
      if (statSync(full).isDirectory()) return walk(full, rel);
      return entry.endsWith('.json') ? [rel] : [];
    });
}

export function loadFile(path: string, name: string): LoadedFile {
  return { path, name, content: parseExtendedJSON(readFileSync(path, 'utf8')) as UnifiedFile };
}

/** "1.2.3" → [1, 2, 3]; anything after the patch number (-rc0, build metadata) is dropped. */
export function parseVersion(version: string): number[] {
  const parts = version.split(/[.-]/).slice(0, 3).map((p) => Number.parseInt(p, 10));
  while (parts.length < 3) parts.push(0);
  return parts.map((n) => (Number.isFinite(n) ? n : 0));
}

export function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** Deep copy of test-file data (plain objects and arrays; BSON values are shared), so no run sees another's changes. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (typeof value === 'object' && value !== null && !(value as { _bsontype?: string })._bsontype && !(value instanceof Date) && !(value instanceof RegExp)) {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = clone(v);
      return out as T;
    }
  }
  return value;
}
