/**
 * The doc comments of the config schema's keys, read from the source of config/*.ts with the
 * TypeScript compiler: zod cannot see comments at run time, and keeping the text in comments lets
 * every section file document its keys the usual way. Used by the config reference generator.
 *
 * From `configSchema` it follows each property's initializer to the object literal that holds the
 * nested keys: through `.default()/.prefault()/.optional()/...` chains, identifiers
 * (`db: databaseSchema`) and calls to local helpers (`resources({...})`, `heartbeat()`).
 */
import * as path from "path";
import ts from "typescript";

/** Dotted key path (without the `ologywood:` prefix) to its doc comment text. */
export type DocComments = Map<string, string>;

const OBJECT_FACTORIES = new Set(["object", "strictObject", "looseObject"]);

export function readDocComments(schemaFile = path.join(__dirname, "schema.ts"), exportName = "configSchema"): DocComments {
    const program = ts.createProgram([schemaFile], {
        allowJs: false,
        noEmit: true,
        module: ts.ModuleKind.Node16,
        moduleResolution: ts.ModuleResolutionKind.Node16,
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(schemaFile);
    if (!source) throw new Error(`cannot read ${schemaFile}`);
    const root = findVariable(source, exportName);
    if (!root?.initializer) throw new Error(`${schemaFile} declares no ${exportName}`);
    const docs: DocComments = new Map();
    collect(root.initializer, [], docs, checker, new Set());
    return docs;
}

function findVariable(source: ts.SourceFile, name: string): ts.VariableDeclaration | undefined {
    let found: ts.VariableDeclaration | undefined;
    source.forEachChild(function visit(node) {
        if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.name.text === name) found = node;
        else node.forEachChild(visit);
    });
    return found;
}

function collect(expr: ts.Expression, keyPath: string[], docs: DocComments, checker: ts.TypeChecker, seen: Set<ts.Node>): void {
    const shape = shapeLiteral(expr, checker, seen);
    if (!shape) return;
    for (const prop of shape.properties) {
        if (!ts.isPropertyAssignment(prop)) continue;
        const name = ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name) ? prop.name.text : undefined;
        if (!name) continue;
        const childPath = [...keyPath, name];
        const text = docText(prop);
        if (text) docs.set(childPath.join("."), text);
        collect(prop.initializer, childPath, docs, checker, seen);
    }
}

/** The object literal with the keys of the schema that `expr` builds, if it builds an object. */
function shapeLiteral(expr: ts.Expression, checker: ts.TypeChecker, seen: Set<ts.Node>): ts.ObjectLiteralExpression | undefined {
    if (seen.has(expr)) return undefined;
    seen = new Set(seen).add(expr);
    if (ts.isParenthesizedExpression(expr)) return shapeLiteral(expr.expression, checker, seen);
    if (ts.isIdentifier(expr)) {
        const init = declarationOf(expr, checker);
        return init && ts.isVariableDeclaration(init) && init.initializer ? shapeLiteral(init.initializer, checker, seen) : undefined;
    }
    if (!ts.isCallExpression(expr)) return undefined;
    const callee = expr.expression;
    if (ts.isPropertyAccessExpression(callee)) {
        // z.strictObject({...}): the shape itself.
        if (OBJECT_FACTORIES.has(callee.name.text) && ts.isIdentifier(callee.expression) && callee.expression.text === "z") {
            const arg = expr.arguments[0];
            return arg && ts.isObjectLiteralExpression(arg) ? arg : undefined;
        }
        // schema.default(...), .prefault(...), .superRefine(...): the schema they wrap.
        return shapeLiteral(callee.expression, checker, seen);
    }
    if (ts.isIdentifier(callee)) {
        // A local helper that returns a schema: follow what it returns.
        const decl = declarationOf(callee, checker);
        const fn = decl && ts.isVariableDeclaration(decl) ? decl.initializer : decl;
        const returned = fn && returnedExpression(fn);
        return returned ? shapeLiteral(returned, checker, seen) : undefined;
    }
    return undefined;
}

function declarationOf(id: ts.Identifier, checker: ts.TypeChecker): ts.Declaration | undefined {
    let symbol = checker.getSymbolAtLocation(id);
    if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
    return symbol?.declarations?.[0];
}

function returnedExpression(fn: ts.Node): ts.Expression | undefined {
    if ((ts.isArrowFunction(fn) || ts.isFunctionExpression(fn) || ts.isFunctionDeclaration(fn)) && fn.body) {
        if (!ts.isBlock(fn.body)) return fn.body;
        let result: ts.Expression | undefined;
        fn.body.forEachChild(function visit(node) {
            if (ts.isReturnStatement(node) && node.expression) result ??= node.expression;
            else if (!ts.isFunctionLike(node)) node.forEachChild(visit);
        });
        return result;
    }
    return undefined;
}

/** The text of the property's doc comment, on one line; "" when it has none. */
function docText(node: ts.Node): string {
    const jsDoc = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
    const comment = jsDoc?.[jsDoc.length - 1]?.comment;
    const text = typeof comment === "string" ? comment : (ts.getTextOfJSDocComment(comment) ?? "");
    return text.replace(/\s+/g, " ").trim();
}
