#!/usr/bin/env node
// The `switchyard` command. The generator is TypeScript run through tsx; `serve` only loads the built bundle.
import { register } from "tsx/esm/api";

register();
await import("../generator/cli.ts");
