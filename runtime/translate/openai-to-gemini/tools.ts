// OpenAI tools and tool_choice → Gemini functionDeclarations and toolConfig. Parameters go through the
// schema sanitiser (schema.ts); a function without parameters declares none, as Gemini rejects an object
// schema without properties. `strict` is ignored: the tool still works, without OpenAI's guarantee.
//
// tool_choice: auto → AUTO, none → NONE, required → ANY, a named function → ANY limited to it by
// allowedFunctionNames; allowed_tools → ANY limited to the list (mode required), or AUTO over only those
// declarations (mode auto: Gemini limits names only under ANY). parallel_tool_calls: false has no
// counterpart: Gemini decides how many calls it makes.
// @see https://ai.google.dev/gemini-api/docs/function-calling
import type { GeminiFunctionDeclaration, GeminiTool, GeminiToolConfig, OpenAIChatRequest } from "../../../generated/types/index.ts";
import type { FunctionNames } from "./function-names.ts";
import { sanitizeSchema } from "./schema.ts";
import { isObject, objectOf, stringOf } from "../untrusted.ts";
import type { UnsupportedFields } from "../unsupported-fields.ts";

export function translateTools(body: OpenAIChatRequest, names: FunctionNames, unsupported: UnsupportedFields): GeminiTool[] {
  const only = allowedUnderAuto(body.tool_choice);
  const declarations = (body.tools ?? []).flatMap((tool, i): GeminiFunctionDeclaration[] => {
    if (tool.type !== "function") {
      unsupported.note(["tools", i], "a custom (free-form input) tool");
      return [];
    }
    const { name, description, parameters } = tool.function;
    if (only && !only.has(name)) return [];
    const schema = parameters ? sanitizeSchema({ type: "object", ...parameters }, ["tools", i, "function", "parameters"], unsupported) : undefined;
    return [
      {
        name: names.toUpstream(name),
        ...(description ? { description } : {}),
        ...(schema?.properties ? { parameters: schema } : {}),
      },
    ];
  });
  return declarations.length > 0 ? [{ functionDeclarations: declarations }] : [];
}

/** Client names of allowed_tools in mode auto, which are applied by declaring only them. */
function allowedUnderAuto(choice: OpenAIChatRequest["tool_choice"]): Set<string> | undefined {
  if (typeof choice !== "object" || choice.type !== "allowed_tools" || choice.allowed_tools.mode !== "auto") return undefined;
  return new Set(allowedNames(choice.allowed_tools.tools));
}

function allowedNames(tools: readonly unknown[]): string[] {
  return tools.filter(isObject).map((tool) => stringOf(objectOf(tool.function).name)).filter((name) => name !== "");
}

/** Only sent beside declarations: without functions there is nothing to configure. */
export function translateToolChoice(body: OpenAIChatRequest, hasTools: boolean, names: FunctionNames, unsupported: UnsupportedFields): GeminiToolConfig | undefined {
  if (body.parallel_tool_calls === false) unsupported.noteValue(["parallel_tool_calls"], false);
  const choice = body.tool_choice;
  if (choice === undefined || !hasTools) return undefined;
  if (choice === "auto") return { functionCallingConfig: { mode: "AUTO" } };
  if (choice === "none") return { functionCallingConfig: { mode: "NONE" } };
  if (choice === "required") return { functionCallingConfig: { mode: "ANY" } };
  switch (choice.type) {
    case "function":
      return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: [names.toUpstream(choice.function.name)] } };
    case "allowed_tools":
      if (choice.allowed_tools.mode !== "required") return { functionCallingConfig: { mode: "AUTO" } };
      return { functionCallingConfig: { mode: "ANY", allowedFunctionNames: allowedNames(choice.allowed_tools.tools).map((n) => names.toUpstream(n)) } };
    default:
      unsupported.note(["tool_choice"], `tool_choice of type ${choice.type}`);
      return undefined;
  }
}
