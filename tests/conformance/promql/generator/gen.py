#!/usr/bin/env python3
"""Generates tests/conformance/promql/*.yml from case lists: promtool (the oracle) is run with
sentinel expectations and its `got:` output becomes the expectation. Cases whose result holds
NaN or errors are reported and left out."""
import re, subprocess, sys, os, json, tempfile

def yq(s):
    return "'" + s.replace("'", "''") + "'"

def build(interval, series, cases, sentinel, results=None):
    out = ([] if sentinel else ["# PromQL conformance cases. Expected samples are what promtool 2.42 computes (the oracle):", "# run `promtool test rules <file>`; every case must pass. NaN results cannot be asserted in this", "# format and are covered by the unit tests instead."]) + ["rule_files: []", "evaluation_interval: 1m", "tests:", f"  - interval: {interval}", "    input_series:"]
    for name, values in series:
        out.append(f"      - series: {yq(name)}")
        out.append(f"        values: {yq(values)}")
    out.append("    promql_expr_test:")
    for i, (t, e) in enumerate(cases):
        out.append(f"      - expr: {yq(e)}")
        out.append(f"        eval_time: {t}")
        if sentinel:
            out.append("        exp_samples: [{labels: 'sentinel', value: -12345}]")
        else:
            samples = results[i]
            if not samples:
                out.append("        exp_samples: []")
            else:
                out.append("        exp_samples:")
                for labels, value in samples:
                    out.append(f"          - labels: {yq(labels)}")
                    out.append(f"            value: {value}")
    return "\n".join(out) + "\n"

def parse_got(line):
    line = line.strip()
    assert line.startswith("got:"), line
    body = line[4:].strip()
    if body == "nil":
        return []
    res = []
    for m in re.finditer(r'(\{[^{}]*\}) (\S+?)(?:, |$)', body):
        res.append((m.group(1), m.group(2)))
    return res

def yaml_value(v):
    if v == "+Inf": return ".inf"
    if v == "-Inf": return "-.inf"
    if v == "NaN": return None
    f = float(v)
    r = repr(f)
    return r

def run(name, interval, series, cases, outdir):
    gen = os.path.join(tempfile.mkdtemp(), f"{name}.probe.yml")
    open(gen, "w").write(build(interval, series, cases, True))
    p = subprocess.run(["promtool", "test", "rules", gen], capture_output=True, text=True)
    text = p.stdout + p.stderr
    lines = text.splitlines()
    # Map "expr: "...", time: T," blocks in order.
    results = {}
    i = 0
    blocks = []
    while i < len(lines):
        l = lines[i].strip()
        if l.startswith("expr:"):
            if "err:" in l:
                blocks.append(("err", l))
                i += 1
                continue
            got = None
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith("got:"):
                j += 1
            blocks.append(("ok", parse_got(lines[j])))
            i = j + 1
            continue
        i += 1
    assert len(blocks) == len(cases), (name, len(blocks), len(cases), text[:3000])
    keep_cases, keep_results = [], []
    for (t, e), (kind, val) in zip(cases, blocks):
        if kind == "err":
            print(f"[{name}] ERROR {t} {e}: {val}")
            continue
        samples = []
        bad = False
        for labels, v in val:
            yv = yaml_value(v)
            if yv is None:
                bad = True
            samples.append((labels, yv))
        if bad:
            print(f"[{name}] NaN {t} {e}: {val}")
            continue
        keep_cases.append((t, e))
        keep_results.append(samples)
    open(os.path.join(outdir, name + ".yml"), "w").write(build(interval, series, keep_cases, False, keep_results))
    # Verify the file passes.
    p = subprocess.run(["promtool", "test", "rules", os.path.join(outdir, name + ".yml")], capture_output=True, text=True)
    print(f"[{name}] {len(keep_cases)}/{len(cases)} cases, promtool rc={p.returncode}")
    if p.returncode != 0:
        print(p.stdout[-3000:], p.stderr[-3000:])

if __name__ == "__main__":
    spec = json.load(open(sys.argv[1]))
    for f in spec:
        run(f["name"], f["interval"], f["series"], f["cases"], sys.argv[2])
