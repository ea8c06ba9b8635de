// What a handle type declares for each of the driver's async signatures, per flavour of entry point.
// A mode sees one signature at a time, already restated in the generated module's terms (see
// ./rewrite.ts), and returns the signatures to declare in its place.
import ts from 'typescript';
import type { ResolvedClass } from '../../registry/resolve.js';
import { promised } from './rewrite.js';

export type ModeName = 'callback' | 'sync';

export interface Mode {
  readonly name: ModeName;
  /**
   * Whether the handle type of a class extends the driver's class. It must for a handle to be
   * assignable where the driver's type is expected (the classes have private members, so only a
   * declaration that extends them is compatible). Extending, a handle type keeps the driver's
   * signatures among its own (the mode orders them: calls resolve to the first overload that
   * matches, `ReturnType<>`/`Parameters<>` read the last); otherwise it restates the driver's class
   * without the members it redeclares (see ./emit.ts).
   */
  extendsDriver(name: string): boolean;
  /** One line for the generated file's header. */
  readonly describe: string;
  /**
   * Whether the runtime module is required as the generated module runs rather than imported: ES
   * modules link their whole graph before running any, so an entry whose first import must run
   * before rotor's modules load (rotor/sync's early pool worker) needs it. Others import it (a
   * static import is what bundlers follow, and works without require() of ES modules).
   */
  readonly runtimeAfterImports?: boolean;
  /** Declarations the mode's signatures refer to, written once at the top of the generated module. */
  readonly preamble?: readonly string[];
  /** The signatures to declare for one async signature of the driver; `extending`: see extendsDriver. */
  signatures(signature: ts.MethodSignature, extending: boolean): ts.MethodSignature[];
  /** Members a handle type adds (sync: `for...of` over what `for await` iterates), given the driver class's type. */
  extraMembers?(base: string, asyncIterable: boolean): string[];
  /**
   * Whether `signatures` and `extraMembers` apply to a class (default: every class); the async
   * members of one they do not apply to keep the driver's signatures.
   */
  appliesTo?(cls: ResolvedClass): boolean;
}

const f = ts.factory;

/**
 * The driver's signature as is, preceded by the same signature with a trailing
 * `(error, result) => void` returning void, once per way of leaving out trailing optional
 * parameters (a required callback cannot follow an optional parameter). The driver's own overloads
 * come last, so `ReturnType<>`/`Parameters<>` of a member (which read the last overload) are the driver's.
 */
export const callbackMode: Mode = {
  name: 'callback',
  extendsDriver: () => true,
  describe: 'every async member keeps the driver\'s overloads and gains each with a trailing (error, result) => void callback, returning void',
  signatures(signature) {
    const result = promised(signature.type);
    const params = signature.parameters;
    if (!result || params.some((p) => p.dotDotDotToken)) return [signature];
    const callback = f.createParameterDeclaration(
      undefined,
      undefined,
      'callback',
      undefined,
      f.createFunctionTypeNode(
        undefined,
        [
          f.createParameterDeclaration(undefined, undefined, 'error', undefined, f.createUnionTypeNode([f.createTypeReferenceNode('Error'), f.createKeywordTypeNode(ts.SyntaxKind.UndefinedKeyword)])),
          f.createParameterDeclaration(undefined, undefined, 'result', undefined, result),
        ],
        f.createKeywordTypeNode(ts.SyntaxKind.VoidKeyword),
      ),
    );
    const firstOptional = params.findIndex((p) => p.questionToken);
    const shortest = firstOptional === -1 ? params.length : firstOptional;
    const variants: ts.MethodSignature[] = [];
    for (let n = shortest; n <= params.length; n++) {
      const kept = params.slice(0, n).map((p) => (p.questionToken ? f.updateParameterDeclaration(p, p.modifiers, p.dotDotDotToken, p.name, undefined, p.type, p.initializer) : p));
      variants.push(withSignature(signature, [...kept, callback], f.createKeywordTypeNode(ts.SyntaxKind.VoidKeyword)));
    }
    return [...variants, signature];
  },
};

/**
 * The result type of a user function under a blocking framework (see syncUserFunction): anything but
 * a Promise; for a Promise, a string literal type whose text is the compiler's error message.
 */
export const NOT_PROMISE = 'NotPromise';
export const NOT_PROMISE_MESSAGE = 'rotor/sync: pass a synchronous function (the calling thread is blocked, so a Promise it returned could never settle)';

/**
 * Each `Promise<T>` result becomes `T`: a blocking entry point's view of the same API. Handle types
 * restate the driver's classes (a `T` result is not a `Promise<T>`), except ClientSession's: a
 * session goes back into the driver inside options (`{ session }`), whose types require the
 * driver's own class, so its handle type extends it and keeps each async member's driver
 * signature, declared `this: never` (no call resolves to it: a session is not `never`) and before
 * the sync one (which `ReturnType<>`/`Parameters<>` read, being last). A handle is still assignable
 * to the driver's class: a signature's `this` is not compared with a target that declares none.
 */
export const syncMode: Mode = {
  name: 'sync',
  runtimeAfterImports: true,
  extendsDriver: (name) => name === 'ClientSession',
  describe: 'every async member keeps the driver\'s overloads and type parameters, returning T where the driver returns Promise<T>',
  preamble: [
    '/**',
    ' * What a function given to withSession / withTransaction returns under rotor/sync: `T`, unless it is',
    ' * a Promise (or any thenable): the function runs on the calling thread while it is blocked, so a',
    ' * Promise it returned could never settle (at run time the call throws a TypeError).',
    ' */',
    `export type ${NOT_PROMISE}<T> = T extends PromiseLike<unknown> ? '${NOT_PROMISE_MESSAGE}' : T;`,
  ],
  signatures(signature, extending) {
    const result = promised(signature.type);
    const params = signature.parameters.map(syncUserFunction);
    if (!result && params.every((p, i) => p === signature.parameters[i])) return [signature];
    const sync = withSignature(signature, params, result ?? signature.type!);
    return extending ? [uncallable(signature), sync] : [sync];
  },
  extraMembers: (base, asyncIterable) => (asyncIterable ? [`    [Symbol.iterator](): Iterator<${base} extends AsyncIterable<infer T> ? T : never>;`] : []),
  // GridFS streams (the registry's pass-through classes) stay Node streams on the caller's thread:
  // their methods keep returning Promises, and they iterate with `for await` only.
  appliesTo: (cls) => !cls.passThrough,
};

/**
 * The user's function given to withSession / withTransaction: under a blocking framework it is a
 * synchronous function returning its value (the driver's aliases type it as returning a Promise).
 */
const PROMISED_USER_FUNCTIONS = new Set(['WithSessionCallback', 'WithTransactionCallback']);
function syncUserFunction(p: ts.ParameterDeclaration): ts.ParameterDeclaration {
  const type = p.type;
  if (type && ts.isFunctionTypeNode(type)) {
    // Already expanded (see ./rewrite.ts): `(session: ClientSession) => Promise<T>` returns T.
    const result = promised(type.type);
    if (!result) return p;
    return f.updateParameterDeclaration(p, p.modifiers, p.dotDotDotToken, p.name, p.questionToken, f.updateFunctionTypeNode(type, type.typeParameters, type.parameters, notPromise(result)), p.initializer);
  }
  if (!type || !ts.isTypeReferenceNode(type)) return p;
  const name = ts.isQualifiedName(type.typeName) ? type.typeName.right.text : type.typeName.text;
  if (!PROMISED_USER_FUNCTIONS.has(name)) return p;
  const result = type.typeArguments?.[0] ?? f.createKeywordTypeNode(ts.SyntaxKind.UnknownKeyword);
  const session = f.createParameterDeclaration(undefined, undefined, 'session', undefined, f.createTypeReferenceNode('ClientSession'));
  return f.updateParameterDeclaration(p, p.modifiers, p.dotDotDotToken, p.name, p.questionToken, f.createFunctionTypeNode(undefined, [session], notPromise(result)), p.initializer);
}

/**
 * `NotPromise<T>`: a function returning a Promise is refused, saying why, while `T` is still
 * inferred from what a synchronous one returns (inference reaches a conditional type's branches)
 * and is the call's result.
 */
function notPromise(result: ts.TypeNode): ts.TypeNode {
  return f.createTypeReferenceNode(NOT_PROMISE, [result]);
}

/** The signature with `this: never`: it still makes the handle assignable to the driver's class, and no call resolves to it. */
function uncallable(s: ts.MethodSignature): ts.MethodSignature {
  const self = f.createParameterDeclaration(undefined, undefined, 'this', undefined, f.createKeywordTypeNode(ts.SyntaxKind.NeverKeyword));
  const params = s.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'));
  return withSignature(s, [self, ...params], s.type!);
}

export const MODES: Readonly<Record<ModeName, Mode>> = { callback: callbackMode, sync: syncMode };

function withSignature(s: ts.MethodSignature, parameters: readonly ts.ParameterDeclaration[], type: ts.TypeNode): ts.MethodSignature {
  return f.updateMethodSignature(s, s.modifiers, s.name, s.questionToken, s.typeParameters, f.createNodeArray(parameters), type);
}
