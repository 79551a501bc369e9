// IR → the files of generated/<env>/ (and generated/types/), in memory. Pure apart from reading the provider
// schemas; build.ts writes the result, check.ts only type-checks it.
import path from "node:path";
import type { ConfigIR, ScenarioProviderIR } from "./ir.ts";
import type { CompiledScenario } from "../runtime/scenario/types.ts";
import { emitContext, tidy } from "./emit/context.ts";
import { emitProviders } from "./emit/providers.ts";
import { emitRouteModule, routeFile } from "./emit/route-module.ts";
import { emitRouterTable } from "./emit/router-table.ts";
import { emitRequestValidatorsDts, emitRequestValidatorsJs, emitValidators } from "./emit/validators.ts";
import { emitScenarioModule } from "./emit/scenario-module.ts";
import { emitGatewayIndex, emitMain } from "./emit/gateway-index.ts";
import { emitRoutesDoc } from "./emit/routes-doc.ts";
import { emitProviderTypes } from "./emit/types.ts";
import { emitPricesModule, needsPricesModule, PRICES_FILE } from "./emit/prices.ts";
import { emitLogRedaction, LOG_REDACTION_FILE, needsLogRedaction } from "./emit/log-redaction.ts";
import { emitPassthroughModule, needsPassthroughModule, PASSTHROUGH_FILE } from "./emit/passthrough.ts";

export interface GeneratedFile {
  /** Path relative to the output folder (the project root, or the user's folder), POSIX separators. */
  path: string;
  content: string;
}

export interface GenerateOptions {
  /** Output folder relative to the output root, e.g. "generated/dev". */
  outDir: string;
  /**
   * The runtime folder relative to the same output root: "runtime" inside the package (tests, goldens,
   * `make build`), e.g. "node_modules/switchyard/runtime" in a user's folder.
   */
  runtimeDir?: string;
  /** The output root as an absolute POSIX path, when runtimeDir climbs above it (default "/"). */
  outRoot?: string;
  /** Scenario providers' compiled scripts, by provider name. */
  scenarios: ReadonlyMap<string, CompiledScenario>;
  /** Absolute path of schema/providers. */
  schemaDir: string;
}

export function generateEnvironment(ir: ConfigIR, options: GenerateOptions): GeneratedFile[] {
  const ctx = emitContext(options.outDir, options.runtimeDir, undefined, options.outRoot);
  const file = (rel: string, content: string, tidyIt = true): GeneratedFile => ({
    path: path.posix.join(options.outDir, rel),
    content: tidyIt ? tidy(content) : content,
  });
  const files: GeneratedFile[] = [
    file("providers.ts", emitProviders(ir, ctx)),
    file("router.ts", emitRouterTable(ir, ctx)),
    file("validators.ts", emitValidators(ir, ctx)),
    file("request-validators.js", emitRequestValidatorsJs(ir, options.schemaDir), false),
    file("request-validators.d.ts", emitRequestValidatorsDts(ir)),
    file("index.ts", emitGatewayIndex(ir, ctx)),
    file("main.ts", emitMain(ir, ctx)),
    file("ROUTES.md", emitRoutesDoc(ir), false),
  ];
  if (needsPricesModule(ir)) files.push(file(PRICES_FILE, emitPricesModule(ir, ctx)));
  if (needsLogRedaction(ir)) files.push(file(LOG_REDACTION_FILE, emitLogRedaction(ir, ctx)));
  if (needsPassthroughModule(ir)) files.push(file(PASSTHROUGH_FILE, emitPassthroughModule(ir, ctx)));
  for (const route of ir.routes) files.push(file(routeFile(route), emitRouteModule(ir, route, ctx.nested())));
  for (const provider of ir.providers.filter((p): p is ScenarioProviderIR => p.kind === "scenario")) {
    const scenario = options.scenarios.get(provider.name);
    if (!scenario) throw new Error(`scenario of provider ${provider.name} was not compiled`);
    files.push(file(`scenarios/${provider.name}.ts`, emitScenarioModule(ir, provider, scenario, ctx.nested())));
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** generated/types/: TypeScript types of the provider wire formats, shared by every environment. */
export async function generateProviderTypes(schemaDir: string, outDir = "generated/types"): Promise<GeneratedFile[]> {
  const files = await emitProviderTypes(schemaDir);
  return files.map((f) => ({ path: path.posix.join(outDir, f.file), content: f.content }));
}
