// Codex CLI's tools (@openai/codex): `exec_command { cmd, workdir }` in current builds (0.171 declares it,
// write_stdin, update_goal, view_image, …), `shell { command: argv, workdir, timeout_ms }` in older ones,
// `apply_patch { input }` and `update_plan { plan }` where the model family gets them. Reading, searching and
// listing go through the shell, as Codex's own models do.
import { defined, editText, num, str, type Args } from "./events.ts";
import type { ToolChoice, ToolsProfile } from "./profile.ts";
import { shellCommand } from "./shell.ts";

const shellTools = (event: string): ToolChoice[] => [
  { tool: "exec_command", input: (a) => defined({ cmd: event === "runCmd" ? str(a.cmd) : shellCommand(event, a), workdir: event === "runCmd" ? a.cwd : undefined }) },
  {
    tool: "shell",
    input: (a) =>
      defined({
        command: ["bash", "-lc", event === "runCmd" ? str(a.cmd) : shellCommand(event, a)],
        workdir: event === "runCmd" ? a.cwd : undefined,
        timeout_ms: event === "runCmd" ? num(a.timeoutMs) : undefined,
      }),
  },
];

/** apply_patch's envelope: @see https://github.com/openai/codex/blob/main/codex-rs/apply-patch/apply_patch_tool_instructions.md */
const patch = (body: string) => `*** Begin Patch\n${body}\n*** End Patch\n`;
const prefixed = (prefix: string, text: string) => (text === "" ? [] : text.split("\n").map((line) => prefix + line));
const updatePatch = (path: string, old: string, next: string) =>
  patch([`*** Update File: ${path}`, "@@", ...prefixed("-", old), ...prefixed("+", next)].join("\n"));

const applyPatch = (input: (a: Args) => string): ToolChoice => ({ tool: "apply_patch", input: (a) => ({ input: input(a) }) });

export const codex: ToolsProfile = {
  name: "codex",
  detect: (declared) => declared.has("exec_command") || declared.has("shell") || declared.has("apply_patch") || declared.has("update_plan"),
  events: {
    runCmd: shellTools("runCmd"),
    readFile: shellTools("readFile"),
    grep: shellTools("grep"),
    find: shellTools("find"),
    listDir: shellTools("listDir"),
    sed: shellTools("sed"),
    editFile: [applyPatch((a) => updatePatch(str(a.path), str(a.old), str(a.new)))],
    agentEdits: [
      applyPatch((a) => {
        const text = editText(a);
        return updatePatch(str(a.path), text.old, text.new);
      }),
    ],
    writeFile: [applyPatch((a) => patch([`*** Add File: ${str(a.path)}`, ...prefixed("+", str(a.content))].join("\n"))), ...shellTools("writeFile")],
    todoWrite: [
      {
        tool: "update_plan",
        input: (a) => ({
          plan: (Array.isArray(a.todos) ? a.todos : []).map((todo: any) => ({
            step: typeof todo === "string" ? todo : str(todo?.content),
            status: typeof todo?.status === "string" ? todo.status : "pending",
          })),
        }),
      },
    ],
    // Background commands are exec sessions: polling one is an empty write, stopping it a Ctrl-C.
    bashOutput: [{ tool: "write_stdin", input: (a) => ({ session_id: Number(a.id), chars: "" }) }],
    killShell: [{ tool: "write_stdin", input: (a) => ({ session_id: Number(a.id), chars: "\u0003" }) }],
  },
};
