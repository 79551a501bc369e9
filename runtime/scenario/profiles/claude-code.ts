// Claude Code's tools, with the input schemas it declares (checked against what @anthropic-ai/claude-code
// 2.1.x sends in `tools`; older builds' names, Task, TodoWrite, KillBash, SlashCommand, Grep, Glob, LS, are
// kept for the clients that still declare them). Builds without Grep/Glob/LS search through Bash.
import { defined, editText, num, str, type Args } from "./events.ts";
import type { ToolChoice, ToolsProfile } from "./profile.ts";
import { shellCommand } from "./shell.ts";

/** Bash runs whatever the shell form of the event is. */
const viaBash = (event: string): ToolChoice => ({ tool: "Bash", input: (a) => ({ command: shellCommand(event, a)! }) });

/** Task/Agent want a 3-5 word description: the scenario's, or the prompt's first words. */
const taskInput = (a: Args) => ({
  description: a.description !== undefined ? str(a.description) : str(a.prompt).split(/\s+/).slice(0, 5).join(" "),
  prompt: str(a.prompt),
  subagent_type: a.agent !== undefined ? str(a.agent) : "general-purpose",
});

export const claudeCode: ToolsProfile = {
  name: "claude-code",
  detect: (declared) => declared.has("Bash") && (declared.has("Read") || declared.has("Edit") || declared.has("Write")),
  events: {
    runCmd: [{ tool: "Bash", input: (a) => defined({ command: shellCommand("runCmd", a), description: a.description, timeout: num(a.timeoutMs) }) }],
    readFile: [{ tool: "Read", input: (a) => defined({ file_path: str(a.path), offset: num(a.offset), limit: num(a.limit) }) }, viaBash("readFile")],
    editFile: [{ tool: "Edit", input: (a) => defined({ file_path: str(a.path), old_string: str(a.old), new_string: str(a.new), replace_all: a.replaceAll === true ? true : undefined }) }],
    writeFile: [{ tool: "Write", input: (a) => ({ file_path: str(a.path), content: str(a.content) }) }, viaBash("writeFile")],
    grep: [
      { tool: "Grep", input: (a) => defined({ pattern: str(a.pattern), path: a.path, glob: a.glob, "-i": a.ignoreCase === true ? true : undefined, output_mode: "content", "-n": true }) },
      viaBash("grep"),
    ],
    find: [{ tool: "Glob", input: (a) => defined({ pattern: str(a.pattern), path: a.path }) }, viaBash("find")],
    listDir: [{ tool: "LS", input: (a) => ({ path: str(a.path ?? ".") }) }, viaBash("listDir")],
    sed: [viaBash("sed")],
    task: [
      { tool: "Task", input: taskInput },
      { tool: "Agent", input: taskInput },
    ],
    webFetch: [{ tool: "WebFetch", input: (a) => ({ url: str(a.url), prompt: a.prompt !== undefined ? str(a.prompt) : "Summarize the page." }) }],
    webSearch: [{ tool: "WebSearch", input: (a) => ({ query: str(a.query) }) }],
    todoWrite: [
      {
        tool: "TodoWrite",
        input: (a) => ({
          todos: (Array.isArray(a.todos) ? a.todos : []).map((todo: any) => {
            const content = typeof todo === "string" ? todo : str(todo?.content);
            return { content, status: typeof todo?.status === "string" ? todo.status : "pending", activeForm: typeof todo?.activeForm === "string" ? todo.activeForm : content };
          }),
        }),
      },
    ],
    notebookEdit: [
      { tool: "NotebookEdit", input: (a) => defined({ notebook_path: str(a.path), new_source: str(a.source), cell_id: a.cellId, cell_type: a.cellType, edit_mode: a.mode }) },
    ],
    exitPlanMode: [{ tool: "ExitPlanMode", input: (a) => ({ plan: str(a.plan) }) }],
    bashOutput: [{ tool: "BashOutput", input: (a) => defined({ bash_id: str(a.id), filter: a.filter }) }],
    killShell: [
      { tool: "KillShell", input: (a) => ({ shell_id: str(a.id) }) },
      { tool: "KillBash", input: (a) => ({ shell_id: str(a.id) }) },
      { tool: "TaskStop", input: (a) => ({ task_id: str(a.id) }) },
    ],
    slashCommand: [
      { tool: "SlashCommand", input: (a) => ({ command: str(a.command) }) },
      // Later builds run custom commands as skills: `/name args` → Skill { skill: name, args }.
      {
        tool: "Skill",
        input: (a) => {
          const [name = "", ...rest] = str(a.command).replace(/^\//, "").split(" ");
          return defined({ skill: name, args: rest.length > 0 ? rest.join(" ") : undefined });
        },
      },
    ],
    agentEdits: [
      {
        tool: "Edit",
        input: (a) => {
          const text = editText(a);
          return { file_path: str(a.path), old_string: text.old, new_string: text.new };
        },
      },
    ],
  },
};
