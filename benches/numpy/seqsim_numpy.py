#!/usr/bin/env python3
"""A vectorised NumPy implementation of MODEL.md, for the speed comparison of
the performance issue (README "Performance").

It reads the same scenario file, resolves the dated policies itself (MODEL.md
§1), draws every driver with NumPy's PCG64 generator (so its numbers differ
from seqsim's draw by draw, not in distribution), evaluates MODEL.md §2 on
batches of paths as whole arrays, and keeps the §5 accumulators: sums for
means and standard errors, and per-cell histograms with 2^-12-wide bins for
the percentiles (memory may not grow with paths, so no per-path arrays are
kept between batches). It writes the summary and compare tables of §6.

With `--textbook` it is the plain version instead: every path in one array,
and exact type-7 percentiles from `np.percentile` per cell (memory then grows
with paths, which MODEL.md §5 rules out for seqsim itself).

It differs from MODEL.md §3 in one way that only makes it faster: all draws
come from one sequential generator, not from streams keyed by (seed, path,
practice), so its paths do not survive adding a practice or more paths.

It is a benchmark comparator, not part of seqsim: `compare_numpy.py` times it
against `seqsim run` and checks that the two agree within Monte Carlo error.

Usage: seqsim_numpy.py SCENARIO --paths N [--seed S] [--batch B | --textbook] [--out DIR]
"""

import argparse
import calendar
import csv
import datetime
import math
import os
import time

import numpy as np
import yaml

DRIVERS = [
    "labor_inflation",
    "supply_inflation",
    "other_inflation",
    "commercial_rate_growth",
    "medicaid_rate_growth",
    "ma_shift",
    "mei",
    "volume_growth",
]
LEVERS = ["sequestration", "medicare_update", "medicare_add_on", "relief"]
BINS_PER_UNIT = 4096.0


def plain(node):
    """A number written `X` or `{value: X, source: ...}`."""
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return node


# --- MODEL.md §1: dated levers -------------------------------------------------


def key_date(key):
    if isinstance(key, int):
        return datetime.date(key, 1, 1)
    text = str(key)
    if len(text) == 4:
        return datetime.date(int(text), 1, 1)
    return datetime.date.fromisoformat(text)


def lever_value(node):
    """(constant, mei weight): a rate, or {index: mei, offset: x}."""
    node = plain(node)
    if isinstance(node, dict):
        if node.get("index") != "mei":
            raise ValueError(f"unsupported lever value {node!r}")
        return (float(node.get("offset", 0.0)), 1.0)
    return (float(node), 0.0)


def apply_lever(schedule, node):
    """The replacement rule: a scalar replaces the schedule; a dated map
    replaces it from the map's first key on."""
    node = plain(node)
    if isinstance(node, dict) and "index" not in node:
        dated = sorted((key_date(k), lever_value(v)) for k, v in node.items())
        first = dated[0][0]
        kept = [(d, v) for d, v in schedule if d is None or d < first]
        return kept + dated
    return [(None, lever_value(node))]


def year_value(schedule, year):
    """Day-weighted (constant, mei weight) of a schedule over calendar year `year`."""
    start, end = datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    days_in_year = 366 if calendar.isleap(year) else 365
    constant, weight = 0.0, 0.0
    for i, (since, value) in enumerate(schedule):
        until = schedule[i + 1][0] if i + 1 < len(schedule) else end
        low = start if since is None else max(since, start)
        high = min(until, end)
        days = (high - low).days
        if days > 0:
            constant += days * value[0]
            weight += days * value[1]
    return constant / days_in_year, weight / days_in_year


def resolve(scenario, policy_name, kind, years):
    """Per lever, per year: (constant, mei weight), MODEL.md §1 inheritance."""
    policies = scenario["policies"]
    chain = [policy_name]
    while policies[chain[-1]].get("base"):
        chain.append(policies[chain[-1]]["base"])
    schedules = {lever: [(None, (0.0, 0.0))] for lever in LEVERS}
    for name in reversed(chain):
        policy = policies[name]
        levels = [policy, (policy.get("for_kinds") or {}).get(kind) or {}]
        for level in levels:
            for lever in LEVERS:
                if level.get(lever) is not None:
                    schedules[lever] = apply_lever(schedules[lever], level[lever])
    return {lever: [year_value(schedules[lever], y) for y in years] for lever in LEVERS}


# --- MODEL.md §3: drivers ------------------------------------------------------


def driver_spec(node):
    node = plain(node) if not (isinstance(node, dict) and "dist" in node) else node
    if not isinstance(node, dict):
        return {"dist": "fixed", "value": float(node)}
    return node


def normal_cdf(z):
    from scipy.special import ndtr  # only needed when a non-normal driver is correlated

    return ndtr(z)


def marginal_from_z(spec, z):
    dist = spec["dist"]
    if dist == "normal":
        value = spec["mean"] + spec["sd"] * z
        if spec.get("bounds"):
            value = np.clip(value, float(spec["bounds"][0]), float(spec["bounds"][1]))
        return value
    if dist == "lognormal":
        sigma2 = math.log(1 + spec["sd"] ** 2 / (1 + spec["mean"]) ** 2)
        mu = math.log(1 + spec["mean"]) - sigma2 / 2
        return np.exp(mu + math.sqrt(sigma2) * z) - 1
    u = normal_cdf(z)
    if dist == "uniform":
        return spec["min"] + (spec["max"] - spec["min"]) * u
    if dist == "fixed":
        return np.full_like(z, spec["value"])
    from scipy import stats

    if dist == "triangular":
        lo, mode, hi = spec["min"], spec["mode"], spec["max"]
        return stats.triang.ppf(u, (mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
    if dist == "pert":
        lo, mode, hi = spec["min"], spec["mode"], spec["max"]
        a, b = 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)
        return lo + (hi - lo) * stats.beta.ppf(u, a, b)
    raise ValueError(f"unsupported distribution {dist}")


def draw_independent(rng, spec, shape):
    dist = spec["dist"]
    if dist == "fixed":
        return np.full(shape, float(spec["value"]))
    if dist == "normal" or dist == "lognormal":
        return marginal_from_z(spec, rng.standard_normal(shape))
    if dist == "uniform":
        return rng.uniform(spec["min"], spec["max"], shape)
    if dist == "triangular":
        if spec["min"] == spec["max"]:
            return np.full(shape, float(spec["min"]))
        return rng.triangular(spec["min"], spec["mode"], spec["max"], shape)
    if dist == "pert":
        lo, mode, hi = spec["min"], spec["mode"], spec["max"]
        a, b = 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)
        return lo + (hi - lo) * rng.beta(a, b, shape)
    raise ValueError(f"unsupported distribution {dist}")


class Sampler:
    """Draws one scope's drivers for a batch of paths and every year: a
    Gaussian copula over the correlated drivers, direct draws for the rest."""

    def __init__(self, specs, correlations):
        self.specs = specs
        names = list(specs)
        linked = [(a, b, r) for a, b, r in correlations if a in specs and b in specs]
        self.correlated = [n for n in names if any(n in (a, b) for a, b, _ in linked)]
        size = len(self.correlated)
        matrix = np.eye(size)
        for a, b, rho in linked:
            i, j = self.correlated.index(a), self.correlated.index(b)
            matrix[i, j] = matrix[j, i] = rho
        self.lower = np.linalg.cholesky(matrix) if size else None

    def draw(self, rng, shape):
        out = {}
        if self.correlated:
            z = rng.standard_normal((len(self.correlated),) + shape)
            z = np.tensordot(self.lower, z, axes=1)
            for i, name in enumerate(self.correlated):
                out[name] = marginal_from_z(self.specs[name], z[i])
        for name, spec in self.specs.items():
            if name not in out:
                out[name] = draw_independent(rng, spec, shape)
        for name in out:
            out[name] = np.clip(out[name], 0.0, 1.0) if name == "ma_shift" else np.maximum(out[name], -0.99)
        return out


# --- MODEL.md §5: accumulators -------------------------------------------------


class Exact:
    """All of a cell's values at once (`--textbook`): exact type-7 percentiles."""

    QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)

    def __init__(self):
        self.quantiles = None

    def add(self, values):
        if self.quantiles is not None:
            raise ValueError("--textbook evaluates all paths in one batch")
        self.quantiles = dict(zip(self.QUANTILES, np.percentile(values, [100 * q for q in self.QUANTILES])))

    def quantile(self, q):
        return float(self.quantiles[q])


class Histogram:
    """Counts per 2^-12-wide bin over a growing range, with exact min and max."""

    def __init__(self):
        self.first, self.counts, self.total = 0, np.zeros(0, np.int64), 0
        self.min, self.max = math.inf, -math.inf

    def add(self, values):
        bins = np.floor(values * BINS_PER_UNIT).astype(np.int64)
        low = int(bins.min())
        counts = np.bincount(bins - low)
        if self.total == 0:
            self.first, self.counts = low, counts
        else:
            start = min(self.first, low)
            end = max(self.first + len(self.counts), low + len(counts))
            merged = np.zeros(end - start, np.int64)
            merged[self.first - start : self.first - start + len(self.counts)] += self.counts
            merged[low - start : low - start + len(counts)] += counts
            self.first, self.counts = start, merged
        self.total += len(values)
        self.min = min(self.min, float(values.min()))
        self.max = max(self.max, float(values.max()))

    def order_statistic(self, rank, cumulative):
        if rank == 0:
            return self.min
        if rank + 1 >= self.total:
            return self.max
        i = int(np.searchsorted(cumulative, rank, side="right"))
        before = int(cumulative[i - 1]) if i else 0
        low = max((self.first + i) / BINS_PER_UNIT, self.min)
        high = min((self.first + i + 1) / BINS_PER_UNIT, self.max)
        return low + (high - low) * (rank - before + 0.5) / int(self.counts[i])

    def quantile(self, q):
        """Type 7 (position (N-1)q), read from the histogram."""
        if self.min == self.max:
            return self.min
        cumulative = np.cumsum(self.counts)
        position = (self.total - 1) * q
        rank = math.floor(position)
        fraction = position - rank
        low = self.order_statistic(rank, cumulative)
        if fraction == 0:
            return low
        return low + fraction * (self.order_statistic(rank + 1, cumulative) - low)


FIELDS = ["margin", "margin_sq", "revenue", "costs", "cut", "cut_cum", "cash", "days", "negative", "distress",
          "exhausted", "dmargin", "dcut_cum", "dcash"]


def run(scenario, paths, seed, batch, textbook):
    start_year = scenario["horizon"]["start_year"]
    n_years = scenario["horizon"]["years"]
    years = list(range(start_year, start_year + n_years))
    policy_names = list(scenario["policies"])
    baseline = scenario["baseline"]
    order = [baseline] + [p for p in policy_names if p != baseline]
    correlations = [tuple(c) for c in scenario.get("correlations") or []]
    drivers = {name: driver_spec(scenario["drivers"][name]) for name in DRIVERS}
    scope = {name: drivers[name].get("scope", "practice" if name == "volume_growth" else "macro") for name in DRIVERS}
    macro = Sampler({n: drivers[n] for n in DRIVERS if scope[n] == "macro"}, correlations)

    practices = []
    for p in scenario["practices"]:
        revenue, costs = p["revenue"], p["costs"]
        medicare = p.get("medicare") or {}
        thresholds = p.get("thresholds") or {}
        overrides = p.get("drivers") or {}
        specs = {n: driver_spec(overrides.get(n, drivers[n])) for n in DRIVERS if scope[n] == "practice"}
        practices.append({
            "id": p["id"],
            "kind": p["kind"],
            "ffs": float(plain(revenue["medicare_ffs"])),
            "ma": float(plain(revenue["medicare_advantage"])),
            "medicaid": float(plain(revenue["medicaid"])),
            "commercial_other": float(plain(revenue["commercial"])) + float(plain(revenue["other"])),
            "labor": float(plain(costs["labor"])),
            "supplies": float(plain(costs["supplies"])),
            "other_costs": float(plain(costs["other"])),
            "vcs": float(plain(p["variable_cost_share"])),
            "cash": float(plain(p["cash"])),
            "cost_based": plain(medicare.get("basis")) == "cost_based",
            "program_share": float(plain(medicare.get("program_share", 1.0))),
            "ma_passthrough": float(plain(medicare.get("ma_passthrough", 0.0))),
            "ma_rate_ratio": float(plain(medicare.get("ma_rate_ratio", 1.0))),
            "distress_margin": float(plain(thresholds.get("distress_margin", 0.0))),
            "distress_days": float(plain(thresholds.get("distress_days_cash", 30.0))),
            "closure_days": float(plain(thresholds.get("closure_days_cash", 0.0))),
            "sampler": Sampler(specs, correlations),
            "levers": {k: resolve(scenario, k, p["kind"], years) for k in policy_names},
        })

    cells = [(p["id"], k, t) for p in practices for k in policy_names for t in range(n_years)]
    sums = {cell: dict.fromkeys(FIELDS, 0.0) for cell in cells}
    sketch = Exact if textbook else Histogram
    margin_hist = {cell: sketch() for cell in cells}
    dmargin_hist = {cell: sketch() for cell in cells if cell[1] != baseline}

    rng = np.random.default_rng(seed)
    done = 0
    while done < paths:
        b = min(batch, paths - done)
        shape = (n_years, b)
        macro_draws = macro.draw(rng, shape)
        for p in practices:
            draws = dict(macro_draws)
            draws.update(p["sampler"].draw(rng, shape))
            volume = np.cumprod(1 + draws["volume_growth"], axis=0)
            commercial_price = np.cumprod(1 + draws["commercial_rate_growth"], axis=0)
            medicaid_price = np.cumprod(1 + draws["medicaid_rate_growth"], axis=0)
            moved = 1 - np.cumprod(1 - draws["ma_shift"], axis=0)
            scale = 1 - p["vcs"] + p["vcs"] * volume
            costs = (p["labor"] * np.cumprod(1 + draws["labor_inflation"], axis=0) * scale
                     + p["supplies"] * np.cumprod(1 + draws["supply_inflation"], axis=0) * scale
                     + p["other_costs"] * np.cumprod(1 + draws["other_inflation"], axis=0) * scale)
            medicaid = p["medicaid"] * volume * medicaid_price
            commercial_other = p["commercial_other"] * volume * commercial_price
            base_costs = p["labor"] + p["supplies"] + p["other_costs"]
            base = {}
            for k in order:
                levers = p["levers"][k]
                medicare_price = np.ones(b)
                cash = np.full(b, p["cash"])
                cut_cum = np.zeros(b)
                exhausted = np.zeros(b, bool)
                for t in range(n_years):
                    c, w = levers["medicare_update"][t]
                    update = np.maximum(c + w * draws["mei"][t], -0.99)
                    medicare_price = medicare_price * (1 + update)
                    if p["cost_based"]:
                        book = p["ffs"] * costs[t] / base_costs
                    else:
                        book = p["ffs"] * volume[t] * medicare_price
                    ffs = (1 - moved[t]) * book * (1 + levers["medicare_add_on"][t][0])
                    ma = p["ma"] * volume[t] * medicare_price + p["ma_rate_ratio"] * moved[t] * book
                    cut = levers["sequestration"][t][0] * p["program_share"] * (ffs + p["ma_passthrough"] * ma)
                    revenue = ffs + ma - cut + medicaid[t] + commercial_other[t] + levers["relief"][t][0]
                    margin = (revenue - costs[t]) / revenue
                    cash = cash + revenue - costs[t]
                    days = 365 * cash / costs[t]
                    distress = (margin < p["distress_margin"]) | (days < p["distress_days"])
                    exhausted = exhausted | (days < p["closure_days"])
                    cut_cum = cut_cum + cut
                    cell = (p["id"], k, t)
                    s = sums[cell]
                    s["margin"] += margin.sum()
                    s["margin_sq"] += np.dot(margin, margin)
                    s["revenue"] += revenue.sum()
                    s["costs"] += costs[t].sum()
                    s["cut"] += cut.sum()
                    s["cut_cum"] += cut_cum.sum()
                    s["cash"] += cash.sum()
                    s["days"] += days.sum()
                    s["negative"] += np.count_nonzero(margin < 0)
                    s["distress"] += np.count_nonzero(distress)
                    s["exhausted"] += np.count_nonzero(exhausted)
                    margin_hist[cell].add(margin)
                    if k == baseline:
                        base[t] = (margin, cut_cum, cash)
                    else:
                        dmargin = margin - base[t][0]
                        s["dmargin"] += dmargin.sum()
                        s["dcut_cum"] += (cut_cum - base[t][1]).sum()
                        s["dcash"] += (cash - base[t][2]).sum()
                        dmargin_hist[cell].add(dmargin)
        done += b
    return practices, policy_names, baseline, years, sums, margin_hist, dmargin_hist


def write_tables(out, paths, practices, policy_names, baseline, years, sums, margin_hist, dmargin_hist):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["practice", "kind", "policy", "year", "margin_mean", "margin_se", "margin_p5", "margin_p25",
                    "margin_p50", "margin_p75", "margin_p95", "p_negative", "p_negative_se", "p_distress",
                    "p_distress_se", "p_exhausted", "p_exhausted_se", "revenue_mean", "costs_mean", "cut_mean",
                    "cut_cum_mean", "cash_mean", "days_cash_mean"])
        for p in practices:
            for k in policy_names:
                for t, year in enumerate(years):
                    s, h = sums[(p["id"], k, t)], margin_hist[(p["id"], k, t)]
                    mean = s["margin"] / paths
                    variance = max(s["margin_sq"] - paths * mean * mean, 0.0) / (paths - 1) if paths > 1 else 0.0
                    probabilities = []
                    for field in ["negative", "distress", "exhausted"]:
                        q = s[field] / paths
                        probabilities += [q, math.sqrt(q * (1 - q) / paths)]
                    w.writerow([p["id"], p["kind"], k, year, mean, math.sqrt(variance / paths)]
                               + [h.quantile(q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)] + probabilities
                               + [s[f] / paths for f in ["revenue", "costs", "cut", "cut_cum", "cash", "days"]])
    with open(os.path.join(out, "compare.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["practice", "kind", "policy", "year", "dmargin_mean", "dmargin_p5", "dmargin_p95",
                    "dcut_cum_mean", "dcash_mean", "dp_exhausted"])
        for p in practices:
            for k in policy_names:
                if k == baseline:
                    continue
                for t, year in enumerate(years):
                    s, h = sums[(p["id"], k, t)], dmargin_hist[(p["id"], k, t)]
                    dp = (s["exhausted"] - sums[(p["id"], baseline, t)]["exhausted"]) / paths
                    w.writerow([p["id"], p["kind"], k, year, s["dmargin"] / paths, h.quantile(0.05),
                                h.quantile(0.95), s["dcut_cum"] / paths, s["dcash"] / paths, dp])


def load_with_imports(path):
    """The scenario with the policies of its `imports:` (MODEL.md v1.2 §1)
    placed before its own, in import order, as seqsim orders them."""
    with open(path) as f:
        scenario = yaml.safe_load(f)
    policies = {}
    for written in scenario.get("imports") or []:
        with open(os.path.join(os.path.dirname(path), written)) as f:
            policies.update(yaml.safe_load(f)["policies"])
    policies.update(scenario.get("policies") or {})
    scenario["policies"] = policies
    return scenario


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario")
    parser.add_argument("--paths", type=int, required=True)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--batch", type=int, default=1 << 16, help="paths evaluated as one array")
    parser.add_argument("--textbook", action="store_true", help="all paths as one array, exact np.percentile")
    parser.add_argument("--out", default="numpy-out")
    args = parser.parse_args()
    started = time.perf_counter()
    scenario = load_with_imports(args.scenario)
    batch = args.paths if args.textbook else args.batch
    result = run(scenario, args.paths, args.seed, batch, args.textbook)
    write_tables(args.out, args.paths, *result)
    elapsed = time.perf_counter() - started
    practices, policy_names, _, years = result[0], result[1], result[2], result[3]
    evaluations = len(practices) * len(policy_names) * len(years) * args.paths
    print(f"numpy: {evaluations} evaluations in {elapsed:.3f} s; {evaluations / elapsed / 1e6:.2f} M evaluations/s")


if __name__ == "__main__":
    main()
