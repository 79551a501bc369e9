// Shell commands for events an agent runs through its shell tool when it has no dedicated one (Claude Code
// builds without Grep/Glob/LS, Codex's exec_command for everything but patches). POSIX tools only, every
// argument single-quoted, so a path or pattern from the scenario is never read as shell syntax.
import { num, str, type Args } from "./events.ts";

/** `it's` → `'it'\''s'`. */
export const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

export function shellCommand(event: string, a: Args): string | undefined {
  switch (event) {
    case "runCmd":
      return a.cwd !== undefined ? `cd ${quote(str(a.cwd))} && ${str(a.cmd)}` : str(a.cmd);
    case "readFile": {
      const offset = num(a.offset);
      const limit = num(a.limit);
      if (offset === undefined && limit === undefined) return `cat ${quote(str(a.path))}`;
      const first = offset ?? 1;
      return `sed -n '${first},${limit === undefined ? "$" : first + limit - 1}p' ${quote(str(a.path))}`;
    }
    case "grep":
      return `grep -rn${a.ignoreCase === true ? "i" : ""}${a.glob !== undefined ? ` --include=${quote(str(a.glob))}` : ""} -e ${quote(str(a.pattern))} ${quote(str(a.path ?? "."))}`;
    case "find": {
      // `find -name` matches one path segment: the glob's last one (`src/**/*.ts` → `*.ts` under `src`).
      const pattern = str(a.pattern);
      const slash = pattern.lastIndexOf("/");
      const under = a.path !== undefined ? str(a.path) : slash > 0 ? pattern.slice(0, slash).replace(/\/?\*\*.*$/, "") || "." : ".";
      return `find ${quote(under)} -name ${quote(pattern.slice(slash + 1))}`;
    }
    case "listDir":
      return `ls -la ${quote(str(a.path ?? "."))}`;
    case "sed":
      return `sed${a.inPlace === true ? " -i" : ""} -e ${quote(str(a.script))} ${quote(str(a.path))}`;
    case "writeFile":
      return `printf '%s' ${quote(str(a.content))} > ${quote(str(a.path))}`;
    default:
      return undefined;
  }
}
