// Emits the request validators: ajv compiles the provider request schemas at build time into standalone
// JavaScript (generated/<env>/request-validators.js), so the bundle carries plain functions and the small
// ajv runtime helpers they call, never the ajv compiler. validators.ts wraps them into the runtime's
// RequestValidator shape with a readable message.
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import standaloneCodeModule from "ajv/dist/standalone/index.js";
import type { ConfigIR } from "../ir.ts";
import { ts } from "../code.ts";
import { type EmitContext, header } from "./context.ts";

const standaloneCode = (standaloneCodeModule as unknown as { default?: typeof standaloneCodeModule }).default ?? standaloneCodeModule;

/** Export name → provider request schema file under schema/providers/. */
const VALIDATED: Record<string, string> = {
  validateOpenAIChatRequest: "openai.chat.request.json",
  validateAnthropicMessagesRequest: "anthropic.messages.request.json",
  validateOpenAIResponsesRequest: "openai.responses.request.json",
};

/** ajv's standalone output still `require`s its runtime helpers; the bundle is ESM, so import them. */
function requireToImport(source: string): string {
  const imports: string[] = [];
  const body = source
    .replace(/^"use strict";/, "")
    .replace(/const (func\d+) = require\("([^"]+)"\)\.default;/g, (_, id: string, mod: string) => {
      imports.push(`import ${id}Module from ${JSON.stringify(mod.endsWith(".js") ? mod : `${mod}.js`)};`);
      return `const ${id} = ${id}Module.default ?? ${id}Module;`;
    });
  if (/\brequire\(/.test(body)) throw new Error("ajv standalone output has a require() this emitter does not rewrite");
  return `${imports.join("\n")}\n${body}`;
}

export function emitRequestValidatorsJs(ir: ConfigIR, schemaDir: string): string {
  const ajv = new Ajv({ code: { source: true, esm: true, lines: true }, strict: false, allErrors: false });
  const refs: Record<string, string> = {};
  for (const [exportName, file] of Object.entries(VALIDATED)) {
    const schema = JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")) as Record<string, unknown>;
    const id = `switchyard:${file}`;
    ajv.addSchema({ ...schema, $id: id }, id);
    refs[exportName] = id;
  }
  return `${header(ir).text}\n// ajv standalone validators for schema/providers/*.request.json.\n${requireToImport(standaloneCode(ajv, refs))}\n`;
}

export function emitRequestValidatorsDts(ir: ConfigIR): string {
  const decls = Object.keys(VALIDATED)
    .map((n) => `export declare const ${n}: ((body: unknown) => boolean) & { errors?: AjvError[] | null };`)
    .join("\n");
  return `${header(ir).text}
export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
${decls}
`;
}

export function emitValidators(ir: ConfigIR, ctx: EmitContext): string {
  return ts`${header(ir)}
import type { RequestProblem, RequestValidator } from ${ctx.runtime("contract.ts")};
import { validateAnthropicMessagesRequest, validateOpenAIChatRequest, validateOpenAIResponsesRequest, type AjvError } from "./request-validators.js";

/**
 * The most specific problem among ajv's errors. A message type is a oneOf over roles, so a bad role yields one
 * \`const\` error per branch at the same path: fold them into one "must be one of" list.
 */
function describe(errors: readonly AjvError[]): RequestProblem {
  let deepest = errors[0];
  for (const error of errors) if (deepest === undefined || error.instancePath.length > deepest.instancePath.length) deepest = error;
  if (deepest === undefined) return { path: "", message: "is invalid" };
  const { params, instancePath } = deepest;
  if (deepest.keyword === "required") return { path: instancePath + "/" + String(params.missingProperty), message: "is required" };
  const allowed: unknown[] = [];
  for (const error of errors) {
    if (error.instancePath !== instancePath) continue;
    if (error.keyword === "const") allowed.push(error.params.allowedValue);
    if (error.keyword === "enum" && Array.isArray(error.params.allowedValues)) allowed.push(...error.params.allowedValues);
  }
  if (allowed.length > 0) return { path: instancePath, message: "must be one of " + allowed.map((v) => JSON.stringify(v)).join(", ") };
  return { path: instancePath, message: deepest.message ?? "is invalid" };
}

function wrap(validate: typeof validateOpenAIChatRequest): RequestValidator {
  return (body) => (validate(body) ? null : describe(validate.errors ?? []));
}

export const validators = {
  openai: wrap(validateOpenAIChatRequest),
  anthropic: wrap(validateAnthropicMessagesRequest),
  responses: wrap(validateOpenAIResponsesRequest),
};
`.text;
}
