#!/usr/bin/env node
// Offline schema validation of rendered Kubernetes manifests (no cluster, no network).
//
//   node tests/deploy/validate.mjs FILE...
//
// FILE: multi-document YAML, e.g. the output of `kubectl kustomize`. For every object:
//  (a) types, required fields, enums and patterns: `.validate()` of the kubernetes-models class of
//      its apiVersion/kind (npm kubernetes-models for the built-in groups,
//      @kubernetes-models/prometheus-operator for monitoring.coreos.com/v1). An apiVersion or kind
//      that neither package knows is an error, never a silent pass.
//  (b) unknown fields, which (a) lets through (its schemas set no additionalProperties, so a typo
//      such as readOnlyRootFilesytem passes):
//      - built-in kinds: walked against the OpenAPI-generated models of @kubernetes/client-node
//        (getAttributeTypeMap() of V1DaemonSet, V1PodSpec, ...). dist/gen/models/all.js is
//        imported directly: the package root pulls in undici, which crashes on node 20.
//      - custom resources (PodMonitor, PrometheusRule, ServiceMonitor, ...): walked against the
//        type declarations (.d.ts) that @kubernetes-models/prometheus-operator generates from the
//        operator's CRD schemas. Not a hand allowlist: a hand list of the fields this project uses
//        would also reject valid fields nobody listed, and would drift from the CRDs. Not the JSON
//        schemas either: the package ships them only compiled into ajv validator code (_schemas/*.js,
//        no additionalProperties anywhere, no readable property list). The .d.ts `declare class`
//        bodies list every property of each CRD type (inherited ones included), with its type, so
//        the walk is exact for the CRD version the package was generated from (operator 0.9x).
//
// Output: one line per problem, "validate: FILE: Kind/name: path: message", then a one-line
// summary with the number of objects checked per file.
// Exit status: 0 no problem; 1 a problem (or an unreadable file); 2 usage; 3 internal error (the
// packages are not installed: run `npm ci` in tests/deploy, which scripts/setup.sh does).
import { readFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules = join(here, "node_modules");

const files = process.argv.slice(2);
if (files.length === 0 || files.some((f) => f.startsWith("-"))) {
  console.error("usage: node tests/deploy/validate.mjs FILE...");
  process.exit(2);
}

let parseAllDocuments, clientModels;
try {
  ({ parseAllDocuments } = await import("yaml"));
  clientModels = await import(pathToFileURL(join(nodeModules, "@kubernetes/client-node/dist/gen/models/all.js")).href);
} catch (e) {
  console.error(`validate: cannot load the npm packages (${e.message}); run \`npm ci\` in tests/deploy (scripts/setup.sh does)`);
  process.exit(3);
}

const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
// JSON-ish path segments: a.b[0]["x.y"]
const key = (path, k) => (/^[A-Za-z_$][\w$-]*$/.test(k) ? (path ? `${path}.${k}` : k) : `${path}[${JSON.stringify(k)}]`);
const idx = (path, i) => `${path}[${i}]`;
const fromPointer = (p) =>
  p === "" ? "(root)" : p.split("/").slice(1).map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, s) => (/^\d+$/.test(s) ? idx(acc, s) : key(acc, s)), "");

// --- (a) kubernetes-models classes ----------------------------------------------------------------
const CRD_PACKAGES = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };
const modelModules = new Map();
async function modelClass(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string") return { error: "apiVersion and kind must be strings" };
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  const spec = group in CRD_PACKAGES ? `${CRD_PACKAGES[group]}/${apiVersion}` : `kubernetes-models/${apiVersion}`;
  if (!modelModules.has(spec)) {
    modelModules.set(spec, await import(spec).catch(() => null));
  }
  const mod = modelModules.get(spec);
  if (!mod) return { error: `unknown apiVersion ${apiVersion} (not in kubernetes-models or @kubernetes-models/prometheus-operator)` };
  // Only top-level kinds: the modules also export nested types (Container, ...), which have no kind.
  const cls = mod[kind];
  if (typeof cls !== "function" || cls.kind !== kind || cls.apiVersion !== apiVersion) return { error: `unknown kind ${kind} in ${apiVersion}` };
  return { cls, crd: group in CRD_PACKAGES, pkg: CRD_PACKAGES[group] };
}

function schemaProblems(cls, obj) {
  try {
    new cls(obj).validate();
    return [];
  } catch (e) {
    if (!Array.isArray(e.errors)) return [["(root)", `validate() failed: ${e.message}`]];
    const seen = new Set();
    const out = [];
    for (const err of e.errors) {
      let msg = err.message ?? err.keyword;
      if (err.keyword === "enum" && err.params?.allowedValues) msg += ` ${JSON.stringify(err.params.allowedValues)}`;
      if (err.keyword === "additionalProperties" && err.params?.additionalProperty) msg += ` (${err.params.additionalProperty})`;
      const p = [fromPointer(err.instancePath ?? ""), msg];
      if (!seen.has(p.join("\0"))) { seen.add(p.join("\0")); out.push(p); }
    }
    return out;
  }
}

// --- (b1) unknown fields of built-in kinds: @kubernetes/client-node models -------------------------
function clientModelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  const ver = version.charAt(0).toUpperCase() + version.slice(1);
  // Kinds that exist in several groups carry a group prefix (CoreV1Event, EventsV1Event).
  const prefix = group === "" ? "Core" : group.split(".")[0].replace(/^./, (c) => c.toUpperCase());
  for (const name of [`${prefix}${ver}${kind}`, `${ver}${kind}`]) {
    const m = clientModels[name];
    if (typeof m?.getAttributeTypeMap === "function" && m.getAttributeTypeMap().some((a) => a.baseName === "kind")) return name;
  }
  return null;
}

const PRIMITIVE = new Set(["string", "boolean", "number", "any", "object", "Date", "IntOrString", "RuntimeRawExtension"]);
function walkClient(value, type, path, report) {
  if (value === null || value === undefined || PRIMITIVE.has(type)) return;
  let m;
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => walkClient(v, m[1], idx(path, i), report));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (isObj(value)) for (const [k, v] of Object.entries(value)) walkClient(v, m[1], key(path, k), report);
    return;
  }
  const model = clientModels[type];
  if (typeof model?.getAttributeTypeMap !== "function") return; // a type (a) checks on its own
  if (!isObj(value)) return; // wrong type: reported by (a)
  const attrs = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value)) {
    if (!attrs.has(k)) report(key(path, k), `unknown field (${type})`);
    else walkClient(v, attrs.get(k), key(path, k), report);
  }
}

// --- (b2) unknown fields of custom resources: the packages' .d.ts declarations --------------------
// Each generated .d.ts declares one type: a class (every property, inherited ones included), an
// interface (possibly extending others) or a type alias (enums, Duration = string, ...).
const dtsCache = new Map();
function resolveModule(spec, fromDir) {
  const base = spec.replace(/\.js$/, "");
  if (base.startsWith(".")) return resolve(fromDir, `${base}.d.ts`);
  const parts = base.split("/");
  const pkgLen = base.startsWith("@") ? 2 : 1;
  return join(nodeModules, ...parts.slice(0, pkgLen), ...parts.slice(pkgLen)) + ".d.ts";
}
// Reads TYPE up to the ";" that ends it (at bracket depth 0) from text at i; returns [type, next].
function readType(text, i) {
  let depth = 0;
  let j = i;
  for (; j < text.length; j++) {
    const c = text[j];
    if (c === '"') { j = text.indexOf('"', j + 1); continue; }
    if (c === "{" || c === "<" || c === "(" || c === "[") depth++;
    else if (c === "}" || c === ">" || c === ")" || c === "]") depth--;
    else if (c === ";" && depth === 0) break;
  }
  return [text.slice(i, j).trim().replace(/\s+/g, " "), j + 1];
}
function parseBody(body) {
  const props = new Map();
  let i = 0;
  while (i < body.length) {
    while (i < body.length && /\s/.test(body[i])) i++;
    if (i >= body.length) break;
    const m = /^"([^"]+)"\??:\s*/.exec(body.slice(i));
    if (m) {
      const [type, next] = readType(body, i + m[0].length);
      props.set(m[1], type);
      i = next;
    } else {
      i = readType(body, i)[1]; // static ..., constructor(...)
    }
  }
  return props;
}
function blockAfter(text, start) {
  const open = text.indexOf("{", start);
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    if (text[j] === "{") depth++;
    else if (text[j] === "}" && --depth === 0) return text.slice(open + 1, j);
  }
  throw new Error("unbalanced braces");
}
function loadDts(file) {
  if (dtsCache.has(file)) return dtsCache.get(file);
  let decl = null;
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8").replace(/\/\*[\s\S]*?\*\//g, "");
    const imports = new Map();
    for (const m of text.matchAll(/import \{([^}]*)\} from "([^"]+)"/g)) {
      for (const name of m[1].split(",").map((s) => s.trim()).filter(Boolean)) imports.set(name, resolveModule(m[2], dirname(file)));
    }
    let m;
    if ((m = /export declare class \w+ extends Model<[^>]*>[^{]*/.exec(text))) {
      decl = { props: parseBody(blockAfter(text, m.index)), imports };
    } else if ((m = /export interface \w+(?: extends ([^{]+))? \{/.exec(text))) {
      decl = { props: parseBody(blockAfter(text, m.index)), imports, ext: (m[1] ?? "").split(",").map((s) => s.trim()).filter(Boolean) };
    } else if ((m = /export type (\w+) = ([^;]+);/.exec(text))) {
      decl = { alias: m[2].trim(), imports };
    }
  }
  dtsCache.set(file, decl);
  if (decl?.ext) {
    for (const e of decl.ext) {
      const parent = decl.imports.has(e) ? loadDts(decl.imports.get(e)) : null;
      if (parent?.props) {
        for (const [k, v] of parent.props) if (!decl.props.has(k)) decl.props.set(k, v);
      } else {
        decl.open = true; // cannot list the parent's fields: accept any field
      }
    }
  }
  return decl;
}
function splitTop(type, sep) {
  const parts = [];
  let depth = 0;
  let cur = "";
  for (const c of type) {
    if ("{<([".includes(c)) depth++;
    if ("}>)]".includes(c)) depth--;
    if (c === sep && depth === 0) { parts.push(cur.trim()); cur = ""; } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}
function walkDts(value, type, decl, path, report) {
  if (value === null || value === undefined) return;
  let m;
  type = type.trim();
  if ((m = /^Array<(.+)>$/.exec(type))) {
    if (Array.isArray(value)) value.forEach((v, i) => walkDts(v, m[1], decl, idx(path, i), report));
    return;
  }
  if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
    if (isObj(value)) for (const [k, v] of Object.entries(value)) walkDts(v, m[1], decl, key(path, k), report);
    return;
  }
  if (splitTop(type, "|").length > 1) return; // enums and string|number: (a) checks them
  if (!/^I\w+$/.test(type) || !decl.imports.has(type)) return; // primitives
  walkDecl(value, decl.imports.get(type), path, report);
}
function walkDecl(value, file, path, report) {
  const decl = loadDts(file);
  if (!decl) return; // not resolvable: nothing to compare with
  if (decl.alias) return walkDts(value, decl.alias, decl, path, report);
  if (!isObj(value) || decl.open) return;
  const typeName = file.split("/").pop().replace(/\.d\.ts$/, "");
  for (const [k, v] of Object.entries(value)) {
    if (!decl.props.has(k)) report(key(path, k), `unknown field (${typeName})`);
    else walkDts(v, decl.props.get(k), decl, key(path, k), report);
  }
}

// --- main ----------------------------------------------------------------------------------------
let problems = 0;
const counts = [];
for (const file of files) {
  let n = 0;
  const problem = (what, path, msg) => { console.log(`validate: ${file}: ${what}: ${path}: ${msg}`); problems++; };
  let docs;
  try {
    docs = parseAllDocuments(readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`validate: ${file}: cannot read: ${e.message}`);
    problems++;
    counts.push(`${file}: 0`);
    continue;
  }
  if (!Array.isArray(docs)) docs = [docs];
  for (const [i, doc] of docs.entries()) {
    if (doc.errors?.length) {
      for (const e of doc.errors) problem(`document ${i + 1}`, "(yaml)", e.message.split("\n")[0].replace(/:$/, ""));
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // empty document
    n++;
    if (!isObj(obj)) { problem(`document ${i + 1}`, "(root)", "not a mapping"); continue; }
    const what = `${obj.kind ?? "(no kind)"}/${obj.metadata?.name ?? "(no name)"}`;
    const found = await modelClass(obj.apiVersion, obj.kind);
    if (found.error) { problem(what, "(root)", found.error); continue; }
    for (const [p, msg] of schemaProblems(found.cls, obj)) problem(what, p, msg);
    const report = (p, msg) => problem(what, p, msg);
    if (found.crd) {
      walkDecl(obj, join(nodeModules, found.pkg, obj.apiVersion, `${obj.kind}.d.ts`), "", report);
    } else {
      const model = clientModelFor(obj.apiVersion, obj.kind);
      if (!model) problem(what, "(root)", `no @kubernetes/client-node model for ${obj.apiVersion} ${obj.kind}: unknown fields cannot be checked`);
      else walkClient(obj, model, "", report);
    }
  }
  counts.push(`${file}: ${n}`);
}
const total = counts.reduce((s, c) => s + Number(c.split(": ").pop()), 0);
console.log(`validate: ${problems ? `FAILED, ${problems} problem(s)` : "OK"}: ${total} object(s) checked (${counts.join(", ")})`);
process.exit(problems ? 1 : 0);
