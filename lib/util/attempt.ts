/** `read()`, or `fallback` if it throws (a hostile getter or prototype may; a registry lookup of an unknown name does). */
export function attempt<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}
