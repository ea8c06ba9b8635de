// The driver's type tests adapted to a blocking entry point (rotor/sync), mechanically: where the
// driver's member returns Promise<T> the sync member returns T, so what a test states as a Promise
// of the result is restated as the result. `await` of a non-promise is still T, so
// `expectType<T>(await x.method())` holds as written and is left alone. The rules, on the syntax
// tree of each file (nothing by hand, nothing per file):
// - assertion:  a tsd assertion's type argument `Promise<X>` (expectType, expectNotType,
//               expectAssignable, expectNotAssignable) becomes `X`;
// - alias:      a type alias declared as `Promise<X>` (a test's name for a result) becomes `X`;
// - wrapper:    a function that is not `async` and declares `Promise<X>` as its result (a test's
//               wrapper around a driver call) declares `X`;
// - user-fn:    an `async` function given directly to withSession / withTransaction loses `async`
//               and the `await`s of its own body: those take synchronous functions whose result they
//               return (the same rule, on the result of the function the caller passes in).
// Each edit replaces text with spaces of the same length (`Promise<X>` → `        X `), so every line
// and column stays where it is in the original and diagnostics compare with the driver's by position.
import ts from 'typescript';

export type SyncRule = 'assertion' | 'alias' | 'wrapper' | 'user-fn';

const TYPE_ASSERTIONS = new Set(['expectType', 'expectNotType', 'expectAssignable', 'expectNotAssignable']);
const USER_FUNCTION_TAKERS = new Set(['withSession', 'withTransaction']);

export interface SyncAdaptation {
  text: string;
  /** Edits made, per rule. */
  edits: Record<SyncRule, number>;
}

interface Edit {
  start: number;
  end: number;
}

export function adaptForSync(text: string, fileName = 'test.ts'): SyncAdaptation {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  const counts: Record<SyncRule, number> = { assertion: 0, alias: 0, wrapper: 0, 'user-fn': 0 };

  /** `Promise<X>` → `        X `: blanks the name, `<` and the closing `>`. */
  const unwrap = (type: ts.TypeNode | undefined, rule: SyncRule): void => {
    if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName) || type.typeName.text !== 'Promise') return;
    const inner = type.typeArguments?.[0];
    if (!inner || type.typeArguments.length !== 1) return;
    edits.push({ start: type.getStart(file), end: inner.getStart(file) }, { start: inner.getEnd(), end: type.getEnd() });
    counts[rule]++;
  };

  /** The `await` keywords of a function body, not those of functions nested in it. */
  const awaitsOf = (node: ts.Node): void => {
    if (ts.isAwaitExpression(node)) edits.push({ start: node.getStart(file), end: node.expression.getStart(file) });
    if (!ts.isFunctionLike(node)) node.forEachChild(awaitsOf);
  };

  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      if (ts.isIdentifier(callee) && TYPE_ASSERTIONS.has(callee.text)) node.typeArguments?.forEach((t) => unwrap(t, 'assertion'));
      if (ts.isPropertyAccessExpression(callee) && USER_FUNCTION_TAKERS.has(callee.name.text)) {
        for (const arg of node.arguments) {
          if (!ts.isArrowFunction(arg) && !ts.isFunctionExpression(arg)) continue;
          const modifier = arg.modifiers?.find((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
          if (!modifier) continue;
          edits.push({ start: modifier.getStart(file), end: modifier.getEnd() });
          awaitsOf(arg.body);
          counts['user-fn']++;
        }
      }
    }
    if (ts.isTypeAliasDeclaration(node)) unwrap(node.type, 'alias');
    if (ts.isFunctionLike(node) && 'body' in node && node.body && !ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.AsyncKeyword)) {
      unwrap(node.type, 'wrapper');
    }
    node.forEachChild(visit);
  };
  visit(file);

  let out = '';
  let at = 0;
  for (const edit of edits.sort((a, b) => a.start - b.start)) {
    if (edit.start < at) throw new Error(`${fileName}: overlapping sync adaptations at ${edit.start}`);
    out += text.slice(at, edit.start) + text.slice(edit.start, edit.end).replace(/[^\n]/g, ' ');
    at = edit.end;
  }
  return { text: out + text.slice(at), edits: counts };
}
