// deploy/compose.yaml and deploy/k8s/ without Docker or a cluster: each file against the published schema of
// what it is (the compose-spec schema from the dclint package; Kubernetes' schemas per kind, generated from
// the official client into kubernetes-schemas/, see its README), then the facts that tie them to the gateway
// and to each other: files that exist, ports that line up, probes on /health, environment variables the
// fleet's routes.yaml needs, and grace periods longer than its drain.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { root } from "../support/gateway.ts";
import { durationSeconds, stageNamed, walkStage, parseEnv } from "./dockerfile.ts";
import { readDockerfile } from "./image.ts";

const deployDir = path.join(root, "deploy");
const k8sDir = path.join(deployDir, "k8s");
const schemaDir = path.join(root, "test/deploy/kubernetes-schemas");

function readYaml(file: string): any {
  // Compose files may use YAML merge keys (`<<: *gateway`); Docker Compose resolves them before validating.
  return parse(readFileSync(file, "utf8"), { merge: true });
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`).join("\n");
}

// ---- the fleet's routes.yaml: what the orchestrators must provide ----

const fleetRoutes = readYaml(path.join(deployDir, "routes.yaml"));
const fleetRoutesText = readFileSync(path.join(deployDir, "routes.yaml"), "utf8");
/** `${VAR}` references without a `:-` fallback: the gateway refuses to start when one is unset. */
const requiredVariables = [...new Set([...fleetRoutesText.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!))].sort();
/** How long a SIGTERM may take: the drain bound, then at least one more second for the request log. */
const drainSeconds = fleetRoutes.server.shutdown_timeout_ms / 1000 + 1;

/** The gateway image's defaults (the Dockerfile's runtime-stage ENV, USER). */
function runtimeImage(): { env: Record<string, string>; user: string | null; exposed: string[] } {
  const dockerfile = readDockerfile();
  const env: Record<string, string> = {};
  let user: string | null = null;
  const exposed: string[] = [];
  walkStage(dockerfile, dockerfile.stages.at(-1)!, {}, (instruction, args) => {
    if (instruction.keyword === "ENV") for (const [name, value] of parseEnv(args)) env[name] = value;
    if (instruction.keyword === "USER") user = args;
    if (instruction.keyword === "EXPOSE") exposed.push(...args.split(/\s+/));
  });
  return { env, user, exposed };
}

describe("deploy/routes.yaml", () => {
  it("shares state the way the deployment documents: store and request log in PostgreSQL, limits and breakers in Redis", () => {
    expect(fleetRoutes.store).toBe("${DATABASE_URL}");
    expect(fleetRoutes.logs.sink).toBe("${DATABASE_URL}");
    expect(fleetRoutes.redis.url).toBe("${REDIS_URL}");
    expect(fleetRoutes.auth.required).toBe(true);
    expect(requiredVariables).toEqual(["DATABASE_URL", "REDIS_URL"]);
  });

  it("is built by the Dockerfile's build stage when compose asks for it", () => {
    // The build stage takes ROUTES as a build arg and the file must be in the build context.
    const build = stageNamed(readDockerfile(), "build");
    const runs: string[] = [];
    walkStage(readDockerfile(), build, { ROUTES: "deploy/routes.yaml", SWITCHYARD_ENV: "prod" }, (instruction, args) => {
      if (instruction.keyword === "RUN") runs.push(args);
    });
    expect(runs).toContain("make build ENV=prod CONFIG=deploy/routes.yaml");
    expect(readFileSync(path.join(root, ".dockerignore"), "utf8")).toMatch(/^!deploy\/routes\.yaml$/m);
  });
});

// ---- compose ----

const composeFile = path.join(deployDir, "compose.yaml");
const compose = readYaml(composeFile);

function composeValidator() {
  const dclint = path.dirname(createRequire(import.meta.url).resolve("dclint/package.json"));
  // Draft-07, named by an https URL ajv does not know it by: compiled as ajv's default draft, which it is.
  const { $schema: _draft, ...schema } = JSON.parse(readFileSync(path.join(dclint, "schemas/compose.schema.json"), "utf8"));
  // strict: false: the compose-spec schema uses annotations ajv's draft-07 mode does not know ("deprecated").
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** The services built from the repository's Dockerfile: the gateways. */
function gatewayServices(): Array<[string, any]> {
  return Object.entries<any>(compose.services).filter(([, service]) => service.build !== undefined && path.resolve(deployDir, service.build.context, service.build.dockerfile ?? "Dockerfile") === path.join(root, "Dockerfile"));
}

describe("deploy/compose.yaml", () => {
  const validate = composeValidator();

  it("is valid against the compose-spec JSON schema", () => {
    expect(validate(compose), describeErrors(validate.errors)).toBe(true);
  });

  it("fails that schema with a misspelt key (the check is live)", () => {
    const broken = structuredClone(compose);
    broken.services["gateway-1"].prots = broken.services["gateway-1"].ports;
    expect(validate(broken)).toBe(false);
    expect(describeErrors(validate.errors)).toContain("prots");
  });

  it("runs two gateways from the repository's Dockerfile with the fleet's routes.yaml, beside Redis, PostgreSQL and Prometheus", () => {
    const gateways = gatewayServices();
    expect(gateways.map(([name]) => name)).toEqual(["gateway-1", "gateway-2"]);
    for (const [, service] of gateways) {
      expect(existsSync(path.resolve(deployDir, service.build.context, service.build.args.ROUTES))).toBe(true);
      expect(service.build.args.ROUTES).toBe("deploy/routes.yaml");
    }
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(["redis", "postgres", "prometheus"]));
  });

  it("references only files that exist", () => {
    for (const [name, service] of Object.entries<any>(compose.services)) {
      if (service.build !== undefined) expect(existsSync(path.resolve(deployDir, service.build.context, service.build.dockerfile ?? "Dockerfile")), name).toBe(true);
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === "string" ? volume.split(":")[0]! : volume.source;
        // Named volumes are declared at the top; bind mounts start with . or /.
        if (/^[./]/.test(source)) expect(existsSync(path.resolve(deployDir, source)), `${name}: ${source}`).toBe(true);
        else expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
      }
      for (const file of [service.env_file ?? []].flat()) expect(existsSync(path.resolve(deployDir, typeof file === "string" ? file : file.path)), `${name}: ${file}`).toBe(true);
      for (const secret of service.secrets ?? []) expect(compose.secrets, `${name}: secret ${secret}`).toHaveProperty(typeof secret === "string" ? secret : secret.source);
    }
  });

  it("gives each gateway every variable the fleet's routes.yaml needs, Redis and PostgreSQL by their service names", () => {
    for (const [name, service] of gatewayServices()) {
      for (const variable of requiredVariables) expect(service.environment, `${name}: ${variable}`).toHaveProperty(variable);
      expect(service.environment.REDIS_URL).toMatch(/^redis:\/\/redis:6379$/);
      expect(service.environment.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(service.environment.SWITCHYARD_ADMIN_KEY).toBeDefined();
      for (const dependency of ["redis", "postgres"]) expect(service.depends_on[dependency].condition).toBe("service_healthy");
    }
  });

  it("has Prometheus scrape every gateway on the port it listens on inside its container, with the admin key", () => {
    const prometheusService = compose.services.prometheus;
    const mount = prometheusService.volumes.map((v: string) => v.split(":")).find(([, target]: string[]) => target === "/etc/prometheus/prometheus.yml");
    expect(mount).toBeDefined();
    const prometheus = readYaml(path.resolve(deployDir, mount[0]));
    const job = prometheus.scrape_configs.find((c: any) => c.job_name === "switchyard");
    expect(job.metrics_path ?? "/metrics").toBe("/metrics");
    const targets: string[] = job.static_configs.flatMap((c: any) => c.targets);
    const image = runtimeImage();
    const expected = gatewayServices().map(([name, service]) => {
      const port = service.environment.SWITCHYARD_PORT ?? image.env.SWITCHYARD_PORT;
      // The published port maps the host to that same container port.
      expect(service.ports.map((p: string) => p.split(":").at(-1))).toContain(port);
      expect(image.exposed).toContain(port);
      return `${name}:${port}`;
    });
    expect(targets.sort()).toEqual(expected.sort());
    // /metrics needs the admin key where keys are required: the credentials file is the compose secret.
    const secretName = job.authorization.credentials_file.replace(/^\/run\/secrets\//, "");
    expect(prometheusService.secrets).toContain(secretName);
    expect(compose.secrets[secretName].environment).toBe("SWITCHYARD_ADMIN_KEY");
  });

  it("lets a gateway drain before docker stop kills it", () => {
    for (const [name, service] of gatewayServices()) expect(durationSeconds(service.stop_grace_period), name).toBeGreaterThan(drainSeconds);
  });
});

// ---- Kubernetes ----

interface Manifest {
  file: string;
  document: any;
}

const manifests: Manifest[] = readdirSync(k8sDir)
  .filter((file) => file.endsWith(".yaml") && file !== "kustomization.yaml")
  .sort()
  .flatMap((file) => parseAllDocuments(readFileSync(path.join(k8sDir, file), "utf8")).map((doc) => ({ file, document: doc.toJS() })));

function schemaFile(apiVersion: string, kind: string): string {
  // kubernetes-json-schema's naming: kind, then the group's first label (none for the core group), then the version.
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  return `${kind.toLowerCase()}${group ? `-${group!.split(".")[0]}` : ""}-${version}.json`;
}

const kubernetesAjv = new Ajv({ allErrors: true, allowUnionTypes: true });

function kubernetesValidator(apiVersion: string, kind: string) {
  const file = schemaFile(apiVersion, kind);
  return kubernetesAjv.getSchema(file) ?? kubernetesAjv.compile(JSON.parse(readFileSync(path.join(schemaDir, file), "utf8")));
}

function only(kind: string): any {
  const found = manifests.filter((m) => m.document.kind === kind);
  expect(found.length, kind).toBe(1);
  return found[0]!.document;
}

describe("deploy/k8s", () => {
  it("has the manifests the deployment needs", () => {
    expect(manifests.map((m) => m.document.kind).sort()).toEqual(["ConfigMap", "Deployment", "HorizontalPodAutoscaler", "PodDisruptionBudget", "Secret", "Service"]);
  });

  for (const { file, document } of manifests) {
    it(`${file}: valid against the Kubernetes schema of ${document.apiVersion} ${document.kind}`, () => {
      const validate = kubernetesValidator(document.apiVersion, document.kind);
      expect(validate(document), describeErrors(validate.errors)).toBe(true);
    });
  }

  it("the schemas reject a misspelt field and a wrong type (the check is live)", () => {
    const deployment = only("Deployment");
    const validate = kubernetesValidator("apps/v1", "Deployment");
    const misspelt = structuredClone(deployment);
    misspelt.spec.template.spec.containers[0].livenesProbe = misspelt.spec.template.spec.containers[0].livenessProbe;
    expect(validate(misspelt)).toBe(false);
    expect(describeErrors(validate.errors)).toContain("livenesProbe");
    const wrongType = structuredClone(deployment);
    wrongType.spec.replicas = "two";
    expect(validate(wrongType)).toBe(false);
  });

  it("the kustomization applies every manifest but the Secret template", () => {
    const kustomization = readYaml(path.join(k8sDir, "kustomization.yaml"));
    const files = [...new Set(manifests.map((m) => m.file))].filter((f) => f !== "secret.yaml");
    expect([...kustomization.resources].sort()).toEqual(files.sort());
  });

  it("probes /health on the port the gateway listens on, through the container port the Service targets", () => {
    const deployment = only("Deployment");
    const container = deployment.spec.template.spec.containers[0];
    const http = container.ports.find((p: any) => p.name === "http");
    const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]));
    const listenPort = env.SWITCHYARD_PORT ?? runtimeImage().env.SWITCHYARD_PORT;
    expect(String(http.containerPort)).toBe(listenPort);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      expect(container[probe].httpGet.path, probe).toBe("/health");
      expect([http.name, http.containerPort], probe).toContain(container[probe].httpGet.port);
    }
    const service = only("Service");
    expect(service.spec.ports.map((p: any) => p.targetPort)).toEqual(["http"]);
  });

  it("selects the Deployment's pods from the Service and the PodDisruptionBudget, and scales it from the HPA", () => {
    const deployment = only("Deployment");
    const labels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels).toEqual(labels);
    expect(only("Service").spec.selector).toEqual(labels);
    expect(only("PodDisruptionBudget").spec.selector.matchLabels).toEqual(labels);
    const hpa = only("HorizontalPodAutoscaler");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    // An HPA on CPU utilisation needs a CPU request to measure against.
    expect(deployment.spec.template.spec.containers[0].resources.requests.cpu).toBeDefined();
  });

  it("runs as the image's non-root user, without privilege escalation", () => {
    const pod = only("Deployment").spec.template.spec;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(runtimeImage().user).toBe("node");
    expect(pod.securityContext.runAsUser).toBe(1000);
    const container = pod.containers[0];
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
    // A read-only root file system needs the working directory (the image's WORKDIR) writable.
    if (container.securityContext.readOnlyRootFilesystem) expect(container.volumeMounts.map((m: any) => m.mountPath)).toContain("/home/node");
  });

  it("feeds the gateway every variable the fleet's routes.yaml needs, from the ConfigMap and the Secret it references", () => {
    const container = only("Deployment").spec.template.spec.containers[0];
    const configMap = only("ConfigMap");
    const secret = only("Secret");
    expect(container.envFrom).toEqual(expect.arrayContaining([{ configMapRef: { name: configMap.metadata.name } }, { secretRef: { name: secret.metadata.name } }]));
    const provided = new Set([...Object.keys(configMap.data), ...Object.keys(secret.stringData), ...(container.env ?? []).map((e: any) => e.name)]);
    for (const variable of [...requiredVariables, "SWITCHYARD_ADMIN_KEY"]) expect(provided.has(variable), variable).toBe(true);
    // Keys go in the Secret, not the ConfigMap.
    for (const name of Object.keys(configMap.data)) expect(name).not.toMatch(/KEY|PASSWORD|DATABASE_URL/);
  });

  it("holds only placeholders in the Secret template", () => {
    for (const [name, value] of Object.entries<string>(only("Secret").stringData)) {
      expect(value === "" || /replace-with/.test(value), name).toBe(true);
    }
  });

  it("gives a pod longer to stop than preStop plus the gateway's drain", () => {
    const pod = only("Deployment").spec.template.spec;
    const preStop = pod.containers[0].lifecycle.preStop;
    const sleep = preStop.sleep?.seconds ?? Number(preStop.exec.command.join(" ").match(/^sleep (\d+)$/)?.[1]);
    expect(sleep).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(sleep + drainSeconds);
  });
});
