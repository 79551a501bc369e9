// The scenarios one gateway process can play: those bundled by the generator (one per `scenario` provider,
// named after the provider) and those loaded at run time through /_switchyard/scenarios. A request picks a
// loaded one with the `x-switchyard-scenario` header; without it, its provider plays the bundled one. State
// lives in this process only: with `serve --workers N`, each worker has its own (docs/scenarios.md).
//
// Memory is bounded: at most `maxScenarios` loaded scenarios (the least recently used one goes when another
// is loaded) and `maxSessions` sessions per scenario (likewise). Bundled scenarios are never evicted.
import type { ScenarioUpstream } from "../../contract.ts";
import type { CompiledScenario } from "../types.ts";
import { PlayableScenario } from "./playable.ts";

export const SCENARIO_HEADER = "x-switchyard-scenario";
export const SESSION_HEADER = "x-switchyard-session";
/** A session's name is kept per session: longer ones are refused (400). */
export const MAX_SESSION_CHARS = 128;

export interface ScenarioLimits {
  readonly maxScenarios: number;
  readonly maxSessions: number;
}

export const DEFAULT_SCENARIO_LIMITS: ScenarioLimits = { maxScenarios: 64, maxSessions: 256 };

export class BundledScenarioError extends Error {}

export class ScenarioRegistry {
  private readonly bundled = new Map<string, PlayableScenario>();
  /** Least recently used first. */
  private readonly loaded = new Map<string, PlayableScenario>();

  constructor(
    upstreams: Iterable<ScenarioUpstream>,
    readonly limits: ScenarioLimits = DEFAULT_SCENARIO_LIMITS,
  ) {
    for (const upstream of upstreams) this.forUpstream(upstream);
  }

  /** The bundled scenario of a provider (prepared once, on first sight). */
  forUpstream(upstream: ScenarioUpstream): PlayableScenario {
    let playable = this.bundled.get(upstream.name);
    if (playable === undefined) {
      playable = new PlayableScenario(upstream.name, `bundled (provider ${upstream.name})`, upstream.scenario, this.limits.maxSessions);
      this.bundled.set(upstream.name, playable);
    }
    return playable;
  }

  /** A scenario by name: a loaded one first (marked as used), else a bundled one. */
  pick(name: string): PlayableScenario | undefined {
    const loaded = this.loaded.get(name);
    if (loaded === undefined) return this.bundled.get(name);
    if (this.loaded.size > 1) {
      this.loaded.delete(name);
      this.loaded.set(name, loaded);
    }
    return loaded;
  }

  /** A scenario by name without marking it used: for the control API, which only looks. */
  peek(name: string): PlayableScenario | undefined {
    return this.loaded.get(name) ?? this.bundled.get(name);
  }

  isBundled(name: string): boolean {
    return this.bundled.has(name);
  }

  /** Loads (or replaces, with fresh sessions) a scenario under `name`; a bundled name cannot be taken. */
  load(name: string, source: string, scenario: CompiledScenario): PlayableScenario {
    if (this.bundled.has(name)) throw new BundledScenarioError(`"${name}" is a bundled scenario (provider ${name} in routes.yaml): load this one under another name`);
    const playable = new PlayableScenario(name, source, scenario, this.limits.maxSessions);
    this.loaded.delete(name);
    if (this.loaded.size >= this.limits.maxScenarios) this.loaded.delete(this.loaded.keys().next().value!);
    this.loaded.set(name, playable);
    return playable;
  }

  /** Unloads a loaded scenario; false when there is none by that name. */
  delete(name: string): boolean {
    return this.loaded.delete(name);
  }

  list(): PlayableScenario[] {
    return [...this.bundled.values(), ...this.loaded.values()];
  }
}
