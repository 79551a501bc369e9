// Emits generated/<env>/log-redaction.ts: the request log's redaction rules (`logs.redact`, `redact_emails`,
// `redact_cards`) compiled with the body-transform emitters (emit/transforms.ts), so a redaction rule is
// checked, hoisted and compiled exactly as a `transforms:` replace rule is. The runtime (runtime/log/redact.ts)
// calls `json` on a parsed body (the rules with a path, as direct property access or a compiled matcher) and
// `text` on every string in it (the rules without a path, then the e-mail and card helpers). Each regex is a
// module constant compiled once when the bundle loads; nothing is compiled or parsed per request.
import type { ConfigIR } from "../ir.ts";
import { code, comment, name, ts, type Code } from "../code.ts";
import { type EmitContext, header } from "./context.ts";
import { emitBodyFunctions } from "./transforms.ts";

export const LOG_REDACTION_FILE = "log-redaction.ts";

/** Whether this environment redacts anything beyond keys: only then is there a module (and a null check less). */
export function needsLogRedaction(ir: ConfigIR): boolean {
  return ir.logs.redact.length > 0 || ir.logs.redactEmails || ir.logs.redactCards;
}

export function emitLogRedaction(ir: ConfigIR, ctx: EmitContext): string {
  const { logs } = ir;
  const builtins: Code[] = [];
  const helpers: string[] = [];
  if (logs.redactEmails) {
    builtins.push(ts`${comment("redact_emails: e-mail addresses")}\ntext = redactEmails(text);`);
    helpers.push("redactEmails");
  }
  if (logs.redactCards) {
    builtins.push(ts`${comment("redact_cards: card numbers (13-19 digits, Luhn-checked)")}\ntext = redactCards(text);`);
    helpers.push("redactCards");
  }
  const body = emitBodyFunctions("logRedact", logs.redact, { extraText: builtins, textTarget: "every string" });
  const imports = body.imports.map(([names, module]) => ts`import ${code(module.endsWith("types.ts") ? "type " : "")}{ ${code(names.join(", "))} } from ${ctx.runtime(module)};`);
  if (helpers.length > 0) imports.push(ts`import { ${code(helpers.sort().join(", "))} } from ${ctx.runtime("log/pii.ts")};`);
  return ts`${header(ir)}
import type { LogRedaction } from ${ctx.runtime("log/redact.ts")};
${imports}

${body.declarations}

export const ${name("logRedaction")}: LogRedaction = ${body.value};
`.text;
}
