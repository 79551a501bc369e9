// A scenario compiled into the bundle by the generator (generator/scenario.ts). The runtime never parses YAML:
// it receives this plain data, already validated, as a module constant.

/** `[ms, text]`: text that takes `ms` milliseconds to arrive (real time, before the speed factor). */
export type TimedText = readonly [number, string];

export type ScenarioPart =
  | { readonly type: "think"; readonly chunks: readonly TimedText[] }
  | { readonly type: "text"; readonly chunks: readonly TimedText[] }
  | {
      readonly type: "tool";
      /** Tool name as the client declared it (e.g. "Bash"), or as written for agentToolUse. */
      readonly name: string;
      readonly input: Readonly<Record<string, unknown>>;
      readonly delayMs: number;
    };

/** One API response (one `llmResponse` of the scenario's timeline). */
export interface ScenarioResponse {
  readonly parts: readonly ScenarioPart[];
}

export interface CompiledScenario {
  readonly name: string;
  /** Response N answers the request whose history holds N assistant turns (clamped to the last). */
  readonly responses: readonly ScenarioResponse[];
}
