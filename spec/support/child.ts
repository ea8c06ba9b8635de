// Runs a node child to completion and collects its output; killed (and failed) after a timeout, so
// a spec that spawns something never hangs.
import { spawn } from 'node:child_process';

export interface ChildRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runNode(
  args: string[],
  options: { env: NodeJS.ProcessEnv; stdin?: string; timeoutMS: number; what: string; cwd?: string },
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    // process.execArgv: the mongodb 6 run's loader hook applies to the child too.
    const child = spawn(process.execPath, [...process.execArgv, ...args], {
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${options.what} did not finish in time.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, options.timeoutMS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  });
}
