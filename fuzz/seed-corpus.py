#!/usr/bin/env python3
"""Writes the seed corpus fuzz/corpus/TARGET/ from the repository's rules, examples and fixtures
and the hostile-input reproducers (Tests/HuiminTests/Fixtures/repro, or a folder given), in each
harness's input format (README, "Fuzzing"). Run it again after the rules or examples change;
seeds are named by their content, so a run only adds files."""
import hashlib, io, os, sys, zipfile
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPRO = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "Tests/HuiminTests/Fixtures/repro")


def read(*parts):
    with open(os.path.join(ROOT, *parts), "rb") as f:
        return f.read()


def seed(target, data, name=None):
    folder = os.path.join(ROOT, "fuzz/corpus", target)
    os.makedirs(folder, exist_ok=True)
    name = name or hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def files(folder):
    """The plain files of a folder, sorted (none when it is missing)."""
    names = sorted(os.listdir(folder)) if os.path.isdir(folder) else []
    return [n for n in names if os.path.isfile(os.path.join(folder, n))]


def repro(name):
    path = os.path.join(REPRO, name)
    return open(path, "rb").read() if os.path.exists(path) else None


def rules():
    policies = sorted(n for n in os.listdir(os.path.join(ROOT, "rules/policies")) if n.endswith(".yaml"))
    regions = sorted(n for n in os.listdir(os.path.join(ROOT, "rules/regions")) if n.endswith(".yaml"))
    for i, n in enumerate(policies):
        seed("rules", bytes([0, i]) + read("rules/policies", n))
    for i, n in enumerate(regions):
        seed("rules", bytes([1, i]) + read("rules/regions", n))
    seed("rules", bytes([2, 0]) + read("rules/schema.yaml"))
    seed("rules", bytes([3, 0]) + read("Tests/HuiminTests/Fixtures/batch/layouts.yaml"))
    lint = os.path.join(ROOT, "Tests/HuiminTests/Fixtures/lint")
    for case in sorted(os.listdir(lint)):
        for sub, kind in (("policies", 0), ("regions", 1)):
            folder = os.path.join(lint, case, sub)
            for n in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
                seed("rules", bytes([kind, len(policies) if kind == 0 else len(regions)]) + open(os.path.join(folder, n), "rb").read())
    for case in ("rules-add-days", "rules-long-and-chain", "rules-money-literal"):
        data = repro(case + "/policies/zz.yaml")
        if data: seed("rules", bytes([0, len(policies)]) + data, "repro-" + case)
    data = repro("rules-region-13-digits/regions/420100.yaml")
    if data: seed("rules", bytes([1, regions.index("420100.yaml")]) + data, "repro-rules-region-13-digits")


def strings(node):
    if isinstance(node, str): yield node
    elif isinstance(node, dict):
        for v in node.values(): yield from strings(v)
    elif isinstance(node, list):
        for v in node: yield from strings(v)


def expressions():
    for n in sorted(os.listdir(os.path.join(ROOT, "rules/policies"))):
        doc = yaml.safe_load(read("rules/policies", n))
        for s in set(strings(doc)):
            if len(s) < 400 and not any("\u4e00" <= c <= "\u9fff" for c in s):
                for flags in (0, 1):
                    seed("expressions", bytes([flags]) + s.strip().encode())
    for text, flags in (("add_days(today, 999999999999)", 0), ("sum(members, incomes.wage) * 4700000000000", 0),
                        ("age >= 60 and relation == head", 1), ("round(dibao.income / 3, fen)", 0)):
        seed("expressions", bytes([flags]) + text.encode())


def sheet_seed(xlsx):
    z = zipfile.ZipFile(io.BytesIO(xlsx))
    names = z.namelist()
    sheet = z.read("xl/worksheets/sheet1.xml") if "xl/worksheets/sheet1.xml" in names else b""
    shared = z.read("xl/sharedStrings.xml") if "xl/sharedStrings.xml" in names else None
    return sheet + (b"\0" + shared if shared is not None else b"")


def roster():
    sample = read("examples/rosters/wuhan-sample.csv")
    for kind, chunk in ((0, 255), (0, 6), (8, 255), (8, 30)):
        seed("roster", bytes([kind, chunk]) + sample)
    seed("roster", bytes([0, 255]) + read("Tests/HuiminTests/Fixtures/bench/edge_cases.csv"))
    for n in ("h001.json",):
        line = b" ".join(read("examples/households", n).split()) + b"\n"
        seed("roster", bytes([1, 255]) + line + line.replace(b'"H001"', b'"H002"'))
    xlsx = [read("Tests/HuiminTests/Fixtures/rosters/openpyxl.xlsx")]
    for n in files(REPRO):
        data = open(os.path.join(REPRO, n), "rb").read()
        if n.startswith("fuzz-roster-") and n.endswith(".bin"):
            seed("roster", data, "repro-" + n[:-4])
        elif n.startswith("roster-") and n.endswith(".csv"):
            seed("roster", bytes([0, 255]) + data, "repro-" + n[:-4])
            seed("roster", bytes([0, 4]) + data, "repro-" + n[:-4] + "-chunk-5")
        elif n.startswith("roster-") and n.endswith(".xlsx") and len(data) < 65536:  # not the 1 MB bomb
            seed("roster", bytes([2, 255]) + data, "repro-" + n[:-5])
            xlsx.append(data)
    for data in xlsx:
        seed("roster", bytes([3, 255]) + sheet_seed(data))
        seed("roster", bytes([2, 255]) + data)


def api():
    json_body = read("examples/households/h001.json")
    for flags in (0x00, 0x01, 0x0d, 0x29, 0x45):
        seed("api", bytes([flags]) + json_body)
    for n in ("h001.yaml", "h002.yaml"):
        seed("api", bytes([0x02]) + read("examples/households", n))
    seed("api", bytes([0x80 | 0x41]) + b"region=420102&policy=dibao,tekun&explain=full\n" + json_body)
    seed("api", bytes([0x80 | 0x41]) + b"region=420102&on=2023-1-99999999999999999999\n" + json_body, "repro-get-policy-on-20-digits")
    for n in files(REPRO):
        data = open(os.path.join(REPRO, n), "rb").read()
        if n.startswith("fuzz-api-") and n.endswith(".bin"):
            seed("api", data, "repro-" + n[:-4])
        elif n.startswith("household-"):
            seed("api", bytes([0x01 if n.endswith(".json") else 0x02]) + data, "repro-" + n.rsplit(".", 1)[0])


rules(); expressions(); roster(); api()
for t in ("rules", "expressions", "roster", "api"):
    print(t, len(os.listdir(os.path.join(ROOT, "fuzz/corpus", t))), "seeds")
