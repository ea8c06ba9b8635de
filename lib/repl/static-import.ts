// Static `import` lines in the REPL: Node's REPL refuses them (it evaluates scripts, not modules),
// so each is rewritten to the dynamic import it means, keeping the names as global bindings.
// Specifiers resolve as in Node's REPL: relative to the working directory.

/** import clause from 'specifier' [with { ... }] — one whole statement; null when `code` is not one. */
const IMPORT = /^\s*import\s+(?:([\w$]+)\s*,?\s*)?(?:\*\s+as\s+([\w$]+)|\{([^}]*)\})?\s*(?:from\s*)?(['"])([^'"]+)\4\s*(?:(?:with|assert)\s*\{[^}]*\})?\s*;?\s*$/;

/** The rewritten statement(s) when `code` consists of static import lines only; undefined otherwise. */
export function rewriteStaticImports(code: string): string | undefined {
  const lines = code.split('\n').filter((l) => l.trim() !== '');
  if (!lines.length || !lines.every((l) => /^\s*import\s[^(]/.test(l))) return undefined;
  const out: string[] = [];
  for (const line of lines) {
    const m = IMPORT.exec(line);
    if (!m) return undefined;
    const [, fallback, namespace, named, , specifier] = m;
    const source = `await import(${JSON.stringify(specifier)})`;
    const bindings: string[] = [];
    if (fallback) bindings.push(`default: ${fallback}`);
    for (const part of (named ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
      const [name, alias] = part.split(/\s+as\s+/).map((s) => s.trim());
      bindings.push(alias ? `${quoteKey(name!)}: ${alias}` : name!);
    }
    if (namespace) {
      out.push(`var ${namespace} = ${source};`);
      if (bindings.length) out.push(`var { ${bindings.join(', ')} } = ${namespace};`);
    } else if (bindings.length) out.push(`var { ${bindings.join(', ')} } = ${source};`);
    else out.push(`${source};`);
  }
  return `${out.join(' ')}\n`;
}

function quoteKey(name: string): string {
  return /^[\w$]+$/.test(name) ? name : JSON.stringify(name.replace(/^['"]|['"]$/g, ''));
}
