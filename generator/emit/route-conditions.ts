// A route's `when:` as one exported predicate, `when<RouteId>(request, body)`: a chain of `&&` over direct
// reads, cheapest first (a header property and a string compare, a key-id compare or Set probe, a header
// pattern test, then a walk of the body for tools or images, and the prompt-size estimate last, which reads every string of
// the prompt). Header patterns written `/…/flags` become module constants, compiled once when the bundle
// loads (validate.ts has already compiled each one and rejected the stateful g and y flags).
// generator/emit/router-table.ts calls the predicates of a model's routes in declaration order.
import type { RouteIR } from "../ir.ts";
import { code, identifier, join, literal, name, prefixed, ts, type Code } from "../code.ts";
import type { EmitContext } from "./context.ts";

export function whenName(route: RouteIR): string {
  return prefixed("when", route.ident);
}

export function emitWhen(route: RouteIR, ctx: EmitContext): { imports: Code[]; decls: Code } | null {
  const when = route.when;
  if (when === null) return null;
  const hoisted: Code[] = [];
  const checks: Code[] = [];
  const helpers = new Set<string>();
  const patterns: Code[] = [];
  when.headers.forEach((h, i) => {
    const value = ts`request.headers[${h.name}]`;
    if ("equals" in h) {
      checks.push(ts`${value} === ${h.equals}`);
      return;
    }
    const pattern = name(identifier("", `${route.id}-header-${i}`));
    // A RegExp literal would need the source re-escaped; the constructor takes it as validate.ts checked it.
    hoisted.push(ts`const ${pattern} = new RegExp(${h.pattern}, ${h.flags});`);
    patterns.push(ts`${pattern}.test(${value} ?? "")`);
  });
  if (when.clientKeys !== null) {
    if (when.clientKeys.length === 1) checks.push(ts`request.client.keyId === ${when.clientKeys[0]!}`);
    else {
      const keys = name(identifier("", `${route.id}-keys`));
      hoisted.push(ts`const ${keys}: ReadonlySet<string | null> = new Set(${literal(when.clientKeys)});`);
      checks.push(ts`${keys}.has(request.client.keyId)`);
    }
  }
  checks.push(...patterns);
  const flag = (value: boolean | null, helper: string) => {
    if (value === null) return;
    helpers.add(helper);
    checks.push(value ? ts`${name(helper)}(body)` : ts`!${name(helper)}(body)`);
  };
  flag(when.tools, "hasTools");
  flag(when.images, "hasImages");
  if (when.promptTokensOver !== null) {
    helpers.add("promptTokens");
    checks.push(ts`promptTokens(body) > ${code(String(when.promptTokensOver))}`);
  }
  const used = [...helpers].sort();
  const uses = (text: string) => checks.some((c) => c.text.includes(text));
  const params = ts`${code(uses("request.") ? "request" : "_request")}: ConditionRequest, ${code(used.length ? "body" : "_body")}: unknown`;
  const imports = used.length ? [ts`import { ${code(used.join(", "))} } from ${ctx.runtime("routing/route-conditions.ts")};`] : [];
  const decls = ts`${hoisted}

export function ${name(whenName(route))}(${params}): boolean {
  return ${join(checks, " && ")};
}`;
  return { imports, decls };
}
