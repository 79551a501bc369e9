// The Dockerfile followed as closely as a machine without a Docker engine allows, for the deploy tests.
//
// Build stage: the context is copied through .dockerignore into a temp dir that stands for /app; every
// COPY from the context must find its files there; `npm ci` is stood in for by this checkout's
// node_modules (a symlink: same lockfile); `make build …` runs as written (with make told not to remake
// node_modules). Runtime stage: a second temp dir stands for the image's root file system; each COPY
// --from=build copies exactly its sources from the build stage's dir to the same path under it; the ENV,
// USER, WORKDIR, CMD and HEALTHCHECK are kept to run the gateway as the container would. What this cannot
// show: the base images themselves (Node 20 on Debian, which this machine also is), npm ci's own install,
// and Docker's layer and ownership handling.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../support/free-port.ts";
import { root } from "../support/gateway.ts";
import { copyInto, DockerIgnore, execForm, expandSource, parseCopy, parseDockerfile, parseEnv, parseHealthcheck, stageNamed, walkStage, type Dockerfile } from "./dockerfile.ts";

/** The uid and gid of the node user in the official Node images, which the runtime stage's USER names. */
const IMAGE_USERS: Record<string, { uid: number; gid: number }> = { node: { uid: 1000, gid: 1000 } };
/** The build stage's working directory, where every path it copies from lives. */
const BUILD_DIR = "/app";

export function readDockerfile(): Dockerfile {
  return parseDockerfile(readFileSync(path.join(root, "Dockerfile"), "utf8"));
}

export interface Image {
  /** The temp dir standing for the image's root file system. */
  rootfs: string;
  /** Files the runtime stage copied, relative to `rootfs`. */
  files: string[];
  /** The runtime stage's ENV, as `docker run` starts the container with it. */
  env: Record<string, string>;
  user: string;
  workdir: string;
  cmd: string[];
  healthcheck: string[];
  exposed: number[];
  /** The build stage's output the test built, for messages. */
  buildOutput: string;
  /** Removes the temp dirs. */
  remove(): void;
}

/** Builds "the image" for these build args (the Dockerfile's ARG defaults for any not given). */
export function buildImage(buildArgs: Record<string, string> = {}): Image {
  const dockerfile = readDockerfile();
  const work = mkdtempSync(path.join(tmpdir(), "switchyard-image-"));
  // mkdtemp makes it 0700; the image's user must be able to reach what is inside, as in a container.
  chmodSync(work, 0o755);
  const context = path.join(work, "app");
  const rootfs = path.join(work, "rootfs");
  const ignore = new DockerIgnore(readFileSync(path.join(root, ".dockerignore"), "utf8"));
  ignore.copyContext(root, context);

  let buildOutput = "";
  walkStage(dockerfile, stageNamed(dockerfile, "build"), buildArgs, (instruction, args) => {
    if (instruction.keyword === "WORKDIR" && args !== BUILD_DIR) throw new Error(`Dockerfile:${instruction.line}: the test expects the build stage to work in ${BUILD_DIR}`);
    if (instruction.keyword === "COPY") {
      const copy = parseCopy(args);
      for (const source of copy.sources) {
        if (expandSource(context, source).length === 0) throw new Error(`Dockerfile:${instruction.line}: COPY ${source}: not in the build context (.dockerignore leaves it out?)`);
      }
    }
    if (instruction.keyword !== "RUN") return;
    const command = args.replace(/^(--mount=\S+\s+)+/, "");
    if (/^npm ci\b/.test(command)) {
      symlinkSync(path.join(root, "node_modules"), path.join(context, "node_modules"), "dir");
      return;
    }
    const make = /^make (build(?: \w+=\S+)*)$/.exec(command);
    if (make === null) throw new Error(`Dockerfile:${instruction.line}: RUN ${command}: this test only knows npm ci and make build`);
    const result = spawnSync("make", ["-o", "node_modules/.package-lock.json", ...make[1]!.split(" ")], { cwd: context, encoding: "utf8", env: process.env, timeout: 600_000 });
    buildOutput += result.stdout + result.stderr;
    if (result.status !== 0) throw new Error(`Dockerfile:${instruction.line}: RUN ${command} failed:\n${buildOutput}`);
  });

  const files: string[] = [];
  const env: Record<string, string> = {};
  let user = "root";
  let workdir = "/";
  let cmd: string[] = [];
  let healthcheck: string[] = [];
  const exposed: number[] = [];
  const runtime = dockerfile.stages.at(-1)!;
  walkStage(dockerfile, runtime, buildArgs, (instruction, args) => {
    switch (instruction.keyword) {
      case "ARG":
      case "STOPSIGNAL":
        return;
      case "ENV":
        for (const [name, value] of parseEnv(args)) env[name] = value;
        return;
      case "COPY": {
        const copy = parseCopy(args);
        if (copy.from !== "build") throw new Error(`Dockerfile:${instruction.line}: the runtime stage copies only from the build stage`);
        const sources = copy.sources.map((source) => {
          if (!source.startsWith(`${BUILD_DIR}/`)) throw new Error(`Dockerfile:${instruction.line}: ${source} is outside ${BUILD_DIR}`);
          return source.slice(BUILD_DIR.length + 1);
        });
        files.push(...copyInto(context, rootfs, { ...copy, sources }));
        return;
      }
      case "USER":
        user = args;
        return;
      case "WORKDIR":
        workdir = path.posix.resolve(workdir, args);
        return;
      case "EXPOSE":
        exposed.push(...args.split(/\s+/).map((port) => Number(port.replace(/\/tcp$/, ""))));
        return;
      case "CMD":
        cmd = execForm(args);
        return;
      case "HEALTHCHECK":
        healthcheck = parseHealthcheck(args).command;
        return;
      default:
        throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} in the runtime stage is not followed by this test`);
    }
  });
  // The base image has the user's home; here it is made as the user would find it.
  const home = path.join(rootfs, workdir);
  mkdirSync(home, { recursive: true });
  const owner = IMAGE_USERS[user];
  if (process.getuid?.() === 0 && owner !== undefined) chownSync(home, owner.uid, owner.gid);
  return { rootfs, files, env, user, workdir, cmd, healthcheck, exposed, buildOutput, remove: () => rmSync(work, { recursive: true, force: true }) };
}

/**
 * How to run a command of the image (its CMD or HEALTHCHECK): `node` is this Node.js (20, as the image's),
 * absolute paths that exist in the image point into `rootfs`, the working directory is WORKDIR, and as
 * root the process runs as the image's USER.
 */
export function containerCommand(image: Image, command: string[], env: Record<string, string>) {
  const [program, ...args] = command;
  if (program !== "node") throw new Error(`the image runs ${program}; this test runs only node`);
  const mapped = args.map((arg) => (arg.startsWith("/") && existsSync(path.join(image.rootfs, arg)) ? path.join(image.rootfs, arg) : arg));
  const owner = process.getuid?.() === 0 ? IMAGE_USERS[image.user] : undefined;
  return {
    file: process.execPath,
    args: mapped,
    options: {
      cwd: path.join(image.rootfs, image.workdir),
      env: { PATH: process.env.PATH ?? "", HOME: path.join(image.rootfs, image.workdir), ...image.env, ...env },
      ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
    },
  };
}

/** Runs the HEALTHCHECK command once; resolves with its exit code. */
export function runHealthcheck(image: Image, env: Record<string, string>): Promise<number | null> {
  const { file, args, options } = containerCommand(image, image.healthcheck, env);
  return new Promise((resolve) => {
    const child = spawn(file, args, { ...options, stdio: "ignore" });
    child.on("exit", (code) => resolve(code));
  });
}

export interface Container {
  url: string;
  process: ChildProcess;
  env: Record<string, string>;
  output(): string;
  stop(): Promise<number | null>;
}

/** Starts the image's CMD; the host port stands in for `-p PORT:8080` (SWITCHYARD_PORT, as `-e` would set it). */
export async function runContainer(image: Image, env: Record<string, string>): Promise<Container> {
  const port = await freePort();
  const runEnv = { ...env, SWITCHYARD_PORT: String(port) };
  const { file, args, options } = containerCommand(image, image.cmd, runEnv);
  const child = spawn(file, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the container did not start:\n${output}`)), 20_000);
    child.stdout!.on("data", () => {
      if (/listening on http:\/\/0\.0\.0\.0:\d+/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    // "close", not "exit": the output's last lines (the fatal one) may arrive after the process ended.
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`the container exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    process: child,
    env: runEnv,
    output: () => output,
    stop: () =>
      child.exitCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise((resolve) => {
            child.once("exit", (code) => resolve(code));
            child.kill("SIGTERM");
          }),
  };
}
