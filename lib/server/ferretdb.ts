// Installs the embedded FerretDB (built from source with Go) into a git-ignored cache folder.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.2';

export function cacheDir(): string {
  return process.env.ROTOR_CACHE_DIR ?? join(packageRoot, '.cache');
}

export function ferretdbBinary(): string {
  return join(cacheDir(), 'ferretdb', FERRETDB_VERSION, 'bin', 'ferretdb');
}

export class ServerUnavailableError extends Error {
  override name = 'ServerUnavailableError';
}

function goAvailable(): boolean {
  const r = spawnSync('go', ['version'], { stdio: 'ignore' });
  return r.status === 0;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new ServerUnavailableError(`\`${cmd} ${args.join(' ')}\` failed (exit ${code}):\n${tail(out, 30)}`));
    });
  });
}

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

/**
 * Returns the path of a working FerretDB binary, building it on first use.
 *
 * Why not a bare `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: the module zip
 * ships an empty build/version/version.txt, and the binary that command builds panics at start
 * ("Invalid build/version/version.txt file content"). So we download that same module version,
 * write version.txt as FerretDB's own message instructs, and `go install ./cmd/ferretdb` with
 * GOBIN pointing into our cache.
 */
export async function ensureFerretDB(progress: (msg: string) => void = defaultProgress): Promise<string> {
  const binary = ferretdbBinary();
  if (existsSync(binary)) return binary;
  if (!goAvailable()) {
    throw new ServerUnavailableError(
      'rotor needs a MongoDB-compatible server and found none: set MONGODB_URI to a running MongoDB ' +
        '(e.g. MONGODB_URI=mongodb://127.0.0.1:27017), or install Go (https://go.dev/dl) so rotor can build ' +
        `its embedded FerretDB ${FERRETDB_VERSION}.`,
    );
  }
  const versionDir = dirname(dirname(binary));
  const work = `${versionDir}.build-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  progress(`rotor: building FerretDB ${FERRETDB_VERSION} with Go (once; this takes a minute or two)...`);
  try {
    const env = { ...process.env, GOFLAGS: '-buildvcs=false', GOBIN: join(work, 'bin') };
    const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], { cwd: work, env })) as {
      Dir?: string;
      Error?: string;
    };
    if (!info.Dir) throw new ServerUnavailableError(`go mod download failed: ${info.Error ?? 'no module folder'}`);
    const src = join(work, 'src');
    cpSync(info.Dir, src, { recursive: true });
    chmodRecursive(src);
    writeFileSync(join(src, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    progress('rotor: compiling FerretDB...');
    await run('go', ['install', './cmd/ferretdb'], { cwd: src, env });
    rmSync(src, { recursive: true, force: true });
    // Atomic publish: concurrent builders race harmlessly; the first rename wins.
    mkdirSync(dirname(versionDir), { recursive: true });
    try {
      renameSync(work, versionDir);
    } catch {
      /* another process published first */
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (!existsSync(binary)) throw new ServerUnavailableError(`FerretDB build finished but ${binary} is missing`);
  progress(`rotor: FerretDB ${FERRETDB_VERSION} ready in ${((Date.now() - started) / 1000).toFixed(0)} s (${binary})`);
  return binary;
}

function chmodRecursive(dir: string): void {
  // Module-cache files are read-only; we must write version.txt and let go write build files.
  spawnSync('chmod', ['-R', 'u+w', dir]);
  chmodSync(dir, 0o755);
}

function defaultProgress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
