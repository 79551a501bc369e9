// The named tool events of the Scenario-Format and the arguments each takes, in the format's own words
// (camelCase). The generator checks scenario files against this table (unknown keys warned, missing
// required ones reported with their line); the profiles turn the same arguments into each agent's own.

export interface EventArgs {
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const args = (required: readonly string[], optional: readonly string[] = []): EventArgs => ({ required, optional });

export const NAMED_TOOL_EVENT_ARGS = {
  runCmd: args(["cmd"], ["cwd", "timeoutMs", "description"]),
  readFile: args(["path"], ["offset", "limit"]),
  editFile: args(["path", "old", "new"], ["replaceAll"]),
  writeFile: args(["path", "content"]),
  grep: args(["pattern"], ["path", "glob", "ignoreCase"]),
  find: args(["pattern"], ["path"]),
  listDir: args([], ["path"]),
  sed: args(["path", "script"], ["inPlace"]),
  task: args(["prompt"], ["description", "agent"]),
  webFetch: args(["url"], ["prompt"]),
  webSearch: args(["query"]),
  todoWrite: args(["todos"]),
  notebookEdit: args(["path", "source"], ["cellId", "cellType", "mode"]),
  exitPlanMode: args(["plan"]),
  bashOutput: args(["id"], ["filter"]),
  killShell: args(["id"]),
  slashCommand: args(["command"]),
  agentEdits: args(["path"], ["linesAdded", "linesRemoved", "old", "new"]),
} as const satisfies Record<string, EventArgs>;

export type NamedToolEvent = keyof typeof NAMED_TOOL_EVENT_ARGS;

export const NAMED_TOOL_EVENTS = Object.keys(NAMED_TOOL_EVENT_ARGS) as NamedToolEvent[];

/** A scenario's arguments, as the profiles read them. */
export type Args = Readonly<Record<string, unknown>>;

export const str = (value: unknown): string => (typeof value === "string" ? value : value === undefined || value === null ? "" : String(value));
export const num = (value: unknown): number | undefined => (typeof value === "number" && Number.isFinite(value) ? value : undefined);

/** Copies the entries whose value is set, so optional arguments the scenario left out stay out of the input. */
export function defined(input: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in input) if (input[key] !== undefined) out[key] = input[key];
  return out;
}

/**
 * `agentEdits` gives only line counts (what a harness shows), not the text: unless it also has `old`/`new`,
 * the edit carries that many placeholder lines, so the agent's diff has the scenario's size.
 */
export function editText(a: Args): { old: string; new: string } {
  const lines = (n: unknown, word: string) => Array.from({ length: Math.max(0, num(n) ?? 0) }, (_, i) => `${word} line ${i + 1}`).join("\n");
  return { old: a.old !== undefined ? str(a.old) : lines(a.linesRemoved, "removed"), new: a.new !== undefined ? str(a.new) : lines(a.linesAdded, "added") };
}
