// Source rewrites that keep mongosh's habits in Node's evaluator, made on the top level of a
// statement only (outside strings, template literals, comments, regular expressions and brackets):
// - `const x` / `let x` / `class X` become `var` bindings, so typing them again at the prompt, or
//   load()ing a file twice, redefines them (Node's REPL would say "already declared");
// - a line that is a shell command (`use name`, `show dbs`) becomes a call, so scripts and --eval
//   take them too (the REPL's prompt recognises them itself, ./shell.ts).
// A small scanner, not a parser: it knows where the top level is, which is all these need.

interface Scan {
  /** Offsets of the first character of each top-level word token, with the token. */
  words: Array<{ at: number; text: string; afterNewline: boolean; previous: string }>;
  /** [start, end) of each `//` comment. */
  lineComments: Array<[number, number]>;
  /** Offsets of `}` that bring the depth back to 0. */
  closes: number[];
}

const WORD = /[A-Za-z_$][\w$]*/y;
/** After these, a `/` starts a regular expression; after anything else it divides. */
const REGEX_AFTER = new Set(['', '(', ',', '=', ':', '[', '!', '&', '|', '?', '{', '}', ';', '+', '-', '*', '%', '<', '>', '~', '^', 'return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'await', 'yield']);

function scan(code: string): Scan {
  const words: Scan['words'] = [];
  const lineComments: Scan['lineComments'] = [];
  const closes: number[] = [];
  /** Open brackets; a template literal's `${` is pushed as '${'. */
  const stack: string[] = [];
  let previous = '';
  let afterNewline = true;
  let i = 0;
  const templateBody = (): void => {
    // inside `...`: up to the closing backquote or a `${`
    while (i < code.length) {
      const c = code[i]!;
      if (c === '\\') i += 2;
      else if (c === '`') {
        i++;
        return;
      } else if (c === '$' && code[i + 1] === '{') {
        i += 2;
        stack.push('${');
        return;
      } else i++;
    }
  };
  while (i < code.length) {
    const c = code[i]!;
    if (c === '\n') {
      afterNewline = true;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && code[i + 1] === '/') {
      const end = code.indexOf('\n', i);
      const stop = end < 0 ? code.length : end;
      lineComments.push([i, stop]);
      i = stop;
      continue;
    }
    if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
      continue;
    }
    const wasNewline = afterNewline;
    afterNewline = false;
    if (c === '"' || c === "'") {
      for (i++; i < code.length && code[i] !== c && code[i] !== '\n'; i++) if (code[i] === '\\') i++;
      i++;
      previous = 'string';
      continue;
    }
    if (c === '`') {
      i++;
      templateBody();
      previous = 'string';
      continue;
    }
    if (c === '/' && REGEX_AFTER.has(previous)) {
      let inClass = false;
      for (i++; i < code.length && code[i] !== '\n'; i++) {
        if (code[i] === '\\') i++;
        else if (code[i] === '[') inClass = true;
        else if (code[i] === ']') inClass = false;
        else if (code[i] === '/' && !inClass) break;
      }
      i++;
      WORD.lastIndex = i;
      if (WORD.exec(code)) i = WORD.lastIndex; // flags
      previous = 'regex';
      continue;
    }
    WORD.lastIndex = i;
    const word = /[A-Za-z_$]/.test(c) ? WORD.exec(code)?.[0] : undefined;
    if (word) {
      if (stack.length === 0) words.push({ at: i, text: word, afterNewline: wasNewline, previous });
      i += word.length;
      previous = word;
      continue;
    }
    if (/[0-9]/.test(c)) {
      i = (/[\w.]*/y.exec(code.slice(i))?.[0].length ?? 1) + i;
      previous = 'number';
      continue;
    }
    if (c === '(' || c === '[' || c === '{') stack.push(c);
    else if (c === ')' || c === ']' || c === '}') {
      const open = stack.pop();
      if (c === '}' && open === '${') {
        i++;
        templateBody();
        previous = 'string';
        continue;
      }
      if (c === '}' && stack.length === 0) closes.push(i);
    }
    previous = c;
    i++;
  }
  return { words, lineComments, closes };
}

/** Whether a word sits where a statement starts (so `let`/`class` there are declarations). */
const startsStatement = (w: Scan['words'][number]): boolean => ['', ';', '}'].includes(w.previous) || (w.afterNewline && w.previous !== '.');

/** `code` with its top-level const/let/class declarations made `var` bindings (see above). */
export function redeclarable(code: string): string {
  if (!/\b(?:const|let|class)\b/.test(code)) return code;
  const { words, closes } = scan(code);
  const edits: Array<[at: number, remove: number, insert: string]> = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    const next = words[k + 1];
    if (!startsStatement(w)) continue;
    if ((w.text === 'const' || w.text === 'let') && /^\s*[A-Za-z_$[{]/.test(code.slice(w.at + w.text.length))) {
      edits.push([w.at, w.text.length, 'var']);
    } else if (w.text === 'class' && next && next.at > w.at && /^\s+$/.test(code.slice(w.at + 5, next.at))) {
      const end = closes.find((c) => c > next.at);
      if (end === undefined) continue;
      edits.push([w.at, 0, `var ${next.text} = `], [end + 1, 0, ';']);
    }
  }
  let out = code;
  for (const [at, remove, insert] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, at) + insert + out.slice(at + remove);
  return out;
}

/** One line of a multi-line entry for the history: its `// comment` made a block comment, so the joined line still parses. */
export function joinLines(lines: string[]): string {
  return lines
    .map((line) => {
      const comment = scan(line).lineComments[0];
      return comment ? `${line.slice(0, comment[0])}/*${line.slice(comment[0] + 2, comment[1]).replace(/\*\//g, '* /')} */` : line;
    })
    .map((l) => l.trim())
    .join(' ');
}

const SHELL_LINE = /^([ \t]*)(use[ \t]+([^\s;'"`()]+)|show[ \t]+([A-Za-z]+))[ \t]*;?[ \t]*$/;

/**
 * Script lines that are shell commands, made calls on the same line (so file:line stays right):
 * `use name` → `use("name");`, `show what` → `await <runner>("show what");`.
 */
export function shellLines(code: string, runner: string): string {
  if (!/^[ \t]*(?:use|show)[ \t]/m.test(code)) return code;
  const topLevel = new Set(scan(code).words.filter((w) => (w.text === 'use' || w.text === 'show') && (w.afterNewline || w.at === 0)).map((w) => w.at));
  let offset = 0;
  return code
    .split('\n')
    .map((line) => {
      const start = offset;
      offset += line.length + 1;
      const m = SHELL_LINE.exec(line);
      if (!m || !topLevel.has(start + m[1]!.length)) return line;
      return m[3] ? `${m[1]}use(${JSON.stringify(m[3])});` : `${m[1]}await ${runner}(${JSON.stringify(m[2]!.trim())});`;
    })
    .join('\n');
}
