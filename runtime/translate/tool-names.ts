// OpenAI limits function names to 64 characters of [a-zA-Z0-9_-]; MCP tools in Claude Code
// (mcp__server__long_tool_name) routinely exceed that. Longer or non-conforming names are rewritten
// deterministically, prefix + short hash, so the same tool gets the same name on every turn of a
// conversation, and the response translation maps them back.
import { createHash } from "node:crypto";

export const OPENAI_TOOL_NAME_MAX = 64;
const CONFORMING = /^[a-zA-Z0-9_-]{1,64}$/;
const HASH_CHARS = 8;

/** `name` itself when it fits, else its first 55 conforming characters + "_" + 8 hex chars of its SHA-256. */
export function shortenToolName(name: string, max = OPENAI_TOOL_NAME_MAX): string {
  if (CONFORMING.test(name) && name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_CHARS);
  const prefix = name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, max - HASH_CHARS - 1);
  return `${prefix}_${hash}`;
}

/**
 * Records every rewrite so responses can name the client's tool again. Names that needed no rewrite are
 * not recorded: an unknown upstream name maps to itself.
 */
export class ToolNameMap {
  readonly upstreamToClient = new Map<string, string>();

  toUpstream(clientName: string): string {
    const upstream = shortenToolName(clientName);
    if (upstream !== clientName) this.upstreamToClient.set(upstream, clientName);
    return upstream;
  }
}

export function clientToolName(names: ReadonlyMap<string, string>, upstreamName: string): string {
  return names.get(upstreamName) ?? upstreamName;
}
