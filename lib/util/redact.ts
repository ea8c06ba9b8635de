// Connection strings as rotor prints them anywhere (REPL, CLI, server harness, bench): through the
// driver's own redactConnectionString (mongodb-connection-string-url, a dependency of the driver),
// which knows every secret the URI format can carry — the password, and query-string secrets such as
// tlsCertificateKeyFilePassword or authMechanismProperties values.
import { redactConnectionString } from 'mongodb-connection-string-url';

/** A mongodb:// or mongodb+srv:// URI inside some text (up to a quote or whitespace). */
export const MONGODB_URI = /\bmongodb(?:\+srv)?:\/\/[^\s'"`]+/gi;
/**
 * `scheme://anything@` in other schemes: an http proxy URL in an error message, and look-alikes of
 * a connection string (`mongodbx://`, `mongo://`) that the parser above does not take.
 */
const OTHER_USERINFO = /\b((?!mongodb(?:\+srv)?:\/\/)[a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"`]+@/gi;

/** Every URI in `text` redacted: `mongodb://user:pass@host/db` → `mongodb://<credentials>@host/db`. */
export function redact(text: string): string {
  return text.replace(MONGODB_URI, (uri) => redactConnectionString(uri)).replace(OTHER_USERINFO, '$1<credentials>@');
}
