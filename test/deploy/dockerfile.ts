// Just enough of Docker's reading of a Dockerfile and a .dockerignore for the deploy tests to follow ours
// without a Docker engine: instructions per stage with line continuations, ARG/ENV substitution, COPY
// (shell form) with --from/--chown, exec-form CMD and HEALTHCHECK, and .dockerignore patterns with Docker's
// rules (last match wins, `!` re-includes, a pattern that matches a directory matches what is inside it).
import { cpSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const first = i + 1;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    // A trailing backslash continues the instruction; comment lines inside it are dropped, as Docker does.
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      line = line.replace(/\\\s*$/, " ");
      i++;
      if (!/^\s*#/.test(lines[i]!)) line += lines[i]!;
    }
    const match = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(line);
    if (match === null) throw new Error(`Dockerfile:${first}: cannot read ${JSON.stringify(line)}`);
    instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: first });
  }
  const globalArgs = new Map<string, string | undefined>();
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const [image, as, name] = instruction.args.split(/\s+/);
      stages.push({ image: image!, name: as?.toUpperCase() === "AS" ? name! : null, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword !== "ARG") throw new Error(`Dockerfile:${instruction.line}: only ARG may come before FROM`);
      const [name, value] = splitAssignment(instruction.args);
      globalArgs.set(name, value);
    } else {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function stageNamed(dockerfile: Dockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((s) => s.name === name);
  if (stage === undefined) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
}

/** `NAME=value` or `NAME`. */
function splitAssignment(text: string): [string, string | undefined] {
  const at = text.indexOf("=");
  return at === -1 ? [text.trim(), undefined] : [text.slice(0, at).trim(), unquote(text.slice(at + 1).trim())];
}

function unquote(text: string): string {
  return /^(["']).*\1$/s.test(text) ? text.slice(1, -1) : text;
}

/** `$NAME` and `${NAME}` replaced from `vars`; an unknown name becomes empty, as in Docker. */
export function substitute(text: string, vars: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => vars.get((braced ?? bare)!) ?? "");
}

/**
 * Walks a stage in order and calls `visit` with each instruction, its arguments substituted with the
 * ARGs and ENVs in force at that point (a stage's ARG without a value takes the global default, or the
 * build argument given).
 */
export function walkStage(dockerfile: Dockerfile, stage: Stage, buildArgs: Record<string, string>, visit: (instruction: Instruction, args: string, vars: ReadonlyMap<string, string>) => void): Map<string, string> {
  const vars = new Map<string, string>();
  for (const instruction of stage.instructions) {
    if (instruction.keyword === "ARG") {
      const [name, fallback] = splitAssignment(instruction.args);
      const value = buildArgs[name] ?? fallback ?? dockerfile.globalArgs.get(name);
      if (value !== undefined) vars.set(name, value);
    } else if (instruction.keyword === "ENV") {
      for (const [name, value] of parseEnv(substitute(instruction.args, vars))) vars.set(name, value);
    }
    visit(instruction, substitute(instruction.args, vars), vars);
  }
  return vars;
}

/** `ENV A=1 B=2` (the only form this parser takes: `ENV A 1` is legacy). */
export function parseEnv(args: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const match of args.matchAll(/(\w+)=("[^"]*"|'[^']*'|\S*)/g)) pairs.push([match[1]!, unquote(match[2]!)]);
  return pairs;
}

export interface Copy {
  from: string | null;
  chown: string | null;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  let from: string | null = null;
  let chown: string | null = null;
  while (words[0]?.startsWith("--")) {
    const flag = words.shift()!;
    if (flag.startsWith("--from=")) from = flag.slice("--from=".length);
    else if (flag.startsWith("--chown=")) chown = flag.slice("--chown=".length);
    else if (flag !== "--link") throw new Error(`COPY flag ${flag} is not followed by this test`);
  }
  if (words[0]?.startsWith("[")) throw new Error("COPY in JSON form is not followed by this test: use the shell form");
  if (words.length < 2) throw new Error(`COPY ${args}: needs a source and a destination`);
  const dest = words.pop()!;
  return { from, chown, sources: words, dest };
}

/** CMD/ENTRYPOINT/RUN in exec form: the JSON array. */
export function execForm(args: string): string[] {
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((word) => typeof word === "string")) throw new Error(`not an exec form: ${args}`);
  return parsed;
}

/** `HEALTHCHECK [--option=value …] CMD [..]`. */
export function parseHealthcheck(args: string): { options: Map<string, string>; command: string[] } {
  const options = new Map<string, string>();
  let rest = args;
  for (let match = /^--([\w-]+)=(\S+)\s+/.exec(rest); match !== null; match = /^--([\w-]+)=(\S+)\s+/.exec(rest)) {
    options.set(match[1]!, match[2]!);
    rest = rest.slice(match[0].length);
  }
  if (!rest.startsWith("CMD ")) throw new Error(`HEALTHCHECK ${args}: expected CMD`);
  return { options, command: execForm(rest.slice(4).trim()) };
}

/** Seconds of a Docker/compose duration such as `75s`, `1m30s`, `500ms`. */
export function durationSeconds(text: string): number {
  let total = 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new Error(`not a duration: ${text}`);
  for (const [, value, unit] of parts) total += Number(value) * units[unit!]!;
  return total;
}

/** Expands one COPY source in `root` (Docker's glob: `*` and `?` within a path segment). */
export function expandSource(root: string, source: string): string[] {
  const segments = source.replace(/^\/+/, "").split("/");
  let matches = [root];
  for (const segment of segments) {
    const pattern = /[*?[]/.test(segment) ? segmentRegex(segment) : null;
    matches = matches.flatMap((dir) => {
      if (pattern === null) {
        const next = path.join(dir, segment);
        return exists(next) ? [next] : [];
      }
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        return [];
      }
      return names.filter((name) => pattern.test(name)).sort().map((name) => path.join(dir, name));
    });
  }
  return matches;
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function segmentRegex(segment: string): RegExp {
  return new RegExp(`^${segment.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
}

/**
 * COPY as Docker does it: each source expanded; a directory source copies its contents into `dest`; with
 * several sources, or a `dest` ending in `/`, `dest` is a directory. Missing sources are an error.
 */
export function copyInto(fromRoot: string, toRoot: string, copy: Copy): string[] {
  const sources = copy.sources.flatMap((source) => {
    const found = expandSource(fromRoot, source);
    if (found.length === 0) throw new Error(`COPY ${source}: no such file in the build stage`);
    return found;
  });
  const destIsDir = copy.dest.endsWith("/") || sources.length > 1;
  const dest = path.join(toRoot, copy.dest);
  const copied: string[] = [];
  for (const source of sources) {
    const target = statSync(source).isDirectory() ? dest : destIsDir ? path.join(dest, path.basename(source)) : dest;
    mkdirSync(statSync(source).isDirectory() ? target : path.dirname(target), { recursive: true });
    cpSync(source, target, { recursive: true, dereference: true });
    copied.push(path.relative(toRoot, target));
  }
  return copied;
}

interface IgnorePattern {
  regex: RegExp;
  exclusion: boolean;
  text: string;
}

/** A .dockerignore, as Docker's pattern matcher reads it. */
export class DockerIgnore {
  private readonly patterns: IgnorePattern[];

  constructor(text: string) {
    this.patterns = text
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"))
      .map((line) => {
        const exclusion = line.startsWith("!");
        const text = path.posix.normalize((exclusion ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, "");
        return { regex: patternRegex(text), exclusion, text };
      });
  }

  /** Whether `file` (relative, with `/`) is left out of the build context. */
  ignores(file: string): boolean {
    const parents = file.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let ignored = false;
    for (const pattern of this.patterns) {
      if (parents.some((candidate) => pattern.regex.test(candidate))) ignored = !pattern.exclusion;
    }
    return ignored;
  }

  /** Whether some `!` pattern could re-include a path under `dir`, so an ignored dir must still be walked. */
  mayReinclude(dir: string): boolean {
    return this.patterns.some((pattern) => pattern.exclusion && (pattern.text.startsWith(`${dir}/`) || pattern.text.includes("*")));
  }

  /** Copies what the context would hold from `from` to `to`; returns the files copied. */
  copyContext(from: string, to: string): string[] {
    const copied: string[] = [];
    const walk = (relative: string) => {
      for (const entry of readdirSync(path.join(from, relative), { withFileTypes: true })) {
        const file = relative === "" ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) {
          if (!this.ignores(file) || this.mayReinclude(file)) walk(file);
        } else if (!this.ignores(file)) {
          mkdirSync(path.join(to, relative), { recursive: true });
          cpSync(path.join(from, file), path.join(to, file));
          copied.push(file);
        }
      }
    };
    walk("");
    return copied;
  }
}

function patternRegex(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === "*" && pattern[i + 1] === "*") {
      // `**/` matches any number of directories, `**` anything.
      if (pattern[i + 2] === "/") {
        source += "(?:.*/)?";
        i += 2;
      } else {
        source += ".*";
        i += 1;
      }
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
