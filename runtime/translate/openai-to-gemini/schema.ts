// JSON Schema (tool parameters, response_format schemas) → Gemini's Schema, a subset of OpenAPI 3.0 that
// answers 400 to any keyword it does not know. So the output is built from a whitelist, not by deleting
// the known troublemakers:
//
// - kept: type, description, title, properties, required, items, anyOf, nullable, string enums, min/max
//   (items, properties, length, value) and pattern; format only "enum" and "date-time" on strings.
// - rewritten: type arrays (["string","null"] → type string + nullable; several non-null types → anyOf);
//   anyOf/oneOf branches of type null → nullable, and a single branch left is inlined; oneOf → anyOf;
//   allOf → its members merged (properties and required joined); const → a one-value string enum; enums
//   with null → nullable; local $refs (#/$defs/…, #/definitions/…) inlined. A dropped numeric or boolean
//   enum (or const) leaves its type behind when the schema had none.
// - dropped without a note, as they only loosen validation: $schema, $id, $comment, additionalProperties,
//   default, examples, other formats, numeric and boolean enums (Gemini's enums are strings only), non-string
//   const, not, if/then/else, patternProperties, uniqueItems, and every other keyword.
// - dropped with a note (the route's unsupported policy applies): a $ref that cannot be inlined, because it
//   points outside the schema or back into itself (Gemini's Schema cannot recurse); the recursion stops
//   there with the referenced schema's type.
// - patched, because Gemini rejects them: `required` naming no property is filtered; an empty `properties`
//   is left out; an array without `items` gets string items.
// - added for response schemas: propertyOrdering, the properties in declared order, which Gemini's JSON
//   output otherwise does not keep (OpenAI's structured output does).
// @see https://ai.google.dev/api/caching#Schema
import type { GeminiSchema } from "../../../generated/types/index.ts";
import { isObject } from "../untrusted.ts";
import type { Json } from "../untrusted.ts";
import type { FieldPath, UnsupportedFields } from "../unsupported-fields.ts";

const STRING_FORMATS = new Set(["enum", "date-time"]);
const TEXT_KEYWORDS = ["title", "description", "pattern"] as const;
const NUMBER_KEYWORDS = ["minItems", "maxItems", "minProperties", "maxProperties", "minimum", "maximum", "minLength", "maxLength"] as const;
const REF_PREFIX = "#/";

interface Walk {
  readonly root: unknown;
  /** Response schemas: pin the declared property order (Gemini otherwise writes properties alphabetically). */
  readonly keepOrder: boolean;
  /** $refs being inlined on the way down, to stop at recursion. */
  readonly refs: readonly string[];
  readonly unsupported: UnsupportedFields;
}

/** A whole schema; `path` locates it in the client's request for notes. */
export function sanitizeSchema(schema: unknown, path: FieldPath, unsupported: UnsupportedFields, options: { keepOrder?: boolean } = {}): GeminiSchema {
  return walk(schema, path, { root: schema, keepOrder: options.keepOrder === true, refs: [], unsupported });
}

function walk(node: unknown, path: FieldPath, w: Walk): GeminiSchema {
  if (!isObject(node)) return {};
  if (typeof node.$ref === "string") return inlineRef(node, node.$ref, path, w);
  if (Array.isArray(node.allOf)) return mergeAllOf(node, node.allOf, path, w);
  if (Array.isArray(node.type)) return typeUnion(node, node.type, path, w);
  const branches = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (branches) return union(node, branches, path, w);

  const out: GeminiSchema = {};
  if (typeof node.type === "string" && node.type !== "null") out.type = node.type;
  if (node.type === "null") out.nullable = true;
  for (const key of TEXT_KEYWORDS) {
    const value = node[key];
    if (typeof value === "string") out[key] = value;
  }
  for (const key of NUMBER_KEYWORDS) {
    const value = node[key];
    if (typeof value === "number" && Number.isFinite(value)) out[key] = value;
  }
  if (node.nullable === true) out.nullable = true;
  applyEnum(out, node);
  if (typeof node.format === "string" && STRING_FORMATS.has(node.format) && out.type?.toLowerCase() === "string") out.format = node.format;

  if (isObject(node.properties)) {
    // fromEntries: a property named "__proto__" stays a property.
    const properties = Object.fromEntries(Object.entries(node.properties).map(([name, property]) => [name, walk(property, [...path, "properties", name], w)]));
    const names = Object.keys(properties);
    if (names.length > 0) out.properties = properties;
    if (w.keepOrder && names.length > 1) out.propertyOrdering = names;
  }
  if (Array.isArray(node.required)) {
    const required = node.required.filter((name): name is string => typeof name === "string" && out.properties !== undefined && Object.hasOwn(out.properties, name));
    if (required.length > 0) out.required = required;
  }
  if (isObject(node.items)) out.items = walk(node.items, [...path, "items"], w);
  else if (Array.isArray(node.items)) out.items = union({}, node.items, [...path, "items"], w); // tuple form: any of its members
  if (out.type?.toLowerCase() === "array" && !out.items) out.items = { type: "string" };
  return out;
}

/** Gemini's enums are strings: a string enum (null allowed, as nullable) stays, any other is dropped; const is a one-value enum. */
function applyEnum(out: GeminiSchema, node: Json): void {
  const values = Array.isArray(node.enum) ? node.enum : "const" in node ? [node.const] : undefined;
  if (!values) return;
  const nulls = values.filter((v) => v === null).length;
  if (nulls > 0) out.nullable = true;
  const others = values.filter((v) => v !== null);
  const strings = others.filter((v): v is string => typeof v === "string");
  if (strings.length > 0 && strings.length === others.length) {
    out.type ??= "string";
    out.enum = strings;
  } else {
    const type = typeOfValues(others);
    if (type) out.type ??= type;
  }
}

/** The type a dropped enum's values share, so the schema keeps at least that much; undefined when mixed. */
function typeOfValues(values: unknown[]): string | undefined {
  if (values.length === 0) return undefined;
  if (values.every((v) => typeof v === "boolean")) return "boolean";
  if (values.every((v) => Number.isInteger(v))) return "integer";
  if (values.every((v) => typeof v === "number")) return "number";
  return undefined;
}

/** A local $ref, inlined with its siblings on top (a description beside a $ref describes this use of it). */
function inlineRef(node: Json, ref: string, path: FieldPath, w: Walk): GeminiSchema {
  const { $ref: _ref, ...siblings } = node;
  const target = ref.startsWith(REF_PREFIX) ? resolvePointer(w.root, ref.slice(REF_PREFIX.length)) : undefined;
  if (!isObject(target)) {
    w.unsupported.note([...path, "$ref"], `the schema reference ${JSON.stringify(ref)}`);
    return walk(siblings, path, w);
  }
  if (w.refs.includes(ref)) {
    w.unsupported.note([...path, "$ref"], `the recursive schema reference ${JSON.stringify(ref)}`);
    const stop: GeminiSchema = typeof target.type === "string" ? { type: target.type } : {};
    return { ...stop, ...walk(siblings, path, w) };
  }
  return walk({ ...target, ...siblings }, path, { ...w, refs: [...w.refs, ref] });
}

/** A JSON pointer (RFC 6901) into the root schema. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (isObject(node)) node = Object.hasOwn(node, key) ? node[key] : undefined;
    else if (Array.isArray(node) && /^\d+$/.test(key)) node = node[Number(key)];
    else return undefined;
  }
  return node;
}

/** allOf: the node and each member, sanitised, merged. */
function mergeAllOf(node: Json, members: unknown[], path: FieldPath, w: Walk): GeminiSchema {
  const { allOf: _allOf, ...rest } = node;
  return mergeSchemas([walk(rest, path, w), ...members.map((member, i) => walk(member, [...path, "allOf", i], w))]);
}

/** The first schema to set a keyword wins; properties and required add up (and the order follows them). */
function mergeSchemas(parts: readonly GeminiSchema[]): GeminiSchema {
  const out: GeminiSchema = {};
  const properties = new Map<string, GeminiSchema>();
  const required = new Set<string>();
  for (const part of parts) {
    const { properties: own, required: names, propertyOrdering: _order, ...keywords } = part;
    for (const [key, value] of Object.entries(keywords)) if (!(key in out)) Object.assign(out, { [key]: value });
    for (const [name, property] of Object.entries(own ?? {})) if (!properties.has(name)) properties.set(name, property);
    for (const name of names ?? []) required.add(name);
  }
  if (properties.size > 0) out.properties = Object.fromEntries(properties);
  if (parts.some((part) => part.propertyOrdering) && properties.size > 1) out.propertyOrdering = [...properties.keys()];
  if (required.size > 0) out.required = [...required];
  return out;
}

/** A type array: null becomes nullable; one type left is the type; several become an anyOf of the node per type. */
function typeUnion(node: Json, types: unknown[], path: FieldPath, w: Walk): GeminiSchema {
  const named = types.filter((t): t is string => typeof t === "string" && t !== "null");
  const nullable = types.includes("null");
  const { type: _type, description, title, ...rest } = node;
  const common: GeminiSchema = {};
  if (typeof title === "string") common.title = title;
  if (typeof description === "string") common.description = description;
  if (nullable) common.nullable = true;
  if (named.length === 1) return { ...walk({ ...rest, type: named[0] }, path, w), ...common };
  if (named.length === 0) return { ...walk(rest, path, w), ...common };
  return { ...common, anyOf: named.map((type) => walk({ ...rest, type }, path, w)) };
}

/** anyOf / oneOf: null branches become nullable; a single branch left is inlined under the node's own keywords. */
function union(node: Json, branches: unknown[], path: FieldPath, w: Walk): GeminiSchema {
  const key = Array.isArray(node.anyOf) ? "anyOf" : "oneOf";
  const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = node;
  const own = walk(rest, path, w);
  const members = branches.map((branch, i) => walk(branch, [...path, key, i], w));
  const nullable = members.some(isNullOnly);
  const kept = members.filter((member) => !isNullOnly(member));
  const out: GeminiSchema = kept.length === 1 ? mergeSchemas([own, kept[0]!]) : kept.length > 1 ? { ...own, anyOf: kept } : own;
  if (nullable) out.nullable = true;
  return out;
}

function isNullOnly(schema: GeminiSchema): boolean {
  return schema.nullable === true && Object.keys(schema).length === 1;
}
