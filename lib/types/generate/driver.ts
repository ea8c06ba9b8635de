// The driver's declarations as the generator sees them: one TypeScript program over the driver's
// own `.d.ts`, its exported names, and each class declaration with the chain of classes it extends
// (so a member declared on a base class can be restated in terms of the derived class's type
// parameters).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** A type node and the type-parameter bindings in force where it was written. */
export interface Binding {
  readonly node: ts.TypeNode;
  readonly env: Env;
}
/** Type parameter of a declaring class → what it stands for in the class being generated. */
export type Env = ReadonlyMap<ts.Symbol, Binding>;

export interface DriverClass {
  readonly name: string;
  readonly decl: ts.ClassDeclaration;
  /** This class, then each base class in the driver's typings, with the bindings that map its type parameters. */
  readonly chain: ReadonlyArray<{ readonly decl: ts.ClassDeclaration; readonly env: Env }>;
}

export interface DriverTypes {
  readonly program: ts.Program;
  readonly checker: ts.TypeChecker;
  readonly file: ts.SourceFile;
  /** Path of the declaration file read. */
  readonly path: string;
  /** `name@version` of the driver package. */
  readonly label: string;
  /** Names the `mongodb` module exports (types and values). */
  readonly exports: ReadonlySet<string>;
  cls(name: string): DriverClass | undefined;
}

/** The driver package's declaration file, found from `from` (a directory) the way Node resolves `mongodb`. */
export function locateDriver(packageName = 'mongodb', from = process.cwd()): { path: string; label: string } {
  const require = createRequire(join(from, 'noop.js'));
  const pkgPath = require.resolve(`${packageName}/package.json`);
  const pkg = require(pkgPath) as { name: string; version: string; types?: string; typings?: string };
  return { path: join(dirname(pkgPath), pkg.types ?? pkg.typings ?? 'index.d.ts'), label: `${pkg.name}@${pkg.version}` };
}

export function loadDriver(path: string, label: string): DriverTypes {
  const program = ts.createProgram([path], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: ['node'],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(path);
  if (!file) throw new Error(`cannot read the driver's declarations at ${path}`);
  const moduleSymbol = checker.getSymbolAtLocation(file);
  if (!moduleSymbol) throw new Error(`${path} is not a module`);
  const exports = new Set(checker.getExportsOfModule(moduleSymbol).map((s) => s.name));
  const classes = new Map<string, ts.ClassDeclaration>();
  for (const statement of file.statements) if (ts.isClassDeclaration(statement) && statement.name) classes.set(statement.name.text, statement);
  const cache = new Map<string, DriverClass>();
  return {
    program,
    checker,
    file,
    path,
    label,
    exports,
    cls(name) {
      const hit = cache.get(name);
      if (hit) return hit;
      const decl = classes.get(name);
      if (!decl) return undefined;
      const made: DriverClass = { name, decl, chain: chainOf(decl, checker, classes) };
      cache.set(name, made);
      return made;
    },
  };
}

/** Walks `extends` clauses within the driver's file, binding each base's type parameters. */
function chainOf(decl: ts.ClassDeclaration, checker: ts.TypeChecker, classes: ReadonlyMap<string, ts.ClassDeclaration>): DriverClass['chain'] {
  const chain: Array<{ decl: ts.ClassDeclaration; env: Env }> = [{ decl, env: new Map() }];
  for (let current = chain[0]; current; ) {
    const heritage = current.decl.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
    const base = heritage && ts.isIdentifier(heritage.expression) ? classes.get(heritage.expression.text) : undefined;
    if (!heritage || !base) break;
    const env = new Map<ts.Symbol, Binding>();
    const args = heritage.typeArguments ?? [];
    (base.typeParameters ?? []).forEach((param, i) => {
      const symbol = checker.getSymbolAtLocation(param.name);
      if (!symbol) return;
      const arg = args[i];
      // A missing argument takes the parameter's default, which may name earlier parameters of the base.
      const binding: Binding = arg
        ? { node: arg, env: current!.env }
        : { node: param.default ?? param.constraint ?? ts.factory.createKeywordTypeNode(ts.SyntaxKind.AnyKeyword), env };
      env.set(symbol, binding);
    });
    current = { decl: base, env };
    chain.push(current);
  }
  return chain;
}
