// The pieces both transcript builders (prompt-openai.ts, prompt-anthropic.ts) write with, so the two APIs
// read the same in a prompt.

/** One labelled part of the transcript: "User", "Assistant", "System", "Tool result (name)". */
export interface PromptSection {
  readonly label: string;
  readonly text: string;
}

/** "Tool result (name)", or "Tool error (name)" for a result the client flagged as an error. */
export function toolResultLabel(name: string, isError: boolean): string {
  const kind = isError ? "Tool error" : "Tool result";
  return name === "" ? kind : `${kind} (${name})`;
}

/** How an assistant's tool call reads in the transcript: `[tool call name {"arg":1}]`. */
export function toolCallLine(name: string, args: string): string {
  return `[tool call ${name}${args === "" ? "" : ` ${args}`}]`;
}
