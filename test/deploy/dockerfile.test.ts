// The Dockerfile, without Docker: its build stage run on a copy of the context .dockerignore lets through,
// then only what its runtime stage copies, started with its CMD, ENV, WORKDIR and (as root) its USER, and
// its HEALTHCHECK run against it (test/deploy/image.ts has the details). A file the runtime stage forgets
// to copy makes the gateway fail to start here, as it would in the container.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { root } from "../support/gateway.ts";
import { buildImage, runContainer, runHealthcheck, type Container, type Image } from "./image.ts";

const ADMIN_KEY = "sy-admin-dockerfile-test-0123456789";
/** What `docker run -e` would pass: the prod environment of routes.yaml needs these three set. */
const RUN_ENV = { SWITCHYARD_ADMIN_KEY: ADMIN_KEY, OPENAI_API_KEY: "sk-unused", ANTHROPIC_API_KEY: "sk-ant-unused", OPENROUTER_API_KEY: "sk-or-unused" };

describe("the Dockerfile's image, built with its default build args (routes.yaml, prod)", () => {
  let image: Image;
  let container: Container;

  beforeAll(async () => {
    image = buildImage();
    container = await runContainer(image, RUN_ENV);
  }, 600_000);

  afterAll(async () => {
    await container?.stop();
    image?.remove();
  });

  it("holds the bundle and native modules only: no generator, routes.yaml, TypeScript or npm tree", () => {
    expect(image.files).toContain("app/server.mjs");
    expect(image.files).toContain(`app/node_modules/uWebSockets.js/binaries/uws_linux_${process.arch}_${process.versions.modules}.node`);
    const top = readdirSync(path.join(image.rootfs, "app")).sort();
    expect(top).toEqual(["node_modules", "server.mjs"]);
    expect(readdirSync(path.join(image.rootfs, "app/node_modules")).sort()).toEqual(["better-sqlite3", "bindings", "file-uri-to-path", "uWebSockets.js"]);
    // No Node.js fallback for uWS: without the native binary the gateway must not start at all.
    expect(existsSync(path.join(image.rootfs, "app/node_modules/uWebSockets.js/dist"))).toBe(false);
  });

  it("starts on the native uWebSockets.js server, as the image's non-root user when the test runs as root", () => {
    expect(container.output()).not.toMatch(/Falling back|not compatible with your Node/);
    expect(container.output()).toContain("switchyard (prod) listening on http://0.0.0.0:");
    expect(image.user).toBe("node");
    if (process.getuid?.() === 0) {
      const status = readFileSync(`/proc/${container.process.pid}/status`, "utf8");
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).toBe("1000");
    }
  });

  it("answers /health without a key, and the HEALTHCHECK command passes", async () => {
    const response = await fetch(`${container.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", env: "prod" });
    expect(await runHealthcheck(image, container.env)).toBe(0);
  });

  it("serves every path deploy/k8s/deployment.yaml probes", async () => {
    const deployment = parse(readFileSync(path.join(root, "deploy/k8s/deployment.yaml"), "utf8"));
    const container0 = deployment.spec.template.spec.containers[0];
    const probes = ["startupProbe", "readinessProbe", "livenessProbe"].map((name) => container0[name]).filter(Boolean);
    expect(probes.length).toBe(3);
    for (const probe of probes) {
      const response = await fetch(`${container.url}${probe.httpGet.path}`);
      expect(response.status, probe.httpGet.path).toBe(200);
    }
  });

  it("serves a model request end to end: a key made through the admin API, the SQLite store and the request log in WORKDIR", async () => {
    const created = await fetch(`${container.url}/admin/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "docker-test", models: ["demo"] }),
    });
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    const response = await fetch(`${container.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "demo", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    const home = path.join(image.rootfs, image.workdir);
    expect(existsSync(path.join(home, "data/switchyard.db"))).toBe(true);
    // The request log is written by the bundle started again as a worker thread: it must find itself.
    const deadline = Date.now() + 5000;
    let logged = "";
    while (Date.now() < deadline && !logged.includes('"model":"demo"')) {
      const dir = path.join(home, "logs");
      logged = existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(path.join(dir, f), "utf8")).join("") : "";
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(logged).toContain('"model":"demo"');
    expect(logged).not.toContain(key);
  });

  it("drains and exits 0 on SIGTERM (docker stop), after which the HEALTHCHECK fails", async () => {
    expect(await container.stop()).toBe(0);
    expect(container.output()).toMatch(/SIGTERM: draining in-flight requests[\s\S]*stopped/);
    expect(await runHealthcheck(image, container.env)).not.toBe(0);
  });
});
