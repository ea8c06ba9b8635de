// Restates a declaration node of the driver's typings in the generated module, where the driver is
// `import type * as driver from 'mongodb'`:
// - a name the driver exports becomes `driver.Name`;
// - a class the registry wraps becomes the generated handle type (`Collection<T>`) where a value
//   flows out to the caller (a positive position: results, the arguments a user function receives),
//   and stays the driver's class where the caller passes one in (a handle is assignable to it; where
//   a mode's handles are not, see `passedHandles`, the handle type is accepted alongside it);
// - a base class's type parameter is replaced by what the derived class binds it to (env);
// - names from Node's modules that the driver imports are imported the same way.
import ts from 'typescript';
import type { DriverTypes, Env } from './driver.js';

export interface RewriteScope {
  readonly driver: DriverTypes;
  /** Registered classes, generated in the output module under the same names. */
  readonly handles: ReadonlySet<string>;
  /** Imports of Node module types the output needs: local name → import clause text and module. */
  readonly imports: Map<string, { clause: string; module: string }>;
  /**
   * Handle types that are not assignable to the driver's class of the same name (a mode whose
   * handles do not extend it): where the caller passes a value in, `driver.Db` becomes
   * `driver.Db | Db`, so `new Db(client)` and `new GridFSBucket(db)` take the entry's own handles.
   */
  readonly passedHandles?: ReadonlySet<string>;
}

export interface RewriteOptions {
  readonly env: Env;
  /** Whether values flowing out may be handles (the registry wraps this member's results). */
  readonly wrapsResults: boolean;
  /** Type parameters to rename: a base class's method whose own parameter shares a name with the derived class's. */
  readonly renames?: ReadonlyMap<ts.Symbol, string>;
}

const f = ts.factory;

export function rewrite<T extends ts.Node>(node: T, scope: RewriteScope, options: RewriteOptions): T {
  const result = ts.transform<ts.Node>(node, [(context) => (root) => visitNode(root, 1, options.env, context)]);
  const out = result.transformed[0] as T;
  result.dispose();
  return out;

  function visitNode(n: ts.Node, polarity: 1 | -1, env: Env, context: ts.TransformationContext): ts.Node {
    const visit = (child: ts.Node, pol: 1 | -1 = polarity, e: Env = env): ts.Node => visitNode(child, pol, e, context);
    // A parameter's type receives values in the opposite direction of its function's result.
    if (ts.isParameter(n)) return ts.visitEachChild(n, (c) => visit(c, polarity === 1 ? -1 : 1), context);
    if (ts.isTypeReferenceNode(n)) {
      const head = leftmost(n.typeName);
      const symbol = scope.driver.checker.getSymbolAtLocation(head);
      const args = n.typeArguments?.map((a) => visit(a) as ts.TypeNode);
      if (symbol && symbol.flags & ts.SymbolFlags.TypeParameter) {
        const renamed = options.renames?.get(symbol);
        if (renamed) return f.createTypeReferenceNode(renamed, args);
        const bound = env.get(symbol);
        return bound ? visit(bound.node, polarity, bound.env) : n;
      }
      const alias = options.wrapsResults ? handleCallbackAlias(symbol) : undefined;
      if (alias) {
        // `WithSessionCallback<T>` = `(session: ClientSession) => Promise<T>`: the session a user
        // function receives is a handle, so the alias is spelled out to type it as one.
        const aliasEnv = new Map(env);
        alias.typeParameters?.forEach((p, i) => {
          const arg = n.typeArguments?.[i] ?? p.default;
          const param = scope.driver.checker.getSymbolAtLocation(p.name);
          if (arg && param) aliasEnv.set(param, { node: arg, env });
        });
        return visit(alias.type, polarity, aliasEnv);
      }
      const renamed = rename(head, symbol, polarity);
      const updated = f.updateTypeReferenceNode(n, renamed ? replaceHead(n.typeName, renamed) : n.typeName, args ? f.createNodeArray(args) : undefined);
      const passed = polarity === -1 && ts.isIdentifier(n.typeName) && symbol?.declarations?.[0]?.getSourceFile() === scope.driver.file && scope.passedHandles?.has(n.typeName.text);
      return passed ? f.createUnionTypeNode([updated, f.createTypeReferenceNode(n.typeName.text, args)]) : updated;
    }
    if (ts.isTypeQueryNode(n)) {
      const head = leftmost(n.exprName);
      const renamed = rename(head, scope.driver.checker.getSymbolAtLocation(head), -1);
      return renamed ? f.updateTypeQueryNode(n, replaceHead(n.exprName, renamed), n.typeArguments) : n;
    }
    if (ts.isTypeParameterDeclaration(n)) {
      const renamed = options.renames?.get(scope.driver.checker.getSymbolAtLocation(n.name)!);
      const visited = ts.visitEachChild(n, (c) => visit(c), context);
      return renamed ? f.updateTypeParameterDeclaration(visited, visited.modifiers, f.createIdentifier(renamed), visited.constraint, visited.default) : visited;
    }
    if (ts.isImportTypeNode(n)) throw new Error(`the generator does not handle import() types: ${n.getText(scope.driver.file)}`);
    return ts.visitEachChild(n, (c) => visit(c), context);
  }

  /** A driver type alias for a function type that mentions a registered class (a user function's signature). */
  function handleCallbackAlias(symbol: ts.Symbol | undefined): ts.TypeAliasDeclaration | undefined {
    const decl = symbol?.declarations?.[0];
    if (!decl || !ts.isTypeAliasDeclaration(decl) || decl.getSourceFile() !== scope.driver.file || !ts.isFunctionTypeNode(decl.type)) return undefined;
    let mentions = false;
    const look = (node: ts.Node): void => {
      if (ts.isTypeReferenceNode(node) && ts.isIdentifier(node.typeName) && scope.handles.has(node.typeName.text)) mentions = true;
      else node.forEachChild(look);
    };
    look(decl.type);
    return mentions ? decl : undefined;
  }

  /** The name to write for a driver-file symbol, or undefined to keep it (globals, Node's types). */
  function rename(id: ts.Identifier, symbol: ts.Symbol | undefined, polarity: 1 | -1): ts.EntityName | undefined {
    const decl = symbol?.declarations?.[0];
    if (!symbol || !decl || decl.getSourceFile() !== scope.driver.file) return undefined;
    const name = id.text;
    if (ts.isImportSpecifier(decl) || ts.isNamespaceImport(decl) || ts.isImportClause(decl)) {
      if (scope.driver.exports.has(name)) return qualified(name);
      return f.createIdentifier(importExternal(decl, name));
    }
    if (scope.handles.has(name) && options.wrapsResults && polarity === 1) return f.createIdentifier(name);
    if (scope.driver.exports.has(name)) return qualified(name);
    throw new Error(`${scope.driver.label}: '${name}' is used in a signature but not exported by the driver`);
  }

  function importExternal(decl: ts.ImportSpecifier | ts.NamespaceImport | ts.ImportClause, name: string): string {
    const importDecl = ts.isImportSpecifier(decl) ? decl.parent.parent.parent : ts.isNamespaceImport(decl) ? decl.parent.parent : decl.parent;
    const module = (importDecl.moduleSpecifier as ts.StringLiteral).text;
    const local = `${module.replace(/\W/g, '_')}$${name}`;
    const clause = ts.isImportSpecifier(decl) ? `{ ${(decl.propertyName ?? decl.name).text} as ${local} }` : ts.isNamespaceImport(decl) ? `* as ${local}` : local;
    scope.imports.set(local, { clause, module });
    return local;
  }
}

function qualified(name: string): ts.EntityName {
  return f.createQualifiedName(f.createIdentifier('driver'), name);
}

function leftmost(name: ts.EntityName): ts.Identifier {
  return ts.isIdentifier(name) ? name : leftmost(name.left);
}

function replaceHead(name: ts.EntityName, head: ts.EntityName): ts.EntityName {
  return ts.isIdentifier(name) ? head : f.createQualifiedName(replaceHead(name.left, head), name.right);
}

/** Whether a (rewritten or original) type node is `Promise<X>`; returns X. */
export function promised(type: ts.TypeNode | undefined): ts.TypeNode | undefined {
  if (!type || !ts.isTypeReferenceNode(type) || !ts.isIdentifier(type.typeName) || type.typeName.text !== 'Promise') return undefined;
  return type.typeArguments?.[0];
}
