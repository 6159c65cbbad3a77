#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Builds the bundled price tables from the project's reference data (Python 3 stdlib only).

Reads ../shared/data/prices/{cloud_gpu_prices,cloud_gpu_price_region_summary,purchase_prices}.csv
and data/gpu_aliases.csv, and writes data/prices/cloud_offers.csv and data/prices/owned_costs.csv
in gpubench's formats (data/README.md). Every derivation step is here, so it can be reviewed.
GPU names are resolved with the same rules as harness/src/value/aliases.cpp (resolve_offer_model);
tests/host/value/prices_test.cpp checks that the written model keys agree with the C++ resolver.

  scripts/build_price_tables.py            # rewrite the tables
  scripts/build_price_tables.py --check    # exit 1 if the committed tables are stale
"""

import argparse
import csv
import io
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SHARED = os.path.join(os.path.dirname(REPO), "shared", "data")

OFFER_COLUMNS = [
    "provider", "instance_type", "gpu_name", "model_key", "gpu_count", "gpu_memory_gib",
    "on_demand_usd_per_hour", "spot_usd_per_hour", "currency", "region", "as_of", "source",
    "notes",
]
OWNED_COLUMNS = [
    "name", "model_key", "gpus", "price_usd", "price_kind", "life_years", "cost_of_capital",
    "availability", "utilization", "power_kw", "pue", "usd_per_kwh", "opex_usd_per_hour",
    "currency", "verified", "as_of", "source", "notes",
]
MEMORY_TOLERANCE = 0.12  # as kMemoryTolerance in harness/src/value/aliases.cpp


# ---- GPU name resolution (mirror of harness/src/value/aliases.cpp) --------------------------------

def normalise(name):
    return "".join(c for c in name.lower() if c not in " -_")


def glob_match(pattern, text):
    """'*' matches any run of characters; everything else matches itself."""
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif p < len(pattern) and pattern[p] == text[t]:
            p += 1
            t += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


def load_aliases(path):
    models, rules = {}, []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["kind"] == "model":
                models[row["model_key"]] = float(row["memory_gb"])
            else:
                rules.append(row)
    return models, rules


def resolve(models, rules, provider, instance_type, gpu_name, memory_gib):
    """Returns (model_key or "", reason)."""
    norm = normalise(gpu_name)
    by_instance, by_provider, unscoped = [], [], []
    for r in rules:
        if normalise(r["name"]) != norm:
            continue
        if not r["provider"]:
            unscoped.append(r)
        elif r["provider"] == provider.lower():
            if not r["instance_type"]:
                by_provider.append(r)
            elif glob_match(r["instance_type"], instance_type):
                by_instance.append(r)

    def pick(scope_rules, keys, check_single):
        candidates = list(keys)
        for r in scope_rules:
            if not r["model_key"]:
                return "", "ambiguous: " + r["source"]
            if r["model_key"] not in candidates:
                candidates.append(r["model_key"])
        known = memory_gib is not None and memory_gib > 0
        if known and (len(candidates) > 1 or check_single):
            kept = [k for k in candidates
                    if abs(memory_gib - models[k]) <= MEMORY_TOLERANCE * models[k]]
            if not kept:
                return "", "per-GPU memory %g GiB matches none of %s" % (memory_gib, candidates)
            candidates = kept
        if len(candidates) == 1:
            return candidates[0], ""
        return "", "ambiguous (%s)" % ", ".join(candidates)

    if by_instance:
        return pick(by_instance, [], False)
    if by_provider:
        return pick(by_provider, [], True)
    keys = [k for k in models if normalise(k) == norm]
    if unscoped or keys:
        return pick(unscoped, keys, True)
    return "", "no alias"


# ---- output --------------------------------------------------------------------------------

def guard(cell):
    """csv_cell's formula guard (METHODOLOGY IN-3)."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and cell else cell


def render(columns, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for row in rows:
        w.writerow([guard(str(row.get(c, ""))) for c in columns])
    return buf.getvalue()


def number(x):
    """Shortest decimal text of a float ("8", "0.25", "22.36")."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


# ---- cloud offers --------------------------------------------------------------------------

def build_offers(shared, models, rules):
    prices_path = os.path.join(shared, "prices", "cloud_gpu_prices.csv")
    summary_path = os.path.join(shared, "prices", "cloud_gpu_price_region_summary.csv")
    with open(summary_path, newline="", encoding="utf-8") as f:
        quality = {(r["provider"], r["instance_type"]): r["note"] for r in csv.DictReader(f)}
    rows, seen, unmapped = [], set(), []
    with open(prices_path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            notes = []
            count = float(r["gpu_count"])
            memory = float(r["gpu_memory_gib"]) if r["gpu_memory_gib"] else None
            if memory is not None and count < 1:
                # Fractional GPUs list the slice's memory; our column is per whole GPU.
                notes.append("GPU slice of %s GiB" % r["gpu_memory_gib"])
                memory = round(memory / count, 4)
            on_demand = r["price_usd_per_hour"]
            spot = r["spot_price_usd_per_hour"]
            if spot and float(spot) == 0:
                spot = ""
                notes.append("spot 0.00 read as no spot")
            if spot and on_demand and float(spot) == float(on_demand):
                spot = ""
                notes.append("catalog spot equal to on-demand read as no spot market")
            if r["provider"] == "vast":
                notes.append("vast.ai marketplace snapshot; catalog spot 0.00 = none")
            if not on_demand:
                notes.append("no on-demand price in this region (spot only)")
            if r["provider"] == "azure" and r["instance_type"] == "Standard_ND96isr_H100_v5":
                notes.append("gpu_count corrected from 12 (upstream catalog) to 8 in the "
                             "reference data")
            if r["provider"] == "gcp" and r["instance_type"].startswith("n1+"):
                notes.append("GCP attachable GPUs on an n1 host (instance name from the "
                             "reference data)")
            if r["provider"] == "gcp":
                notes.append("GCP prices vary widely across regions; some spot prices exceed "
                             "on-demand")
            q = quality.get((r["provider"], r["instance_type"]), "")
            if q:
                notes.append("region summary: " + q)
            notes.append("region is the cheapest of the reference data's regions")
            key, reason = resolve(models, rules, r["provider"], r["instance_type"],
                                  r["gpu_model"], memory)
            if not key:
                unmapped.append("%s %s '%s': %s" % (r["provider"], r["instance_type"],
                                                    r["gpu_model"], reason))
            ident = (r["provider"], r["instance_type"], r["region"])
            if ident in seen:
                raise SystemExit("duplicate offer %s" % (ident,))
            seen.add(ident)
            rows.append({
                "provider": r["provider"],
                "instance_type": r["instance_type"],
                "gpu_name": r["gpu_model"],
                "model_key": key,
                "gpu_count": r["gpu_count"],
                "gpu_memory_gib": number(memory) if memory is not None else "",
                "on_demand_usd_per_hour": on_demand,
                "spot_usd_per_hour": spot,
                "currency": "USD",
                "region": r["region"],
                "as_of": r["as_of"],
                "source": r["source"],
                "notes": "; ".join(notes),
            })
    return rows, unmapped


# ---- owned hardware ------------------------------------------------------------------------

# Which purchase_prices.csv rows become TCO scenarios, and with what. Prices given as a range
# use its midpoint (the range stays in notes). power_kw is left empty where no system figure
# is sourced: the report then estimates it from TDP and says so.
POWER_NOTE = ("power: ~10.2 kW maximum 8x H100 node power, as the '8x H100 node (generic)' "
              "source states (low authority); a maximum, so it overstates the average draw: "
              "measured power replaces it in reports")
SCENARIOS = [
    # (row label in purchase_prices.csv, scenario name, model key, GPUs, power_kw or "", extra notes)
    ("DGX H100 (8x H100 SXM5)|199000", "DGX H100 (list, base)", "H100-SXM-80GB", 8, "10.2",
     POWER_NOTE),
    ("DGX H100 (8x H100 SXM5)|270000", "DGX H100 (analyst estimate)", "H100-SXM-80GB", 8, "10.2",
     POWER_NOTE),
    ("HGX H100 8-GPU server (Thinkmate quote incl. 8x400G InfiniBand)",
     "HGX H100 8-GPU server (vendor quote)", "H100-SXM-80GB", 8, "10.2",
     "includes 8x400G InfiniBand cards; " + POWER_NOTE),
    ("8x H100 node (generic)", "8x H100 node (generic estimate)", "H100-SXM-80GB", 8, "10.2",
     "the METHODOLOGY §2.6 example uses the low end, $300k; " + POWER_NOTE),
    ("H100 SXM5 (GPU)", "H100 SXM5 GPU only", "H100-SXM-80GB", 1, "",
     "GPU only: no host, network or install; understates a system's capex"),
    ("DGX A100 (8x A100 40GB)", "DGX A100 (list, launch)", "A100-SXM4-40GB", 8, "", ""),
    ("GeForce RTX 4090", "GeForce RTX 4090 card", "RTX4090-24GB", 1, "", "card only: no host"),
    ("GeForce RTX 5090", "GeForce RTX 5090 card", "RTX5090-32GB", 1, "", "card only: no host"),
    ("RTX 6000 Ada Generation", "RTX 6000 Ada card", "RTX6000Ada-48GB", 1, "", "card only: no host"),
    ("RTX A6000", "RTX A6000 card", "RTXA6000-48GB", 1, "", "card only: no host"),
]
# Virginia (the largest US data-center market), industrial rate: read from EIA in the reference
# session, unlike the national average (reviewer knowledge; mentioned in notes).
ELECTRICITY_LABEL = "Electricity - Virginia commercial / industrial (2023)"
NATIONAL_ELECTRICITY_LABEL = "Electricity - US average industrial (2023)"
PUE_LABEL = "PUE - new large facilities"
LIFE_YEARS = "4"        # METHODOLOGY §2.6 example
COST_OF_CAPITAL = "0"   # straight-line, as the METHODOLOGY example; reports state it


def parse_price(text):
    """"199000" -> 199000; "25000-30000" -> midpoint."""
    parts = text.split("-")
    values = [float(p) for p in parts]
    return sum(values) / len(values), len(values) > 1


def build_owned(shared):
    path = os.path.join(shared, "prices", "purchase_prices.csv")
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))

    def find(label):
        name, _, price = label.partition("|")
        hits = [r for r in rows if r["gpu_model_or_system"] == name
                and (not price or r["price_usd"] == price)]
        if len(hits) != 1:
            raise SystemExit("purchase_prices.csv: expected one row for %r, found %d"
                             % (label, len(hits)))
        return hits[0]

    power = find(ELECTRICITY_LABEL)
    usd_per_kwh = power["price_usd"].split("/")[1].strip()  # "0.0895 / 0.0892": industrial
    national = find(NATIONAL_ELECTRICITY_LABEL)
    pue = find(PUE_LABEL)
    out = []
    for label, name, key, gpus, kw, extra in SCENARIOS:
        r = find(label)
        price, is_range = parse_price(r["price_usd"])
        notes = []
        if is_range:
            notes.append("price is the midpoint of %s %s" % (r["price_usd"], r["unit"]))
        else:
            notes.append("price: %s %s" % (r["price_usd"], r["unit"]))
        if r["notes"]:
            notes.append("source notes: " + r["notes"])
        if extra:
            notes.append(extra)
        verified = "reviewer knowledge" not in (r["notes"] + r["source"])
        if not verified:
            notes.append("UNVERIFIED: from reviewer knowledge, not re-checked against a source")
        notes.append("electricity: Virginia industrial %s $/kWh (EIA 2023; %s); US industrial "
                     "average %s (%s)" % (usd_per_kwh, power["notes"], national["price_usd"],
                                          national["notes"]))
        notes.append("PUE %s: %s; industry average 1.58" % (pue["price_usd"], pue["notes"]))
        out.append({
            "name": name,
            "model_key": key,
            "gpus": gpus,
            "price_usd": number(price),
            "price_kind": r["kind"],
            "life_years": LIFE_YEARS,
            "cost_of_capital": COST_OF_CAPITAL,
            "availability": "1",
            "utilization": "1",
            "power_kw": kw,
            "pue": pue["price_usd"],
            "usd_per_kwh": usd_per_kwh,
            "opex_usd_per_hour": "0",
            "currency": "USD",
            "verified": "yes" if verified else "no",
            "as_of": r["date"],
            "source": "%s; electricity: %s; PUE: %s" % (r["source"], power["source"],
                                                        pue["source"]),
            "notes": "; ".join(notes),
        })
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", default=DEFAULT_SHARED, help="reference data folder")
    ap.add_argument("--check", action="store_true", help="fail if the tables are stale")
    args = ap.parse_args()

    models, rules = load_aliases(os.path.join(REPO, "data", "gpu_aliases.csv"))
    offers, unmapped = build_offers(args.shared, models, rules)
    outputs = {
        os.path.join(REPO, "data", "prices", "cloud_offers.csv"): render(OFFER_COLUMNS, offers),
        os.path.join(REPO, "data", "prices", "owned_costs.csv"):
            render(OWNED_COLUMNS, build_owned(args.shared)),
    }
    stale = []
    for path, text in outputs.items():
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(path)
            if not args.check:
                tmp = path + ".tmp"
                with open(tmp, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
                os.replace(tmp, path)
    for u in unmapped:
        print("unmapped: " + u, file=sys.stderr)
    print("%d offers (%d unmapped), %d owned-cost scenarios"
          % (len(offers), len(unmapped), len(SCENARIOS)), file=sys.stderr)
    if args.check and stale:
        print("stale: " + ", ".join(stale) + " (run scripts/build_price_tables.py)",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
