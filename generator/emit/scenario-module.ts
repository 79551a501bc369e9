// Emits generated/<env>/scenarios/<provider>.ts: the scenario file, already parsed and checked by
// generator/scenario.ts, as a typed constant, so the bundle needs no YAML parser to play it.
import type { ConfigIR, ScenarioProviderIR } from "../ir.ts";
import type { CompiledScenario } from "../../runtime/scenario/types.ts";
import { code, comment, name, ts } from "../code.ts";
import { type EmitContext, header } from "./context.ts";
import { scenarioModuleName } from "./providers.ts";

export function emitScenarioModule(ir: ConfigIR, provider: ScenarioProviderIR, scenario: CompiledScenario, ctx: EmitContext): string {
  return ts`${header(ir)}
${comment(`@scenario ${provider.name}  ${provider.file}`)}
import type { CompiledScenario } from ${ctx.runtime("scenario/types.ts")};

export const ${name(scenarioModuleName(provider))}: CompiledScenario = ${code(JSON.stringify(scenario, null, 2))};
`.text;
}
