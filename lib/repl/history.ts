// Persistent REPL history: one entry per line, oldest first, in ~/.rotor_repl_history (or
// ROTOR_REPL_HISTORY; empty disables it). Lines holding credentials are never kept.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { REPLServer } from 'node:repl';

export const HISTORY_SIZE = 1000;

/** Where history goes: ROTOR_REPL_HISTORY when set (empty: nowhere), else the home folder. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ROTOR_REPL_HISTORY !== undefined) return env.ROTOR_REPL_HISTORY || null;
  return join(homedir(), '.rotor_repl_history');
}

/**
 * Loads saved entries into the REPL (terminal mode only: readline keeps no history otherwise) and
 * appends each accepted line. `sensitive` lines are dropped from the in-memory history too, so
 * they cannot come back by being saved later.
 */
export function attachHistory(server: REPLServer, path: string, sensitive: (line: string) => boolean, warn: (msg: string) => void): void {
  const rl = server as REPLServer & { history: string[] };
  let entries: string[] = [];
  try {
    if (existsSync(path)) entries = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() && !sensitive(l));
    if (entries.length > HISTORY_SIZE) {
      entries = entries.slice(-HISTORY_SIZE);
      writeFileSync(path, entries.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    }
  } catch (err) {
    warn(`history not loaded from ${path}: ${(err as Error).message}`);
  }
  rl.history = entries.slice().reverse(); // readline keeps the newest first
  let broken = false;
  server.on('history', (history: string[]) => {
    for (let i = history.length - 1; i >= 0; i--) if (sensitive(history[i]!)) history.splice(i, 1);
  });
  server.on('line', (line: string) => {
    if (broken || !line.trim() || sensitive(line)) return;
    try {
      appendFileSync(path, `${line.replace(/\r?\n/g, ' ')}\n`, { mode: 0o600 });
    } catch (err) {
      broken = true;
      warn(`history not saved to ${path}: ${(err as Error).message}`);
    }
  });
}
