// Persistent REPL history: one entry per line, oldest first, in ~/.rotor_repl_history (or
// ROTOR_REPL_HISTORY; empty disables it). Lines holding credentials are never kept.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { REPLServer } from 'node:repl';
import { joinLines } from './top-level.js';

export const HISTORY_SIZE = 1000;

/** Where history goes: ROTOR_REPL_HISTORY when set (empty: nowhere), else the home folder. */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.ROTOR_REPL_HISTORY !== undefined) return env.ROTOR_REPL_HISTORY || null;
  return join(homedir(), '.rotor_repl_history');
}

/**
 * Loads saved entries into the REPL (terminal mode only: readline keeps no history otherwise) and
 * saves each statement once it is complete: a statement typed over several lines becomes one entry
 * (its lines joined, `// comments` made block comments), in memory and in the file, so it is
 * recalled whole. `sensitive` lines are dropped from the in-memory history too, so they cannot come
 * back by being saved later. `path` null: in memory only. Returns what the REPL calls when a
 * statement has been evaluated (not when it awaits more lines).
 */
export function attachHistory(server: REPLServer, path: string | null, sensitive: (line: string) => boolean, warn: (msg: string) => void): { statementDone(): void } {
  const rl = server as REPLServer & { history: string[] };
  let entries: string[] = [];
  try {
    if (path && existsSync(path)) entries = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() && !sensitive(l));
    if (path && entries.length > HISTORY_SIZE) {
      entries = entries.slice(-HISTORY_SIZE);
      writeFileSync(path, entries.map((l) => `${l}\n`).join(''), { mode: 0o600 });
    }
  } catch (err) {
    warn(`history not loaded from ${path}: ${(err as Error).message}`);
  }
  rl.history = entries.slice().reverse(); // readline keeps the newest first
  let broken = false;
  const save = (entry: string): void => {
    if (broken || !path || sensitive(entry)) return;
    try {
      appendFileSync(path, `${entry.replace(/\r?\n/g, ' ')}\n`, { mode: 0o600 });
    } catch (err) {
      broken = true;
      warn(`history not saved to ${path}: ${(err as Error).message}`);
    }
  };
  server.on('history', (history: string[]) => {
    for (let i = history.length - 1; i >= 0; i--) if (sensitive(history[i]!)) history.splice(i, 1);
  });
  /** The lines of the statement being typed. */
  let lines: string[] = [];
  server.on('line', (line: string) => {
    if (!line.trim()) return;
    // A dot-command is never evaluated: it is an entry of its own at once.
    if (!lines.length && /^\s*\.[A-Za-z]/.test(line)) return save(line);
    lines.push(line);
  });
  return {
    statementDone() {
      const typed = lines;
      lines = [];
      if (!typed.length) return;
      if (typed.length === 1) return save(typed[0]!);
      const entry = joinLines(typed);
      // readline added each line as an entry (newest first): the statement's lines become one.
      const last = typed.slice().reverse();
      if (last.every((line, i) => rl.history[i] === line)) rl.history.splice(0, typed.length, entry);
      save(entry);
    },
  };
}
