// `rotor run [node options] app.js [args]` and `rotor register-flag`: rotor/register by absolute
// path. `--import=rotor/register` in NODE_OPTIONS is resolved from each process's working directory
// (Node's rule), so a CLI whose child processes run in other folders (temp folders in tests) fails
// with ERR_MODULE_NOT_FOUND there; a file URL resolves the same from anywhere.
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { fileURLToPath } from 'node:url';

/** The flag that preloads rotor/register from any folder (a file URL: no space to quote in NODE_OPTIONS). */
export function registerFlag(): string {
  return `--import=${pathToFileURL(fileURLToPath(new URL('../register/register.cjs', import.meta.url))).href}`;
}

/** NODE_OPTIONS with the flag added (once), so the app and every node process it starts get the hook. */
export function withRegister(nodeOptions: string | undefined): string {
  const flag = registerFlag();
  const current = nodeOptions?.trim() ?? '';
  return current.split(/\s+/).includes(flag) ? current : [current, flag].filter(Boolean).join(' ');
}

/** Runs node with `args` under rotor/register; resolves with its exit status (a signal's death is passed on). */
export function runCommand(args: string[]): Promise<number> {
  const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: withRegister(process.env.NODE_OPTIONS) } });
  // Ctrl-C reaches the whole foreground group, the app included: this process only waits for it.
  // A signal sent to this process alone (a supervisor's SIGTERM) is passed on.
  const ignore = (): void => {};
  const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
  process.on('SIGINT', ignore);
  process.on('SIGTERM', forward);
  process.on('SIGHUP', forward);
  return new Promise((resolve) => {
    child.on('error', (err) => {
      process.stderr.write(`rotor: could not start node: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      process.off('SIGTERM', forward);
      process.off('SIGHUP', forward);
      if (signal) process.kill(process.pid, signal); // end as the app did
      resolve(code ?? 1);
    });
  });
}
