// Gemini function names start with a letter or underscore, then letters, digits and _ . : -, at most 64
// characters. OpenAI allows a leading digit or dash and names of any length from some clients, so a name
// that does not fit is rewritten the way translate/tool-names.ts shortens names for OpenAI (prefix + hash,
// deterministic across turns), behind an underscore when it would start badly. Definitions, history and
// tool_choice all go through one map, and responses map the rewritten names back.
import { shortenToolName } from "../tool-names.ts";

const GEMINI_NAME_MAX = 64;
const GEMINI_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$/;
const GOOD_START = /^[a-zA-Z_]/;

export function geminiFunctionName(name: string): string {
  if (GEMINI_NAME.test(name)) return name;
  const short = shortenToolName(name, GEMINI_NAME_MAX);
  return GOOD_START.test(short) ? short : `_${shortenToolName(name, GEMINI_NAME_MAX - 1)}`;
}

export class FunctionNames {
  readonly upstreamToClient = new Map<string, string>();

  toUpstream(clientName: string): string {
    const upstream = geminiFunctionName(clientName);
    if (upstream !== clientName) this.upstreamToClient.set(upstream, clientName);
    return upstream;
  }
}
