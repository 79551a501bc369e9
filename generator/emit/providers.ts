// Emits generated/<env>/providers.ts: one start-up function that resolves every `${VAR}` (all missing
// variables reported together, before anything connects) and then builds each provider's upstream with its
// auth header shape written out as code. Keys are read from the environment here, at start; the generated
// file holds only variable names.
import type { CommandProviderIR, ConfigIR, EnvStringIR, HttpProviderIR, ProviderIR, ScenarioProviderIR } from "../ir.ts";
import { code, join, literal, name, Scope, ts, type Code } from "../code.ts";
import { type EmitContext, header, posText } from "./context.ts";

/** The runtime/upstream/paths.ts factory for a provider: which endpoints its kind has, as code. */
function pathsFactory(provider: HttpProviderIR): { factory: Code; imported: string } {
  if (provider.kind === "azure-openai") return { factory: ts`azurePaths(${provider.azureApiVersion!})`, imported: "azurePaths" };
  if (provider.vertex) return { factory: ts`vertexPaths(${provider.vertex.project}, ${provider.vertex.location})`, imported: "vertexPaths" };
  const imported = `${provider.kind}Paths`;
  return { factory: name(imported), imported };
}

/** The provider's property of `Upstreams` (`upstreams.openai`): its identifier, unique among providers. */
export function upstreamProperty(provider: { ident: string }): string {
  return provider.ident;
}

/**
 * Local names inside startUpstreams: the provider's own (`openai`) and those derived from it (`openaiKey`).
 * One scope, seeded with the imports and the function's own names, hands them out, so no provider name
 * (`env`, `read` with its `readCredentialsFile`, `openai-key` beside `openai`) can shadow or redeclare another.
 */
interface Locals {
  upstream: Map<string, string>;
  scope: Scope;
}

function envParts(value: EnvStringIR): Code {
  return literal(value.parts);
}

function owner(ir: ConfigIR, provider: ProviderIR): string {
  return `provider ${provider.name} (${posText(provider.pos)})`;
}

/** Provider-native embeddings APIs get their translator at build time; Vertex AI has no batchEmbedContents. */
function embeddingsTranslator(provider: HttpProviderIR): { name: string; module: string } | null {
  if (provider.kind === "ollama") return { name: "ollamaEmbeddings", module: "translate/openai-to-ollama/embeddings.ts" };
  if (provider.kind === "gemini" && !provider.vertex) return { name: "geminiEmbeddings", module: "translate/openai-to-gemini/embeddings.ts" };
  return null;
}

/** The auth header each kind expects, as code over the resolved key variable. */
function authHeaders(provider: HttpProviderIR, key: Code): Code[] {
  if (provider.apiKey === null) return [];
  switch (provider.kind) {
    case "anthropic":
      return [ts`"x-api-key": ${key},`];
    case "azure-openai":
      return [ts`"api-key": ${key},`];
    case "gemini":
      return [ts`"x-goog-api-key": ${key},`];
    default:
      return [ts`authorization: "Bearer " + ${key},`];
  }
}

/** The variables `api_key` names, so a provider an empty key disables can say which one to set. */
function keyVariables(provider: HttpProviderIR): Code {
  if (!provider.apiKey) return code("");
  const names = [...new Set(provider.apiKey.parts.flatMap((part) => ("env" in part ? [part.env] : [])))];
  return names.length === 0 ? code("") : ts`
apiKeyVariables: ${literal(names)},`;
}

function emitHttpProvider(ir: ConfigIR, provider: HttpProviderIR, locals: Locals): { resolve: Code; create: Code } {
  const v = provider.ident;
  const local = (suffix: string) => name(locals.scope.unique(`${v}${suffix}`));
  const key = provider.apiKey ? local("Key") : code("null");
  const url = local("BaseUrl");
  const who = owner(ir, provider);
  const resolveLines: Code[] = [ts`const ${url} = env.resolve(${envParts(provider.baseUrl)}, ${who});`];
  if (provider.apiKey) resolveLines.push(ts`const ${key} = env.resolve(${envParts(provider.apiKey)}, ${who});`);
  const extra = provider.headers.map((h, i) => {
    const hv = local(`Header${i}`);
    resolveLines.push(ts`const ${hv} = env.resolve(${envParts(h.value)}, ${who});`);
    return ts`${literal(h.name.toLowerCase())}: ${hv},`;
  });
  const headers = [...authHeaders(provider, key), ...extra];
  let tls: Code = code("");
  if (provider.tls) {
    // The CA file is read once, when the pool is created at start (runtime/upstream/http-upstream.ts).
    let caFile: Code = code("null");
    if (provider.tls.caFile) {
      caFile = local("CaFile");
      resolveLines.push(ts`const ${caFile} = env.resolve(${envParts(provider.tls.caFile)}, ${who});`);
    }
    tls = ts`
  tls: { verify: ${literal(provider.tls.verify)}, caFile: ${caFile} },`;
  }
  let auth: Code = code("null");
  if (provider.vertex) {
    const file = local("CredentialsFile");
    resolveLines.push(ts`const ${file} = env.resolve(${envParts(provider.vertex.credentialsFile)}, ${who});`);
    auth = ts`createServiceAccountTokenSource(readCredentialsFile(${file}, ${who}))`;
  }
  const create = ts`const ${name(locals.upstream.get(provider.name)!)} = createHttpUpstream({
  name: ${provider.name},
  api: ${provider.api},
  baseUrl: ${url},
  paths: ${pathsFactory(provider).factory},
  auth: ${auth},
  embeddings: ${code(embeddingsTranslator(provider)?.name ?? "null")},
  apiKey: ${key},${keyVariables(provider)}
  headers: {
    ${headers}
  },
  connectTimeoutMs: ${code(String(provider.timeouts.connectMs))},
  firstByteTimeoutMs: ${code(String(provider.timeouts.firstByteMs))},
  idleTimeoutMs: ${code(String(provider.timeouts.idleMs))},
  totalTimeoutMs: ${code(String(provider.timeouts.totalMs))},
  maxConnections: ${code(String(provider.maxConnections))},
  queue: { max: ${code(String(provider.queue.max))}, timeoutMs: ${code(String(provider.queue.timeoutMs))} },${tls}${provider.bodyLimitBytes === undefined ? code("") : ts`
  bodyLimitBytes: ${literal(provider.bodyLimitBytes)},`}${provider.responseLimitBytes === undefined ? code("") : ts`
  responseLimitBytes: ${literal(provider.responseLimitBytes)},`}
});`;
  return { resolve: join(resolveLines, "\n"), create };
}

/** A local CLI: its command line and limits as constants, its env values resolved at start. */
function emitCommandProvider(ir: ConfigIR, provider: CommandProviderIR, locals: Locals): { resolve: Code; create: Code } {
  const v = provider.ident;
  const who = owner(ir, provider);
  const resolveLines: Code[] = [];
  const env = provider.env.map((e, i) => {
    const ev = name(locals.scope.unique(`${v}Env${i}`));
    resolveLines.push(ts`const ${ev} = env.resolve(${envParts(e.value)}, ${who});`);
    return ts`${literal(e.name)}: ${ev},`;
  });
  const args = provider.args.map((arg, i) => {
    const av = name(locals.scope.unique(`${v}Arg${i}`));
    resolveLines.push(ts`const ${av} = env.resolve(${envParts(arg)}, ${who});`);
    return av;
  });
  const create = ts`const ${name(locals.upstream.get(provider.name)!)} = createCommandUpstream({
  name: ${provider.name},
  command: ${provider.command},
  args: [${join(args, ", ")}],
  prompt: ${provider.prompt},
  timeoutMs: ${code(String(provider.timeoutMs))},
  maxConcurrent: ${code(String(provider.maxConcurrent))},
  env: {
    ${env}
  },
});`;
  return { resolve: join(resolveLines, "\n"), create };
}

/** The export of generated/<env>/scenarios/<provider>.ts; distinct per provider since idents are. */
export function scenarioModuleName(provider: ScenarioProviderIR): string {
  return `${provider.ident}Scenario`;
}

function emitScenarioProvider(provider: ScenarioProviderIR, locals: Locals): Code {
  // Tools settings only when routes.yaml has them, so a plain scenario provider's module stays as it was.
  const tools = [
    provider.toolsProfile !== undefined ? ts`, toolsProfile: ${provider.toolsProfile}` : code(""),
    provider.strict !== undefined ? ts`, strict: ${code(String(provider.strict))}` : code(""),
  ];
  return ts`const ${name(locals.upstream.get(provider.name)!)}: ScenarioUpstream = { kind: "scenario", name: ${provider.name}, scenario: ${name(scenarioModuleName(provider))}, speed: ${code(String(provider.speed))}${tools[0]!}${tools[1]!} };`;
}

export function emitProviders(ir: ConfigIR, ctx: EmitContext): string {
  const http = ir.providers.filter((p): p is HttpProviderIR => p.kind !== "scenario" && p.kind !== "command");
  const scenarios = ir.providers.filter((p): p is ScenarioProviderIR => p.kind === "scenario");
  const commands = ir.providers.filter((p): p is CommandProviderIR => p.kind === "command");
  const factories = [...new Set(http.map((p) => pathsFactory(p).imported))].sort();
  const vertex = http.some((p) => p.vertex);
  const embeddings = [...new Map(http.flatMap((p) => embeddingsTranslator(p) ?? []).map((e) => [e.name, e])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const imports: Code[] = [
    ts`import type { ${code([http.length ? "HttpUpstream" : "", scenarios.length ? "ScenarioUpstream" : ""].filter(Boolean).join(", "))} } from ${ctx.runtime("contract.ts")};`,
    ...(commands.length
      ? [ts`import type { CommandUpstream } from ${ctx.runtime("command/types.ts")};`, ts`import { createCommandUpstream } from ${ctx.runtime("command/upstream.ts")};`]
      : []),
    ts`import { createEnvReader } from ${ctx.runtime("env.ts")};`,
    ...(http.length ? [ts`import { createHttpUpstream } from ${ctx.runtime("upstream/http-upstream.ts")};`] : []),
    ...(http.length ? [ts`import { ${code(factories.join(", "))} } from ${ctx.runtime("upstream/paths.ts")};`] : []),
    ...embeddings.map((e) => ts`import { ${name(e.name)} } from ${ctx.runtime(e.module)};`),
    ...(vertex
      ? [
          ts`import { readCredentialsFile } from ${ctx.runtime("upstream/credentials-file.ts")};`,
          ts`import { createServiceAccountTokenSource } from ${ctx.runtime("google-auth/index.ts")};`,
        ]
      : []),
    ...scenarios.map((p) => ts`import { ${name(scenarioModuleName(p))} } from ${`./scenarios/${p.name}.ts`};`),
  ];
  // Every name imported above, and the function's parameter and reader, before any provider's locals.
  const imported = imports.flatMap((i) => [.../import (?:type )?\{ ([^}]*) \}/.exec(i.text)![1]!.split(", ")]);
  const scope = new Scope([...imported, "processEnv", "env", "startUpstreams", "Upstreams"]);
  // Upstream locals first, in provider order, so each keeps its plain name unless an import has it.
  const locals: Locals = { upstream: new Map(ir.providers.map((p) => [p.name, scope.unique(p.ident)])), scope };
  const emitted = [...http.map((p) => emitHttpProvider(ir, p, locals)), ...commands.map((p) => emitCommandProvider(ir, p, locals))];
  const upstreamType = (p: ProviderIR) => (p.kind === "scenario" ? "ScenarioUpstream" : p.kind === "command" ? "CommandUpstream" : "HttpUpstream");
  const fields = ir.providers.map((p) => ts`readonly ${name(upstreamProperty(p))}: ${code(upstreamType(p))};`);
  const names = ir.providers.map((p) => {
    const property = upstreamProperty(p);
    const local = locals.upstream.get(p.name)!;
    return local === property ? name(local) : ts`${name(property)}: ${name(local)}`;
  });
  const body = ts`${header(ir)}
${imports}

export interface Upstreams {
  ${fields}
}

/** Resolves the environment (every missing variable reported at once), then opens each provider. */
export function startUpstreams(processEnv: NodeJS.ProcessEnv = process.env): Upstreams {
  const env = createEnvReader(processEnv);
  ${emitted.map((e) => e.resolve)}
  env.finish();
  ${emitted.map((e) => e.create)}
  ${scenarios.map((p) => emitScenarioProvider(p, locals))}
  return { ${join(names, ", ")} };
}
`;
  return body.text;
}
