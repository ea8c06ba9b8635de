// What the runner knows about the server (version, topology, auth), read once per synchro run with
// a client of the bare driver, and the runOnRequirements checks against it.
import * as driver from 'mongodb';
import { compareVersions, parseVersion, type RunOnRequirement } from './format.js';
import { matches } from './match.js';
import { show } from './values.js';

export type Topology = 'single' | 'replicaset' | 'sharded' | 'load-balanced';

export interface ServerInfo {
  readonly version: number[];
  readonly topology: Topology;
  readonly auth: boolean;
  readonly serverless: boolean;
}

/** Reads the server's version and topology with a client of the bare driver. */
export async function probeServer(uri: string): Promise<ServerInfo> {
  const client = new driver.MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  try {
    const admin = client.db('admin');
    const hello = await admin.command({ hello: 1 }).catch(() => admin.command({ isMaster: 1 }));
    const build = await admin.command({ buildInfo: 1 });
    const version = Array.isArray(build.versionArray) ? (build.versionArray as number[]).slice(0, 3).map(Number) : parseVersion(String(build.version));
    const loadBalanced = /[?&]loadBalanced=true/i.test(uri);
    const topology: Topology = loadBalanced ? 'load-balanced' : hello.msg === 'isdbgrid' ? 'sharded' : hello.setName ? 'replicaset' : 'single';
    const auth = /^mongodb(\+srv)?:\/\/[^/?#]*@/.test(uri);
    return { version, topology, auth, serverless: false };
  } finally {
    await client.close();
  }
}

/** A server parameter's value (getParameter), undefined when the server does not say. */
export type ParameterLookup = (name: string) => Promise<unknown>;

/** Why none of `requirements` is met (they are alternatives), or undefined when one is. */
export async function unmetRequirements(requirements: RunOnRequirement[] | undefined, server: ServerInfo, parameter: ParameterLookup): Promise<string | undefined> {
  if (!requirements?.length) return undefined;
  const reasons: string[] = [];
  for (const r of requirements) {
    const why = await unmetRequirement(r, server, parameter);
    if (why === undefined) return undefined;
    reasons.push(why);
  }
  return `runOnRequirements not met: ${reasons.join('; or ')}`;
}

async function unmetRequirement(r: RunOnRequirement, s: ServerInfo, parameter: ParameterLookup): Promise<string | undefined> {
  const version = s.version.join('.');
  if (r.minServerVersion && compareVersions(s.version, parseVersion(r.minServerVersion)) < 0) return `server ${version} < ${r.minServerVersion}`;
  if (r.maxServerVersion && compareVersions(s.version, parseVersion(r.maxServerVersion)) > 0) return `server ${version} > ${r.maxServerVersion}`;
  if (r.topologies && !r.topologies.some((t) => t === s.topology || (t === 'sharded-replicaset' && s.topology === 'sharded'))) {
    return `topology ${s.topology} not in [${r.topologies.join(', ')}]`;
  }
  if (r.serverless === 'require' && !s.serverless) return 'needs serverless';
  if (r.serverless === 'forbid' && s.serverless) return 'not on serverless';
  if (r.auth === true && !s.auth) return 'needs authentication';
  if (r.auth === false && s.auth) return 'needs authentication off';
  if (r.authMechanism) {
    if (!s.auth) return `needs auth mechanism ${r.authMechanism}`;
    const mechanisms = await parameter('authenticationMechanisms');
    if (!Array.isArray(mechanisms) || !mechanisms.some((m) => String(m).toLowerCase() === r.authMechanism!.toLowerCase())) return `needs auth mechanism ${r.authMechanism}`;
  }
  if (r.csfle !== undefined && r.csfle !== false) return 'needs client-side encryption (not available to this runner)';
  for (const [name, want] of Object.entries(r.serverParameters ?? {})) {
    const got = await parameter(name);
    if (got === undefined || !matches(want, got)) return `server parameter ${name} is ${show(got)}, needs ${show(want)}`;
  }
  return undefined;
}
