// Keeping connection credentials out of everything the REPL prints or saves.

/** `scheme://anything@` — the userinfo part of a URI (user, or user:password). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"`]+@/gi;
/** `scheme://user:password@` — a URI that carries a password. */
const USER_AND_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@'"`:]*:[^\s/?#@'"`]*@/i;

/** `mongodb://user:pass@host/db` → `mongodb://<credentials>@host/db`; text without a URI is returned as is. */
export function redact(text: string): string {
  return text.replace(USERINFO, '$1<credentials>@');
}

/** The password of a connection string, raw and percent-decoded (empty when there is none). */
export function secretsOf(uri: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(uri);
  const userinfo = match?.[1] ?? '';
  const colon = userinfo.indexOf(':');
  if (colon < 0) return [];
  const raw = userinfo.slice(colon + 1);
  if (!raw) return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    /* malformed escapes: the raw form is what could leak */
  }
  return [...new Set([raw, decoded])];
}

/**
 * Whether a line must stay out of the history file: it holds a URI with a password, the
 * connection string itself, or the connection's password.
 */
export function isSensitive(line: string, connectionUri: string): boolean {
  if (USER_AND_PASSWORD.test(line)) return true;
  if (connectionUri && line.includes(connectionUri)) return true;
  return secretsOf(connectionUri).some((secret) => line.includes(secret));
}
