// Keeping connection credentials out of everything the REPL prints or saves. Connection strings
// are redacted by the driver's own redactConnectionString (mongodb-connection-string-url, a
// dependency of the driver): it knows every secret the URI format can carry — the password, and
// query-string secrets such as tlsCertificateKeyFilePassword or authMechanismProperties values.
import { ConnectionString, redactConnectionString } from 'mongodb-connection-string-url';

import { MONGODB_URI } from '../util/redact.js';

export { redact } from '../util/redact.js';

/** The secrets of a connection string (password, query-string secrets), raw and percent-decoded. */
export function secretsOf(uri: string): string[] {
  let parsed: ConnectionString;
  try {
    parsed = new ConnectionString(uri, { looseValidation: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  if (parsed.password) found.push(parsed.password);
  for (const key of ['tlsCertificateKeyFilePassword', 'proxyPassword']) {
    const value = parsed.searchParams.get(key);
    if (value) found.push(value);
  }
  const properties = parsed.searchParams.get('authMechanismProperties');
  for (const pair of properties ? properties.split(',') : []) {
    const value = pair.slice(pair.indexOf(':') + 1);
    if (pair.includes(':') && value) found.push(value);
  }
  const decoded = found.flatMap((raw) => {
    try {
      return [raw, decodeURIComponent(raw), encodeURIComponent(raw)];
    } catch {
      return [raw];
    }
  });
  return [...new Set(decoded)].filter((s) => s.length > 0);
}

/**
 * Whether a line must stay out of the history file: it holds a URI carrying a secret (the
 * driver's redaction changes it even with user names kept), the connection string itself, or
 * one of the connection's secrets.
 */
export function isSensitive(line: string, connectionUri: string): boolean {
  for (const uri of line.match(MONGODB_URI) ?? []) {
    if (redactConnectionString(uri, { redactUsernames: false }) !== uri) return true;
  }
  if (/\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@'"`:]*:[^\s/?#@'"`]*@/i.test(line)) return true;
  if (connectionUri && line.includes(connectionUri)) return true;
  return secretsOf(connectionUri).some((secret) => line.includes(secret));
}
