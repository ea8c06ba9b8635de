// How a script's uncaught error is reported: `file:line: Name: message`, the line taken from the
// error's stack (the first frame in one of the script files) — a syntax error's stack starts with
// `file:line` — and no stack trace.
import { redact } from './credentials.js';
import { formatError } from './format.js';

export function scriptErrorText(error: unknown, files: string[]): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a thrown value's stack is whatever it carries (a string for Errors)
  const stack = typeof error === 'object' && error !== null ? String((error as { stack?: unknown }).stack ?? '') : '';
  for (const file of files) {
    const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const line = new RegExp(`(?:^|[\\s(])${escaped}:(\\d+)`, 'm').exec(stack)?.[1];
    if (line) return `${file}:${line}: ${redact(formatError(error))}`;
  }
  return `${files[0] ?? 'rotor'}: ${redact(formatError(error))}`;
}
