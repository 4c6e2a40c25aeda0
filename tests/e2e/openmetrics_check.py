"""A strict reader of the OpenMetrics 1.0.0 text format as the servers write it (promtool checks only
the Prometheus text format): returns a list of what is wrong, empty when the text is right.

Checked: the text ends with `# EOF` and a newline, nothing after it; every line is a metadata line
(`# TYPE`, `# HELP`, `# UNIT`) or a sample; a family's metadata comes before its samples, once each,
and its samples are contiguous (no family twice); TYPE is counter, gauge or histogram; a family
named in a unit (`_seconds`, `_bytes`) declares it with `# UNIT` and no other family declares one;
sample names are the family's own (counter: `_total`, `_created`; histogram: `_bucket`, `_sum`,
`_count`, `_created`; gauge: the name); label sets well formed, values numbers; every counter
series has its `_created` (a Unix time near now), every histogram its `_created` and cumulative
buckets with canonical float bounds ending at `+Inf` equal to `_count`.
"""
import math
import re
import time

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
SAMPLE = re.compile(rf"^({NAME})(\{{(?:{LABEL}(?:,{LABEL})*)?\}})? (\S+)$")
UNITS = ("seconds", "bytes")
SUFFIXES = {"counter": ("_total", "_created"), "gauge": ("",), "histogram": ("_bucket", "_sum", "_count", "_created")}


def number(text):
    if text in ("+Inf", "-Inf", "NaN"):
        return float(text.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?", text):
        raise ValueError(text)
    return float(text)


def labels_without(labels, name):
    return tuple(kv for kv in labels if not kv.startswith(name + "="))


def check_openmetrics(text, now=None):
    now = now or time.time()
    errors = []
    if not text.endswith("# EOF\n"):
        errors.append("does not end with `# EOF` and a newline")
    lines = text.split("\n")[:-1]
    if "# EOF" in lines[:-1]:
        errors.append("`# EOF` before the end")
    families = {}  # name -> {"type", "unit", "help", "samples": [(name, labels tuple, value)]}
    seen_order = []
    current = None
    for n, line in enumerate(lines[:-1], 1):
        if line.startswith("# "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or parts[1] not in ("TYPE", "HELP", "UNIT"):
                errors.append(f"line {n}: not a metadata line: {line!r}")
                continue
            kind, name, value = parts[1], parts[2], parts[3]
            fam = families.get(name)
            if fam is None:
                fam = families[name] = {"type": None, "unit": None, "help": None, "samples": []}
                seen_order.append(name)
            elif current != name:
                errors.append(f"line {n}: family {name} appears twice")
            if fam["samples"]:
                errors.append(f"line {n}: metadata of {name} after its samples")
            key = kind.lower()
            if fam[key] is not None:
                errors.append(f"line {n}: two `# {kind}` for {name}")
            fam[key] = value
            current = name
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append(f"line {n}: not a sample: {line!r}")
            continue
        sname, lbl, val = m.group(1), m.group(2) or "{}", m.group(3)
        fam = families.get(current) if current else None
        if fam is None or fam["type"] is None:
            errors.append(f"line {n}: a sample outside a typed family: {line!r}")
            continue
        suffix = sname[len(current):] if sname.startswith(current) else None
        if suffix not in SUFFIXES.get(fam["type"], ()):
            errors.append(f"line {n}: sample {sname} does not belong to the {fam['type']} {current}")
            continue
        try:
            value = number(val)
        except ValueError:
            errors.append(f"line {n}: value {val!r} is not a number")
            continue
        labels = tuple(re.findall(LABEL, lbl[1:-1]))
        fam["samples"].append((suffix, labels, value))
    for name in seen_order:
        fam = families[name]
        if fam["type"] not in SUFFIXES:
            errors.append(f"{name}: TYPE {fam['type']!r}")
            continue
        want_unit = next((u for u in UNITS if name.endswith("_" + u)), None)
        if fam["unit"] != want_unit:
            errors.append(f"{name}: UNIT {fam['unit']!r}, expected {want_unit!r}")
        if fam["help"] is None:
            errors.append(f"{name}: no HELP")
        series = {}
        for suffix, labels, value in fam["samples"]:
            key = labels_without(labels, "le") if suffix == "_bucket" else labels
            series.setdefault(key, {}).setdefault(suffix, []).append((labels, value))
        for key, parts in series.items():
            created = parts.get("_created", [])
            if fam["type"] in ("counter", "histogram"):
                if len(created) != 1:
                    errors.append(f"{name}{{{','.join(key)}}}: {len(created)} _created samples")
                elif not now - 86400 < created[0][1] <= now + 60:
                    errors.append(f"{name}{{{','.join(key)}}}: _created {created[0][1]} is not a time near now")
            if fam["type"] == "counter" and (len(parts.get("_total", [])) != 1 or parts["_total"][0][1] < 0):
                errors.append(f"{name}{{{','.join(key)}}}: _total {parts.get('_total')}")
            if fam["type"] == "histogram":
                buckets = parts.get("_bucket", [])
                bounds = [next(kv for kv in lb if kv.startswith("le="))[4:-1] for lb, _ in buckets]
                counts = [v for _, v in buckets]
                if not bounds or bounds[-1] != "+Inf":
                    errors.append(f"{name}{{{','.join(key)}}}: buckets do not end at +Inf: {bounds}")
                for b in bounds[:-1]:
                    if not re.fullmatch(r"-?[0-9]+\.[0-9]+(e[-+]?[0-9]+)?|-?[0-9]+(\.[0-9]+)?e[-+]?[0-9]+", b):
                        errors.append(f"{name}: bound {b!r} is not a canonical float")
                if [float(b.replace("Inf", "inf")) for b in bounds] != sorted(float(b.replace("Inf", "inf")) for b in bounds):
                    errors.append(f"{name}: bounds not ascending: {bounds}")
                if counts != sorted(counts):
                    errors.append(f"{name}{{{','.join(key)}}}: buckets not cumulative: {counts}")
                count = parts.get("_count", [])
                if len(count) != 1 or len(parts.get("_sum", [])) != 1 or (counts and counts[-1] != count[0][1]):
                    errors.append(f"{name}{{{','.join(key)}}}: _count/_sum wrong: {count} {parts.get('_sum')}")
                if any(math.isnan(v) for v in counts):
                    errors.append(f"{name}: a NaN bucket")
    return errors
