#!/usr/bin/env node
// Offline linter for the shipped Grafana dashboards (dashboards/grafana/*.json), issue 12 §3.
//
//   node tests/dashboards/lint-dashboards.mjs [--exceptions FILE] [--metrics-doc FILE]
//        [--cluster-label NAME] [--list-rules] FILE...
//
// It re-implements the rules of grafana/dashboard-linter (lint/rule_*.go, at commit 4d0844b; the
// Go tool cannot be installed here, see ../shared/reference/grafana/DASHBOARDS.md §3) with this
// kit's contract (issue 12 §2), plus the project's own rules (prefixed `nca-`). Every rule is
// listed in RULES below with its semantics; where a rule deliberately differs from upstream, the
// comment at its implementation says how and why. Upstream's target-logql-rule and
// target-logql-auto-rule are not implemented: they apply to Loki targets only and the kit's single
// data source variable is a Prometheus one (template-datasource-rule).
//
// PromQL: there is no PromQL parser among the project's packages, so target-promql-rule is a
// "lite" check: variables expanded as dashboard-linter does (lint/variables.go), then a lexer
// (strings, numbers, durations, identifiers, operators), balanced and correctly nested brackets,
// label matchers of the form `name op "value"` inside braces, durations (or a subquery
// `dur:[dur]`) inside square brackets, metric and label names of the Prometheus grammar. The full
// parse (and the evaluation) of every query is done by a real Prometheus 2.42 in the lead's
// query test (issue 12 §3, second point), which this linter does not replace.
//
// FILE: a dashboard JSON file (the dashboard object itself, as Grafana exports it for file
// provisioning). All FILEs are linted together: uids must be unique across them, and every
// `/d/<uid>` link must name one of them.
// --exceptions FILE: JSON array of {"dashboard": uid, "panel": title or "*", "rule": id,
//   "reason": "..."}; a finding matching an entry is not reported. "*" matches every finding of the
//   dashboard for that rule, dashboard-level findings included. An entry without a reason (fewer
//   than 10 characters), with an unknown rule or dashboard, or that matches no finding (stale) is
//   itself a finding (nca-exception). The dashboard JSON cannot carry comments, hence the file.
// --metrics-doc FILE (repeatable): the agent's metric reference (docs/metrics.md,
//   docs/alerting.md). Its tables tell which neo4j_* metrics carry the neo4j_cluster label;
//   target-neo4j-cluster-rule then requires the matcher only on those (and on every neo4j_* metric
//   the file does not list, e.g. the relayed Neo4j metrics, which all carry it). Without the
//   option, every neo4j_* metric needs it.
// --cluster-label NAME: the Prometheus target label that tells Kubernetes clusters apart (the
//   mixin's config; default "cluster"): the name of the cluster variable and of its matcher.
//
// Output: one line per finding, on stdout:
//   FILE: dashboard <uid>: panel "<title>" (id N): <rule-id>: message     (panel findings)
//   FILE: dashboard <uid>: <rule-id>: message                             (dashboard findings)
// then a summary line "lint-dashboards: ...". Exit status: 0 no finding; 1 findings (or an
// unreadable file); 2 usage.
import { readFileSync } from "node:fs";

// --- the rules -----------------------------------------------------------------------------------
const RULES = {
  // grafana/dashboard-linter's rules (same ids; adapted ids where the kit's variables differ)
  "template-datasource-rule":
    "exactly one data source variable, named `datasource`, labelled `Data source`, query `prometheus`",
  "template-cluster-rule":
    "(upstream template-job-rule/template-instance-rule adapted) a query variable `cluster` with label_values(..., <cluster label>)",
  "template-neo4j-cluster-rule":
    "(upstream template-job-rule adapted) a query variable `neo4j_cluster`: multi, includeAll, allValue `.+` or `.*`",
  "template-label-promql-rule":
    "every query variable is label_names/label_values/metrics/query_result(...) over valid PromQL",
  "template-on-time-change-reload-rule": "every query variable has refresh 2 (on time range change)",
  "panel-datasource-rule": "every panel with queries uses the data source variable ($datasource / ${datasource})",
  "panel-title-description-rule": "every panel has a title; every panel but rows and text panels a description",
  "panel-units-rule":
    "every panel but rows and text panels has fieldConfig.defaults.unit from Grafana's unit list (override units too)",
  "panel-no-targets-rule": "every panel but rows and text panels has at least one target",
  "target-promql-rule": "every target (and annotation) has a non-empty expr that passes the PromQL lite check",
  "target-rate-interval-rule": "every rate()/irate() range is $__rate_interval",
  "target-cluster-rule":
    '(upstream target-job-rule adapted) every neo4j_* selector matches <cluster label>=~"$cluster"',
  "target-neo4j-cluster-rule":
    '(upstream target-instance-rule adapted) every neo4j_* selector with that label matches neo4j_cluster=~"$neo4j_cluster"',
  "target-counter-agg-rule": "every *_total selector is the range argument of rate, irate or increase",
  "uneditable-dashboard": "editable is false (explicitly: Grafana's default is true)",
  // the project's rules
  "nca-json": "the file is a JSON object (a dashboard)",
  "nca-uid": "uid is a string of 8-40 characters [A-Za-z0-9_-]",
  "nca-unique-uid": "no two linted dashboards share a uid",
  "nca-dashboard-id": "no numeric `id` (import and provisioning assign it)",
  "nca-no-inputs": "no `__inputs` (resolved only by the UI import dialog; file provisioning fails on it)",
  "nca-schema-version": "schemaVersion is 39",
  "nca-graph-tooltip": "graphTooltip is 1 (shared crosshair)",
  "nca-kit-tag": "the dashboard carries the kit tag (the tag of the kit's dashboard links) and links by it",
  "nca-dashboard-link":
    "exactly one link of type dashboards, asDropdown, includeVars, keepTime, with exactly one tag",
  "nca-annotations":
    "annotations on the data source variable for firing alerts (ALERTS, neo4j_agent_alerts) and leader changes",
  "nca-template-query-datasource": "every query variable uses the data source variable",
  "nca-panel-type": "panel types are the modern ones (no graph, singlestat or other Angular/unknown types)",
  "nca-unique-panel-id": "every panel (rows and panels in collapsed rows included) has an id, unique in the dashboard",
  "nca-gridpos": "gridPos integers with x >= 0, y >= 0, w > 0, h > 0, x + w <= 24",
  "nca-grid-overlap": "no two panels overlap (top level; each collapsed row's panels among themselves)",
  "nca-target-datasource": "every target's datasource is the data source variable",
  "nca-target-refid": "every target has a refId, unique in its panel",
  "nca-range-window":
    "every other range (and subquery range) is $__rate_interval or $__range (never $__interval nor a literal)",
  "nca-undefined-variable":
    "every $var / ${var} / [[var]] in queries, legends, titles, links and variable queries is defined or built in",
  "nca-link-target": "every /d/<uid> link names a linted (shipped) dashboard",
  "nca-duplicate-query": "no two panels of a dashboard have the same set of queries",
  "nca-exception": "every exception has a reason, a known rule and dashboard, and matches a finding",
};

// --- helpers -------------------------------------------------------------------------------------
const isObj = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (typeof v === "string" ? v : "");
const isInt = (v) => Number.isInteger(v);
const DS_REFS = new Set(["$datasource", "${datasource}"]);
const dsUid = (ds) => (typeof ds === "string" ? ds : isObj(ds) ? ds.uid : undefined);
const usesDsVar = (ds) => DS_REFS.has(dsUid(ds));
const NO_QUERY_TYPES = new Set(["row", "text"]);

// Grafana's unit ids, as dashboard-linter lists them (rule_panel_units.go, from
// grafana/packages/grafana-data/src/valueFormats/categories.ts).
const VALID_UNITS = new Set(
  `none string short percent percentunit humidity dB hex0x hex sci locale pixel accMS2 accFS2 accG
  degree radian grad arcmin arcsec areaM2 areaF2 areaMI2 flops mflops gflops tflops pflops eflops
  zflops yflops ppm conppb conngm3 conngNm3 conμgm3 conμgNm3 conmgm3 conmgNm3 congm3 congNm3 conmgdL
  conmmolL currencyUSD currencyGBP currencyEUR currencyJPY currencyRUB currencyUAH currencyBRL
  currencyDKK currencyISK currencyNOK currencySEK currencyCZK currencyCHF currencyPLN currencyBTC
  currencymBTC currencyμBTC currencyZAR currencyINR currencyKRW currencyIDR currencyPHP currencyVND
  bytes decbytes bits decbits kbytes deckbytes mbytes decmbytes gbytes decgbytes tbytes dectbytes
  pbytes decpbytes pps binBps Bps binbps bps KiBs Kibits KBs Kbits MiBs Mibits MBs Mbits GiBs Gibits
  GBs Gbits TiBs Tibits TBs Tbits PiBs Pibits PBs Pbits dateTimeAsIso dateTimeAsIsoNoDateIfToday
  dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal dateTimeAsLocalNoDateIfToday
  dateTimeAsSystem dateTimeFromNow watt kwatt megwatt gwatt mwatt Wm2 voltamp kvoltamp voltampreact
  kvoltampreact watth watthperkg kwatth kwattm amph kamph mamph joule ev amp kamp mamp volt kvolt
  mvolt dBm ohm kohm Mohm farad µfarad nfarad pfarad ffarad henry mhenry µhenry lumens flowgpm
  flowcms flowcfs flowcfm litreh flowlpm flowmlpm lux forceNm forcekNm forceN forcekN Hs KHs MHs GHs
  THs PHs EHs massmg massg masslb masskg masst lengthmm lengthin lengthft lengthm lengthkm lengthmi
  pressurembar pressurebar pressurekbar pressurepa pressurehpa pressurekpa pressurehg pressurepsi
  radbq radci radgy radrad radsv radmsv radusv radrem radexpckg radr radsvh radmsvh radusvh rotrpm
  rothz rotrads rotdegs celsius fahrenheit kelvin hertz ns µs ms s m h d dtdurationms dtdurations
  dthms dtdhms timeticks clockms clocks cps ops reqps rps wps iops cpm opm rpm wpm mps mpm velocityms
  velocitykmh velocitymph velocityknot mlitre litre m3 Nm3 dm3 gallons bool bool_yes_no bool_on_off`
    .split(/\s+/)
    .filter(Boolean),
);

// Modern core panel types (DASHBOARDS.md §2 "Panel types", plus row, gauge and nodeGraph, the
// optional topology extra). graph and singlestat are Angular, migrated only in memory by Grafana 11+.
const ALLOWED_PANEL_TYPES = new Set([
  "row", "text", "timeseries", "stat", "gauge", "bargauge", "state-timeline", "status-history", "table",
  "heatmap", "nodeGraph",
]);

// Grafana's global and data-link variables (grafana docs "Global variables", "Data links").
const BUILTIN_VARS = new Set([
  "__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms", "__range", "__range_s",
  "__range_ms", "__from", "__to", "__dashboard", "__org", "__user", "__name", "__timezone",
  "__url_time_range", "__all_variables", "__auto", "__field", "__value", "__data", "__series",
]);
// Grafana's variable syntax (public/app/features/variables/utils.ts variableRegex).
const VAR_RE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
const varRefs = (s) => {
  const out = [];
  for (const m of String(s).matchAll(VAR_RE)) {
    const name = m[1] ?? m[2] ?? m[4];
    if (!/^\d+$/.test(name)) out.push(name); // $1: a regex back-reference (label_replace), not a variable
  }
  return out;
};

// --- PromQL lite ---------------------------------------------------------------------------------
// Sample values as dashboard-linter's lint/variables.go: the three interval variables become
// magic durations that the range rules recognise; any other variable becomes its name. Only
// outside double-quoted strings, as upstream does.
const MAGIC = { __rate_interval: "8869990787ms", __interval: "4867856611ms", __range: "6069770749ms" };
const MAGIC_OTHER = { __interval_ms: "7781188786", __range_ms: "6737667980", __range_s: "9397795485" };
function expandVariables(expr) {
  return expr
    .split('"')
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(VAR_RE, (all, a, b, _bf, c) => {
            const name = a ?? b ?? c;
            if (/^\d+$/.test(name)) return all;
            return MAGIC[name] ?? MAGIC_OTHER[name] ?? name;
          }),
    )
    .join('"');
}

const KEYWORDS = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
  "offset", "bool", "atan2"]);
const GROUPING = new Set(["by", "without", "on", "ignoring", "group_left", "group_right"]);
const DURATION_RE = /^(?:[0-9]+(?:ms|[smhdwy]))+/;
const NUMBER_RE = /^(?:0[xX][0-9a-fA-F]+|(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF]|[nN][aA][nN])(?![a-zA-Z0-9_:])/;
const IDENT_RE = /^(?:[a-zA-Z_]|:[a-zA-Z_:])[a-zA-Z0-9_:]*/; // a lone ":" is the subquery separator
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function lex(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const rest = src.slice(i);
    if (/\s/.test(c)) { i++; continue; }
    if (c === "#") { while (i < src.length && src[i] !== "\n") i++; continue; }
    if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let val = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && c !== "`") { val += src[j + 1] ?? ""; j += 2; continue; }
        if (src[j] === "\n" && c !== "`") break;
        val += src[j++];
      }
      if (src[j] !== c) throw new Error(`unterminated string at ${i}`);
      toks.push({ t: "str", v: val, pos: i });
      i = j + 1;
      continue;
    }
    let m;
    if ((m = DURATION_RE.exec(rest)) && !/[a-zA-Z0-9_]/.test(rest[m[0].length] ?? "")) {
      toks.push({ t: "dur", v: m[0], pos: i }); i += m[0].length; continue;
    }
    if ((m = NUMBER_RE.exec(rest))) { toks.push({ t: "num", v: m[0], pos: i }); i += m[0].length; continue; }
    if ((m = IDENT_RE.exec(rest))) { toks.push({ t: "id", v: m[0], pos: i }); i += m[0].length; continue; }
    if ((m = /^(?:==|!=|<=|>=|=~|!~|[-+*/%^<>=,@:])/.exec(rest))) { toks.push({ t: "op", v: m[0], pos: i }); i += m[0].length; continue; }
    if ("(){}[]".includes(c)) { toks.push({ t: c, v: c, pos: i }); i++; continue; }
    throw new Error(`unexpected character ${JSON.stringify(c)} at ${i}`);
  }
  return toks;
}

// Returns { selectors: [{name, matchers: [{name, op, value}], range}], ranges: [{dur, step,
// subquery, call}] } or throws with a parse error. `call` is the function whose argument list
// directly contains the range (dashboard-linter looks at the immediate parent node).
function analysePromQL(expr) {
  if (!str(expr).trim()) throw new Error("empty expression");
  const toks = lex(expandVariables(expr));
  if (toks.length === 0) throw new Error("empty expression");
  const selectors = [];
  const ranges = [];
  const stack = []; // {t: "(", kind: "call"|"group"|"paren", fn}
  const CLOSE = { ")": "(", "]": "[", "}": "{" };
  let prev = null;
  let lastSelector = null;
  for (let k = 0; k < toks.length; k++) {
    const tok = toks[k];
    const next = toks[k + 1];
    if (tok.t === "(") {
      const kind = prev?.t === "id" && GROUPING.has(prev.v) ? "group" : prev?.t === "id" && !KEYWORDS.has(prev.v) ? "call" : "paren";
      stack.push({ t: "(", kind, fn: kind === "call" ? prev.v : null });
      if (kind === "group") {
        // a label list: label names separated by commas
        let j = k + 1;
        for (; j < toks.length && toks[j].t !== ")"; j++) {
          const g = toks[j];
          const wantName = (j - k - 1) % 2 === 0;
          if (wantName ? !(g.t === "id" && LABEL_RE.test(g.v)) : !(g.t === "op" && g.v === ",")) {
            throw new Error(`unexpected ${JSON.stringify(g.v)} in grouping labels at ${g.pos}`);
          }
        }
        if (j >= toks.length) throw new Error("unclosed left parenthesis");
        stack.pop();
        prev = toks[j];
        k = j;
        continue;
      }
    } else if (tok.t === "{") {
      // label matchers; a selector with or without a metric name before it
      const name = prev?.t === "id" && !KEYWORDS.has(prev.v) && lastSelector?.tok === prev ? prev.v : null;
      const sel = name ? lastSelector.sel : { name: null, matchers: [], range: null };
      if (!name) selectors.push(sel);
      let j = k + 1;
      while (j < toks.length && toks[j].t !== "}") {
        const [l, op, v, sep] = [toks[j], toks[j + 1], toks[j + 2], toks[j + 3]];
        if (!(l.t === "id" && LABEL_RE.test(l.v))) throw new Error(`invalid label name ${JSON.stringify(l.v)} at ${l.pos}`);
        if (!(op?.t === "op" && ["=", "!=", "=~", "!~"].includes(op.v))) throw new Error(`expected a label matcher operator after ${l.v}`);
        if (v?.t !== "str") throw new Error(`expected a string after ${l.v}${op.v}`);
        sel.matchers.push({ name: l.v, op: op.v, value: v.v });
        j += 3;
        if (sep?.t === "op" && sep.v === ",") j++;
        else if (sep?.t !== "}") throw new Error(`unexpected ${JSON.stringify(sep?.v ?? "end of input")} in label matchers`);
      }
      if (j >= toks.length) throw new Error("unclosed left brace");
      if (!name && sel.matchers.length === 0) throw new Error("vector selector must contain at least one non-empty matcher");
      lastSelector = { tok: toks[j], sel };
      prev = toks[j];
      k = j;
      continue;
    } else if (tok.t === "[") {
      // a range: selector[dur] or (expr)[dur:step]
      const isMatrix = lastSelector?.tok === prev;
      if (!isMatrix && !(prev?.t === ")" || prev?.t === "}" || prev?.t === "]")) throw new Error(`unexpected "[" at ${tok.pos}`);
      const d = toks[k + 1];
      if (d?.t !== "dur") throw new Error(`bad duration in range at ${tok.pos}: ${JSON.stringify(d?.v ?? "")}`);
      let j = k + 2;
      let subquery = false;
      let step = null;
      if (toks[j]?.t === "op" && toks[j].v === ":") {
        subquery = true;
        j++;
        if (toks[j]?.t === "dur") step = toks[j++].v;
      }
      if (toks[j]?.t !== "]") throw new Error(`unclosed range at ${tok.pos}`);
      const top = stack[stack.length - 1];
      const rec = { dur: d.v, step, subquery: subquery || !isMatrix, call: top?.kind === "call" ? top.fn : null,
        direct: top?.kind === "call" };
      ranges.push(rec);
      if (isMatrix && !subquery) lastSelector.sel.range = rec;
      lastSelector = null;
      prev = toks[j];
      k = j;
      continue;
    } else if (tok.t === ")" || tok.t === "]" || tok.t === "}") {
      const open = stack.pop();
      if (!open || open.t !== CLOSE[tok.t]) throw new Error(`unexpected ${JSON.stringify(tok.v)} at ${tok.pos}`);
    } else if (tok.t === "id") {
      const isFn = next?.t === "(";
      const afterOffset = prev?.t === "id" && prev.v === "offset";
      if (!isFn && !KEYWORDS.has(tok.v) && !afterOffset && !/^(?:start|end)$/.test(tok.v)) {
        const sel = { name: tok.v, matchers: [], range: null };
        selectors.push(sel);
        lastSelector = { tok, sel };
      }
    }
    prev = tok;
  }
  if (stack.length) throw new Error(`unclosed left ${stack[stack.length - 1].t === "(" ? "parenthesis" : "bracket"}`);
  if (prev?.t === "op" && prev.v !== ":") throw new Error(`expression ends with operator ${JSON.stringify(prev.v)}`);
  return { selectors, ranges };
}

// --- state ---------------------------------------------------------------------------------------
const findings = []; // {file, uid, panel: {title, id} | null, rule, msg}
let stats = { dashboards: 0, panels: 0, targets: 0 };

function usage(msg) {
  if (msg) console.error(`lint-dashboards: ${msg}`);
  console.error(
    "usage: node tests/dashboards/lint-dashboards.mjs [--exceptions FILE] [--metrics-doc FILE] [--cluster-label NAME] [--list-rules] FILE...",
  );
  process.exit(2);
}

const args = process.argv.slice(2);
let exceptionsFile = null;
const metricsDocs = [];
let clusterLabel = "cluster";
const files = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === "--exceptions" || a === "--metrics-doc" || a === "--cluster-label") {
    const v = args[++i];
    if (v === undefined) usage(`${a} needs a value`);
    if (a === "--exceptions") exceptionsFile = v;
    else if (a === "--metrics-doc") metricsDocs.push(v);
    else clusterLabel = v;
  } else if (a === "--list-rules") {
    for (const [id, d] of Object.entries(RULES)) console.log(`${id}\t${d}`);
    process.exit(0);
  } else if (a === "-h" || a === "--help") usage();
  else if (a.startsWith("--")) usage(`unknown option ${a}`);
  else files.push(a);
}
if (files.length === 0) usage("no dashboard file given");
if (!LABEL_RE.test(clusterLabel)) usage(`--cluster-label ${clusterLabel} is not a label name`);

// Metrics documented without a neo4j_cluster label. Table rows of the docs name metrics in their
// first cell, either as `name{label, ...}` (docs/alerting.md) or as `name` with the labels in the
// third of four cells (| `name` | type | labels | meaning |, docs/metrics.md); a name without
// either has no labels.
const withoutNeo4jCluster = new Set();
for (const doc of metricsDocs) {
  let text;
  try {
    text = readFileSync(doc, "utf8");
  } catch (e) {
    usage(`cannot read --metrics-doc ${doc}: ${e.message}`);
  }
  for (const line of text.split("\n")) {
    if (!line.startsWith("|")) continue;
    const cells = line.split("|").slice(1, -1);
    for (const m of (cells[0] ?? "").matchAll(/`(neo4j_[a-zA-Z0-9_:]+)(?:\{([^}]*)\})?`/g)) {
      const labels = m[2] ?? (cells.length >= 4 ? cells[2] : "");
      if (!/\bneo4j_cluster\b/.test(labels)) withoutNeo4jCluster.add(m[1]);
    }
  }
}
const baseMetric = (n) => n.replace(/_(?:bucket|sum|count)$/, "");
const needsNeo4jCluster = (n) => !withoutNeo4jCluster.has(n) && !withoutNeo4jCluster.has(baseMetric(n));

// --- load ----------------------------------------------------------------------------------------
const dashboards = []; // {file, d, uid}
for (const file of files) {
  let d;
  try {
    d = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    findings.push({ file, uid: "?", panel: null, rule: "nca-json", msg: `not readable JSON: ${e.message}` });
    continue;
  }
  if (!isObj(d)) {
    findings.push({ file, uid: "?", panel: null, rule: "nca-json", msg: "not a JSON object" });
    continue;
  }
  dashboards.push({ file, d, uid: typeof d.uid === "string" && d.uid ? d.uid : "?" });
}
const shippedUids = new Set(dashboards.map((x) => x.uid).filter((u) => u !== "?"));

// The kit tag: the tag of the dashboards links, by majority over the linted files (first file wins a tie).
const linkTagCount = new Map();
for (const { d } of dashboards) {
  for (const l of arr(d.links)) {
    if (isObj(l) && l.type === "dashboards" && arr(l.tags).length === 1 && typeof l.tags[0] === "string") {
      linkTagCount.set(l.tags[0], (linkTagCount.get(l.tags[0]) ?? 0) + 1);
    }
  }
}
let kitTag = null;
for (const [t, n] of linkTagCount) if (kitTag === null || n > linkTagCount.get(kitTag)) kitTag = t;

// --- lint ----------------------------------------------------------------------------------------
const seenUids = new Map();
for (const { file, d, uid } of dashboards) {
  stats.dashboards++;
  const add = (rule, msg, panel = null) => findings.push({ file, uid, panel, rule, msg });
  const vars = arr(d.templating?.list).filter(isObj);
  const varByName = new Map(vars.map((v) => [v.name, v]));
  const defined = (name) => varByName.has(name) || BUILTIN_VARS.has(name);
  const checkVars = (s, where, panel = null) => {
    for (const n of varRefs(s)) if (!defined(n)) add("nca-undefined-variable", `${where} uses undefined variable $${n}`, panel);
  };

  // dashboard fields
  if (typeof d.uid !== "string" || !/^[A-Za-z0-9_-]{8,40}$/.test(d.uid)) {
    add("nca-uid", `uid ${JSON.stringify(d.uid)} is not 8-40 characters of [A-Za-z0-9_-]`);
  } else if (seenUids.has(d.uid)) {
    add("nca-unique-uid", `uid ${d.uid} is also the uid of ${seenUids.get(d.uid)}`);
  } else seenUids.set(d.uid, file);
  if (d.id !== undefined && d.id !== null) add("nca-dashboard-id", `id is ${JSON.stringify(d.id)}, must be null or absent`);
  if ("__inputs" in d) add("nca-no-inputs", "has __inputs: use the `datasource` variable (file provisioning cannot resolve __inputs)");
  if (d.schemaVersion !== 39) add("nca-schema-version", `schemaVersion is ${JSON.stringify(d.schemaVersion)}, must be 39`);
  if (d.graphTooltip !== 1) add("nca-graph-tooltip", `graphTooltip is ${JSON.stringify(d.graphTooltip)}, must be 1 (shared crosshair)`);
  // Upstream reads `editable` as a Go bool, so a missing field passes; Grafana defaults it to true.
  if (d.editable !== false) add("uneditable-dashboard", `is editable (editable: ${JSON.stringify(d.editable)}), it should be set to 'editable: false'`);

  // tags and links
  const dashLinks = arr(d.links).filter((l) => isObj(l) && l.type === "dashboards");
  if (dashLinks.length !== 1) add("nca-dashboard-link", `has ${dashLinks.length} links of type dashboards, must have exactly one`);
  for (const l of dashLinks) {
    const bad = ["asDropdown", "includeVars", "keepTime"].filter((f) => l[f] !== true);
    if (bad.length) add("nca-dashboard-link", `dashboards link ${JSON.stringify(l.title ?? "")}: ${bad.join(", ")} must be true`);
    if (arr(l.tags).length !== 1) add("nca-dashboard-link", `dashboards link ${JSON.stringify(l.title ?? "")} has tags ${JSON.stringify(l.tags)}, must have exactly the kit tag`);
  }
  if (kitTag !== null) {
    if (!arr(d.tags).includes(kitTag)) add("nca-kit-tag", `tags ${JSON.stringify(d.tags ?? [])} lack the kit tag ${JSON.stringify(kitTag)}`);
    for (const l of dashLinks) {
      if (arr(l.tags).length === 1 && l.tags[0] !== kitTag) add("nca-kit-tag", `dashboards link uses tag ${JSON.stringify(l.tags[0])}, the kit's is ${JSON.stringify(kitTag)}`);
    }
  }
  for (const [i, l] of arr(d.links).entries()) {
    if (!isObj(l)) continue;
    checkVars(str(l.url), `link ${i + 1} url`);
    checkVars(str(l.title), `link ${i + 1} title`);
  }

  // variables
  const dsVars = vars.filter((v) => v.type === "datasource");
  if (dsVars.length !== 1) add("template-datasource-rule", `has ${dsVars.length} data source variables, must have exactly one (named datasource)`);
  for (const v of dsVars) {
    if (v.name !== "datasource") add("template-datasource-rule", `templated data source variable named '${v.name}', should be named 'datasource'`);
    if (v.label !== "Data source") add("template-datasource-rule", `templated data source variable labeled '${v.label ?? ""}', should be labeled 'Data source'`);
    if (v.query !== "prometheus") add("template-datasource-rule", `templated data source variable has query '${v.query ?? ""}', should be 'prometheus'`);
  }
  const queryOf = (v) => (typeof v.query === "string" ? v.query : isObj(v.query) ? str(v.query.query) : "");
  const cl = varByName.get(clusterLabel);
  if (!cl) add("template-cluster-rule", `is missing the ${clusterLabel} template`);
  else {
    if (cl.type !== "query") add("template-cluster-rule", `${clusterLabel} template should be a Prometheus query, is currently '${cl.type}'`);
    const m = /^\s*label_values\s*\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$/s.exec(queryOf(cl));
    if (!m || m[2] !== clusterLabel) add("template-cluster-rule", `${clusterLabel} template should be label_values(<selector>, ${clusterLabel}), is '${queryOf(cl)}'`);
  }
  const nc = varByName.get("neo4j_cluster");
  if (!nc) add("template-neo4j-cluster-rule", "is missing the neo4j_cluster template");
  else {
    if (nc.type !== "query") add("template-neo4j-cluster-rule", `neo4j_cluster template should be a Prometheus query, is currently '${nc.type}'`);
    if (nc.multi !== true) add("template-neo4j-cluster-rule", "neo4j_cluster template should be a multi select");
    if (nc.includeAll !== true) add("template-neo4j-cluster-rule", "neo4j_cluster template should include All");
    // Upstream requires allValue ".+" (All as one regex, not the list of values loaded). ".*" is
    // accepted too: the kit uses it so that under All, series without the label (the agent's own
    // alerts; a Prometheus without the cluster target label) still match (mixin/lib/common.libsonnet).
    if (nc.allValue !== ".+" && nc.allValue !== ".*") add("template-neo4j-cluster-rule", `neo4j_cluster template allValue should be '.+' (or '.*'), is currently '${nc.allValue ?? ""}'`);
  }
  for (const v of vars) {
    if (v.type !== "query") continue;
    if (!usesDsVar(v.datasource)) add("nca-template-query-datasource", `variable ${v.name} uses datasource ${JSON.stringify(v.datasource ?? null)}, should use '\${datasource}'`);
    if (v.refresh !== 2) add("template-on-time-change-reload-rule", `templated datasource variable named '${v.name}', should be set to be refreshed 'On Time Range Change (value 2)', is currently '${v.refresh}'`);
    const q = queryOf(v);
    const m = /^\s*([a-z_]+)\((.*)\)\s*$/s.exec(q);
    if (!m || !["label_names", "label_values", "metrics", "query_result"].includes(m[1])) {
      add("template-label-promql-rule", `template '${v.name}' invalid templated label '${q}': not label_names/label_values/metrics/query_result(...)`);
    } else {
      let inner = m[2];
      if (m[1] === "label_values") {
        // label_values(label) or label_values(selector, label)
        const c = inner.lastIndexOf(",");
        const label = (c >= 0 ? inner.slice(c + 1) : inner).trim();
        if (!LABEL_RE.test(label)) add("template-label-promql-rule", `template '${v.name}' invalid label '${label}' in '${q}'`);
        inner = c >= 0 ? inner.slice(0, c) : "";
      }
      if (inner.trim() && m[1] !== "metrics") {
        try {
          analysePromQL(inner);
        } catch (e) {
          add("template-label-promql-rule", `template '${v.name}' invalid templated label '${q}': ${e.message}`);
        }
      }
    }
    checkVars(q, `variable ${v.name} query`);
  }

  // PromQL checks shared by targets and annotations
  const varIsSingle = (name) => {
    const v = varByName.get(name);
    return v && v.multi !== true && v.includeAll !== true;
  };
  const checkMatcher = (sel, label, rule, panel, where) => {
    const want = [`$${label}`, `\${${label}}`, `\${${label}:regex}`]; // the variable has the label's name
    const ms = sel.matchers.filter((m) => m.name === label);
    const ok = ms.some((m) => want.includes(m.value) && (m.op === "=~" || (m.op === "=" && varIsSingle(label))));
    if (!ok) {
      const got = ms.length ? ms.map((m) => `${m.name}${m.op}"${m.value}"`).join(", ") : "none";
      add(rule, `${where}: selector ${sel.name} must match ${label}=~"$${label}" (has ${got})`, panel);
    }
  };
  const checkQuery = (expr, panel, where, { ranges: rangeRules }) => {
    let a;
    try {
      a = analysePromQL(expr);
    } catch (e) {
      add("target-promql-rule", `${where}: invalid PromQL query '${expr ?? ""}': ${e.message}`, panel);
      return;
    }
    for (const sel of a.selectors) {
      if (!sel.name || !sel.name.startsWith("neo4j_")) continue;
      checkMatcher(sel, clusterLabel, "target-cluster-rule", panel, where);
      if (needsNeo4jCluster(sel.name)) checkMatcher(sel, "neo4j_cluster", "target-neo4j-cluster-rule", panel, where);
    }
    if (!rangeRules) return;
    // target-counter-agg-rule. Upstream tests selector.String() (name and matchers) for the
    // suffix, so foo_total{a="b"} escapes it; here the metric name is tested, as intended.
    for (const sel of a.selectors) {
      if (sel.name?.endsWith("_total")) {
        if (!sel.range || !["rate", "irate", "increase"].includes(sel.range.call)) {
          add("target-counter-agg-rule", `${where}: counter metric '${sel.name}' is not aggregated with rate, irate, or increase`, panel);
        }
      }
    }
    for (const r of a.ranges) {
      const isRate = !r.subquery && r.direct && (r.call === "rate" || r.call === "irate");
      if (isRate) {
        if (r.dur !== MAGIC.__rate_interval) add("target-rate-interval-rule", `${where}: invalid PromQL query '${expr}': should use $__rate_interval`, panel);
      } else if (r.dur !== MAGIC.__rate_interval && r.dur !== MAGIC.__range) {
        const shown = r.dur === MAGIC.__interval ? "$__interval" : r.dur;
        add("nca-range-window", `${where}: range [${shown}]${r.call ? ` in ${r.call}()` : ""} must be $__rate_interval or $__range`, panel);
      }
    }
  };

  // annotations
  const anns = arr(d.annotations?.list).filter((a) => isObj(a) && a.builtIn !== 1);
  const annExprs = [];
  for (const a of anns) {
    const where = `annotation ${JSON.stringify(a.name ?? "")}`;
    if (!usesDsVar(a.datasource)) add("nca-annotations", `${where} uses datasource ${JSON.stringify(a.datasource ?? null)}, should use '\${datasource}'`);
    const expr = str(a.expr || a.target?.expr);
    annExprs.push({ expr, enabled: a.enable !== false });
    checkQuery(expr, null, where, { ranges: false });
    for (const f of ["expr", "titleFormat", "textFormat"]) checkVars(str(a[f]), `${where} ${f}`);
  }
  const hasAnn = (re) => annExprs.some((x) => x.enabled && re.test(x.expr));
  if (!hasAnn(/\bALERTS\b/)) add("nca-annotations", "has no enabled annotation on ALERTS (firing alerts)");
  if (!hasAnn(/\bneo4j_agent_alerts\b/)) add("nca-annotations", "has no enabled annotation on neo4j_agent_alerts (the agent's firing alerts)");
  if (!hasAnn(/\bneo4j_[a-zA-Z0-9_:]*(?:leader|failover)[a-zA-Z0-9_:]*/)) add("nca-annotations", "has no enabled annotation for leader changes (a neo4j_*leader*/failover* metric)");

  // panels: top level, and nested in collapsed rows
  const top = arr(d.panels).filter(isObj);
  const groups = [top];
  const all = [];
  for (const p of top) {
    all.push(p);
    if (p.type === "row" && arr(p.panels).length) {
      const nested = arr(p.panels).filter(isObj);
      if (p.collapsed !== true) add("nca-gridpos", "row has nested panels but is not collapsed (an expanded row's panels are top-level)", { title: p.title, id: p.id });
      groups.push(nested);
      all.push(...nested);
    }
  }
  const ids = new Map();
  const querySets = new Map();
  for (const p of all) {
    stats.panels++;
    const panel = { title: str(p.title), id: p.id };
    const padd = (rule, msg) => add(rule, msg, panel);
    const type = p.type;
    if (!ALLOWED_PANEL_TYPES.has(type)) {
      padd("nca-panel-type", type === "graph" || type === "singlestat"
        ? `type ${type} is deprecated (Angular): use ${type === "graph" ? "timeseries" : "stat"}`
        : `type ${JSON.stringify(type)} is not an allowed panel type (${[...ALLOWED_PANEL_TYPES].join(", ")})`);
    }
    if (!isInt(p.id)) padd("nca-unique-panel-id", `has no integer id (${JSON.stringify(p.id)})`);
    else if (ids.has(p.id)) padd("nca-unique-panel-id", `id ${p.id} is also the id of panel ${JSON.stringify(ids.get(p.id))}`);
    else ids.set(p.id, p.title);
    const g = p.gridPos;
    if (!isObj(g) || ![g.x, g.y, g.w, g.h].every(isInt) || g.x < 0 || g.y < 0 || g.w <= 0 || g.h <= 0 || g.x + g.w > 24) {
      padd("nca-gridpos", `gridPos ${JSON.stringify(g ?? null)} is not inside 24 columns (integers, x >= 0, y >= 0, w > 0, h > 0, x + w <= 24)`);
    }
    if (!str(p.title).trim()) padd("panel-title-description-rule", "has missing title");
    checkVars(str(p.title), "title", panel);
    if (typeof p.repeat === "string" && p.repeat && !defined(p.repeat)) padd("nca-undefined-variable", `repeats over undefined variable ${p.repeat}`);
    // links, data links and field overrides anywhere in the panel: variables and /d/<uid> targets
    const walk = (o, key) => {
      if (typeof o === "string") {
        if (key === "url") {
          checkVars(o, "link url", panel);
          for (const m of o.matchAll(/\/d\/([^/?#"\s]+)/g)) {
            if (!m[1].includes("$") && !shippedUids.has(m[1])) padd("nca-link-target", `link ${o} names no shipped dashboard (uid ${m[1]})`);
          }
        }
        return;
      }
      if (Array.isArray(o)) return o.forEach((x) => walk(x, key));
      if (!isObj(o)) return;
      for (const [k, v] of Object.entries(o)) {
        if (k === "panels" || k === "targets") continue;
        if (k === "title" && o !== p && typeof v === "string") checkVars(v, "link title", panel);
        walk(v, k);
      }
    };
    walk(p, null);
    if (NO_QUERY_TYPES.has(type)) continue;

    if (!str(p.description).trim()) padd("panel-title-description-rule", `has missing description, currently has title '${str(p.title)}' and description: '${str(p.description)}'`);
    // panel-units-rule. Upstream exempts panels with value mappings and stat panels reducing
    // non-numeric fields; the kit's contract asks a unit of every panel, so both must set one
    // (`none`, `string` or `bool` where the value is a code or a text).
    const unit = p.fieldConfig?.defaults?.unit;
    if (typeof unit !== "string" || !VALID_UNITS.has(unit)) padd("panel-units-rule", `has no or invalid units defined: '${unit ?? ""}'`);
    for (const o of arr(p.fieldConfig?.overrides)) {
      for (const prop of arr(o?.properties)) {
        if (prop?.id === "unit" && !VALID_UNITS.has(prop.value)) padd("panel-units-rule", `override has invalid unit '${prop.value}'`);
      }
    }
    // panel-datasource-rule: upstream applies it to singlestat, graph, table and timeseries; here
    // to every panel with queries (the kit places the variable on panels and targets alike).
    if (!usesDsVar(p.datasource)) padd("panel-datasource-rule", `does not use a templated datasource, uses '${dsUid(p.datasource) ?? ""}'`);
    const targets = arr(p.targets);
    if (targets.length === 0) padd("panel-no-targets-rule", "has no targets");
    const refIds = new Set();
    const exprs = [];
    for (const [ti, t] of targets.entries()) {
      stats.targets++;
      if (!isObj(t)) { padd("target-promql-rule", `target ${ti} is not an object`); continue; }
      const where = `target ${t.refId ?? ti}`;
      if (typeof t.refId !== "string" || !t.refId) padd("nca-target-refid", `target ${ti} has no refId`);
      else if (refIds.has(t.refId)) padd("nca-target-refid", `refId ${t.refId} is used twice`);
      else refIds.add(t.refId);
      if (!usesDsVar(t.datasource)) padd("nca-target-datasource", `${where} uses datasource ${JSON.stringify(t.datasource ?? null)}, should use '\${datasource}'`);
      checkQuery(t.expr, panel, where, { ranges: true });
      checkVars(str(t.expr), `${where} expr`, panel);
      checkVars(str(t.legendFormat), `${where} legendFormat`, panel);
      exprs.push(str(t.expr).replace(/\s+/g, " ").trim());
    }
    if (exprs.length) {
      const key = JSON.stringify([...new Set(exprs)].sort());
      if (querySets.has(key)) padd("nca-duplicate-query", `has the same queries as panel ${JSON.stringify(querySets.get(key))}`);
      else querySets.set(key, p.title);
    }
  }
  // overlaps: each group separately, reported on the later panel
  for (const group of groups) {
    const placed = [];
    for (const p of group) {
      const g = p.gridPos;
      if (!isObj(g) || ![g.x, g.y, g.w, g.h].every(isInt)) continue;
      for (const q of placed) {
        const h = q.gridPos;
        if (g.x < h.x + h.w && h.x < g.x + g.w && g.y < h.y + h.h && h.y < g.y + g.h) {
          add("nca-grid-overlap", `gridPos ${JSON.stringify(g)} overlaps panel ${JSON.stringify(q.title)} (id ${q.id}) at ${JSON.stringify(h)}`, { title: str(p.title), id: p.id });
        }
      }
      placed.push(p);
    }
  }
}

// --- exceptions ----------------------------------------------------------------------------------
let used = 0;
let reported = findings;
if (exceptionsFile) {
  const exFindings = [];
  const exAdd = (i, msg) => exFindings.push({ file: exceptionsFile, exception: i, rule: "nca-exception", msg });
  let list = null;
  try {
    list = JSON.parse(readFileSync(exceptionsFile, "utf8"));
    if (!Array.isArray(list)) throw new Error("not a JSON array");
  } catch (e) {
    exAdd(null, `cannot read the exceptions: ${e.message}`);
    list = [];
  }
  const lintedUids = new Set(dashboards.map((x) => x.uid));
  const valid = [];
  for (const [i, ex] of list.entries()) {
    if (!isObj(ex)) { exAdd(i, "not an object"); continue; }
    const bad = [];
    if (typeof ex.reason !== "string" || ex.reason.trim().length < 10) bad.push("has no reason (a written reason of at least 10 characters is required)");
    if (!(ex.rule in RULES) || ex.rule === "nca-exception" || ex.rule === "nca-json") bad.push(`names unknown or unexceptionable rule ${JSON.stringify(ex.rule)}`);
    if (typeof ex.panel !== "string" || !ex.panel) bad.push(`needs "panel": a panel title or "*"`);
    if (!lintedUids.has(ex.dashboard)) bad.push(`names dashboard ${JSON.stringify(ex.dashboard)}, which is not linted`);
    const unknown = Object.keys(ex).filter((k) => !["dashboard", "panel", "rule", "reason"].includes(k));
    if (unknown.length) bad.push(`has unknown field(s) ${unknown.join(", ")}`);
    if (bad.length) exAdd(i, `${JSON.stringify(ex)} ${bad.join("; ")}`);
    else valid.push({ i, ex, hits: 0 });
  }
  reported = [];
  for (const f of findings) {
    const v = valid.find(({ ex }) => ex.dashboard === f.uid && ex.rule === f.rule && (ex.panel === "*" || (f.panel && ex.panel === f.panel.title)));
    if (v) { v.hits++; used++; } else reported.push(f);
  }
  for (const v of valid) if (v.hits === 0) exAdd(v.i, `${JSON.stringify(v.ex)} matches no finding (stale): remove it`);
  reported.push(...exFindings);
}

// --- report --------------------------------------------------------------------------------------
for (const f of reported) {
  if (f.exception !== undefined) {
    console.log(`${f.file}: exception ${f.exception === null ? "file" : `#${f.exception}`}: ${f.rule}: ${f.msg}`);
  } else {
    const panel = f.panel ? `panel ${JSON.stringify(f.panel.title)} (id ${f.panel.id ?? "?"}): ` : "";
    console.log(`${f.file}: dashboard ${f.uid}: ${panel}${f.rule}: ${f.msg}`);
  }
}
console.log(
  `lint-dashboards: ${stats.dashboards} dashboard(s), ${stats.panels} panel(s), ${stats.targets} target(s) checked; ` +
    `${reported.length} finding(s); ${used} finding(s) excepted${exceptionsFile ? ` by ${exceptionsFile}` : ""}`,
);
process.exit(reported.length ? 1 : 0);
