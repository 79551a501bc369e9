// GET /v1/models bodies, serialised once at start: the public models the routes serve, in each SDK's shape.
import type { Router } from "./contract.ts";

const EPOCH = "1970-01-01T00:00:00Z";

export function modelLists(models: Router["models"]): { openai: string; anthropic: string } {
  const openai = JSON.stringify({
    object: "list",
    data: models.openai.map((id) => ({ id, object: "model", created: 0, owned_by: "switchyard" })),
  });
  const anthropic = JSON.stringify({
    data: models.anthropic.map((id) => ({ type: "model", id, display_name: id, created_at: EPOCH })),
    has_more: false,
    first_id: models.anthropic[0] ?? null,
    last_id: models.anthropic.at(-1) ?? null,
  });
  return { openai, anthropic };
}
