#!/usr/bin/env python3
"""A vectorised NumPy implementation of MODEL.md (v1.3), for the speed comparison
of the performance issue (docs/performance.md) and CI's cross-check of the model.

It reads the same scenario file, resolves the dated policies itself (MODEL.md
§1), draws every driver with NumPy's PCG64 generator (so its numbers differ
from seqsim's draw by draw, not in distribution), evaluates MODEL.md §2 on
batches of paths as whole arrays, and keeps the §5 accumulators: sums for
means and standard errors, and per-cell histograms with 2^-12-wide bins for
the percentiles (memory may not grow with paths, so no per-path arrays are
kept between batches). It writes the summary and compare tables of §6, each
followed by columns of its own that seqsim need not write: `cutback_se` in
the summary, `dcutback_se` after `dmargin_se` in compare (standard errors of
the v1.3 means, for compare_numpy.py).

v1.3 dynamics (MODEL.md §3 "Dynamics"): a driver's `noise` and `shared` shock
the index it grows, index_t = X_t * S_t * (1 + n_t), and a `cost_response`
scales a practice's costs by A_t, which follows its own margin of the year
before under the same policy. The standard normals z_t and w_t come from
PCG64 streams of their own (`Shocks`), apart from the drivers' generator and
drawn only for drivers that carry the key, so a scenario without the v1.3
keys gives exactly the v1.2 numbers.

With `--textbook` it is the plain version instead: every path in one array,
and exact type-7 percentiles from `np.percentile` per cell (memory then grows
with paths, which MODEL.md §5 rules out for seqsim itself).

It differs from MODEL.md §3 in one way that only makes it faster: all driver
draws come from one sequential generator, not from streams keyed by (seed,
path, practice), so its paths do not survive adding a practice or more paths
(the v1.3 shocks have a stream per driver, and per practice for z, keyed by
the practice's id, but they too run on across paths and batches).

`--selftest` checks the implementation without seqsim: the vectorised
accounting against a path-by-path float version, the v1.3 keys set to zero
against their absence (same bits), the direction and size of the effects of
noise, shared shocks and the cost response, and a fixed-driver run against
a hand-computed decimal ledger.

It is a benchmark comparator, not part of seqsim: `compare_numpy.py` times it
against `seqsim run` and checks that the two agree within Monte Carlo error.

Usage: seqsim_numpy.py SCENARIO --paths N [--seed S] [--batch B | --textbook] [--out DIR]
       seqsim_numpy.py --selftest
"""

import argparse
import calendar
import csv
import datetime
import hashlib
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
# MODEL.md v1.3 §3: the drivers that grow an index, the only ones that may carry
# `noise` and `shared`.
INDEX_DRIVERS = [
    "volume_growth",
    "commercial_rate_growth",
    "medicaid_rate_growth",
    "labor_inflation",
    "supply_inflation",
    "other_inflation",
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
    """A driver as a mapping with `dist`. A bare number and `{value: X, ...}`
    are `fixed`; the keys beside `value:` (`scope`, `noise`, `shared`,
    `source`) are kept."""
    if isinstance(node, dict) and "dist" in node:
        return node
    if isinstance(node, dict):
        spec = {key: value for key, value in node.items() if key != "value"}
        spec.update(dist="fixed", value=float(node["value"]))
        return spec
    return {"dist": "fixed", "value": float(node)}


def dynamics(name, spec, scope):
    """(s, c): a driver's `noise` and `shared` (MODEL.md v1.3 §3), 0 when absent."""
    keys = {key: spec.get(key) for key in ("noise", "shared")}
    for key, value in keys.items():
        if value is None:
            continue
        if name not in INDEX_DRIVERS:
            raise ValueError(f"drivers.{name}.{key}: only a driver that grows an index may carry `{key}`")
        if key == "shared" and scope == "macro":
            raise ValueError(f"drivers.{name}.shared: a macro driver is shared already")
        if isinstance(value, bool) or not 0.0 <= float(value) <= 1.0:
            raise ValueError(f"drivers.{name}.{key}: {value!r} is outside 0..=1")
    return float(keys["noise"] or 0.0), float(keys["shared"] or 0.0)


def cost_response(node, base_margin):
    """(kappa, target) of a `cost_response` (MODEL.md v1.3 §3), or None."""
    if node is None:
        return None
    if not isinstance(node, dict):
        raise ValueError(f"cost_response: a mapping with `speed` expected, got {node!r}")
    unknown = set(node) - {"speed", "target", "source"}
    if unknown:
        raise ValueError(f"cost_response: unknown key {sorted(unknown)[0]}")
    if node.get("speed") is None:
        raise ValueError("cost_response.speed is required")
    kappa = float(plain(node["speed"]))
    if not 0.0 <= kappa <= 1.0:
        raise ValueError(f"cost_response.speed: {kappa} is outside 0..=1")
    target = plain(node.get("target"))
    if target is None or target == "base":
        return kappa, base_margin
    if isinstance(target, (bool, str)) or not -1.0 <= float(target) < 1.0:
        raise ValueError(f"cost_response.target: {target!r} is neither `base` nor in [-1, 1)")
    return kappa, float(target)


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


class Shocks:
    """The standard normals of MODEL.md v1.3 §3's dynamics, each from a PCG64
    stream of its own (a SeedSequence child of the seed: never the drivers'
    generator, which is the seed's root): w_t per driver, the same for every
    practice of the path; z_t per macro driver; z_t per practice and driver,
    the practice's stream keyed by a hash of its id. A stream is read only
    for a driver that has the key, so without the keys nothing is drawn, and
    adding a key to one driver changes no other draw."""

    SHARED, MACRO_NOISE, PRACTICE_NOISE = 1, 2, 3

    def __init__(self, seed):
        self.seed = seed
        self.streams = {}

    @staticmethod
    def practice_key(practice_id):
        digest = hashlib.sha256(practice_id.encode()).digest()
        return (Shocks.PRACTICE_NOISE, int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:8], "little"))

    def normals(self, key, name, shape):
        key = tuple(key) + (DRIVERS.index(name),)
        if key not in self.streams:
            sequence = np.random.SeedSequence(self.seed, spawn_key=key)
            self.streams[key] = np.random.Generator(np.random.PCG64(sequence))
        return self.streams[key].standard_normal(shape)


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


class Moments:
    """Count, mean and sum of squared deviations, merged batch by batch
    (Chan et al.): standard errors of dollar means without the cancellation
    of raw power sums."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values):
        n, mean = len(values), float(values.mean())
        deviations = values - mean
        m2 = float(np.dot(deviations, deviations))
        total = self.n + n
        delta = mean - self.mean
        self.mean += delta * n / total
        self.m2 += m2 + delta * delta * self.n * n / total
        self.n = total

    def se(self):
        return math.sqrt(self.m2 / (self.n - 1) / self.n) if self.n > 1 else 0.0


FIELDS = ["margin", "margin_sq", "revenue", "costs", "cut", "cut_cum", "cash", "days", "negative", "distress",
          "exhausted", "dmargin", "dcut_cum", "dcash", "cutback", "dcutback"]
MOMENTS = ["cutback", "dmargin", "dcutback"]


def practice_model(scenario, p, drivers, scope, policy_names, years):
    """One practice of the scenario as the numbers evaluate() reads."""
    revenue, costs = p["revenue"], p["costs"]
    medicare = p.get("medicare") or {}
    thresholds = p.get("thresholds") or {}
    overrides = p.get("drivers") or {}
    specs = {n: driver_spec(overrides.get(n, drivers[n])) for n in DRIVERS if scope[n] == "practice"}
    noise, shared = {}, {}
    for n in DRIVERS:
        if scope[n] == "practice":
            s, c = dynamics(n, specs[n], "practice")
        else:
            s, c = dynamics(n, drivers[n], "macro")
        if n in INDEX_DRIVERS:
            noise[n], shared[n] = s, c
    model = {
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
        "sampler": Sampler(specs, [tuple(c) for c in scenario.get("correlations") or []]),
        "levers": {k: resolve(scenario, k, p["kind"], years) for k in policy_names},
        "noise": noise,
        "shared": shared,
        "noise_key": Shocks.practice_key(p["id"]),
    }
    # MODEL.md v1.3 §3: M_base from the scenario's amounts (gross revenue,
    # before sequestration); the practice's own cost_response replaces the
    # top level's.
    total_revenue = sum(float(plain(revenue[k])) for k in
                        ("medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other"))
    total_costs = model["labor"] + model["supplies"] + model["other_costs"]
    model["base_margin"] = (total_revenue - total_costs) / total_revenue
    own = p.get("cost_response")
    model["response"] = cost_response(own if own is not None else scenario.get("cost_response"),
                                      model["base_margin"])
    return model


def evaluate(p, draws, z, w, order, n_years):
    """MODEL.md §2 with v1.3 §3's dynamics, for one practice on a batch of paths.

    `draws`: driver -> (years, paths) draws after §2's clamps; `z`, `w`:
    driver -> (years, paths) standard normals, for the drivers whose `noise`
    or `shared` is not 0 (w is the path's, the same for every practice).
    Yields (policy, t, values) policy by policy in `order`, year by year,
    values a dict of (paths,) arrays that are not changed afterwards
    (`cutback` is None for a practice without a cost response: all 0)."""
    index = {}
    for name in INDEX_DRIVERS:
        grown = np.cumprod(1 + draws[name], axis=0)                                      # X_t
        c, s = p["shared"][name], p["noise"][name]
        if c:
            grown = grown * np.cumprod(1 + np.maximum(c * w[name], -0.99), axis=0)      # * S_t
        if s:
            grown = grown * (1 + np.maximum(s * z[name], -0.99))                        # * (1 + n_t)
        index[name] = grown
    volume = index["volume_growth"]
    commercial_price = index["commercial_rate_growth"]
    medicaid_price = index["medicaid_rate_growth"]
    moved = 1 - np.cumprod(1 - draws["ma_shift"], axis=0)
    scale = 1 - p["vcs"] + p["vcs"] * volume
    costs = (p["labor"] * index["labor_inflation"] * scale
             + p["supplies"] * index["supply_inflation"] * scale
             + p["other_costs"] * index["other_inflation"] * scale)                   # C0_t
    medicaid = p["medicaid"] * volume * medicaid_price
    commercial_other = p["commercial_other"] * volume * commercial_price
    base_costs = p["labor"] + p["supplies"] + p["other_costs"]
    paths = volume.shape[1]
    for k in order:
        levers = p["levers"][k]
        medicare_price = np.ones(paths)
        cash = np.full(paths, p["cash"])
        cut_cum = np.zeros(paths)
        exhausted = np.zeros(paths, bool)
        factor = np.ones(paths)                        # A_base = 1
        margin = np.full(paths, p["base_margin"])      # MARGIN_base = M_base
        for t in range(n_years):
            constant, weight = levers["medicare_update"][t]
            update = np.maximum(constant + weight * draws["mei"][t], -0.99)
            medicare_price = medicare_price * (1 + update)
            if p["response"] is None:
                spending = costs[t]
            else:
                kappa, target = p["response"]
                factor = factor * (1 + kappa * np.clip(margin - target, -1.0, 1.0))   # A_t
                spending = factor * costs[t]                                          # C_t
            if p["cost_based"]:
                book = p["ffs"] * spending / base_costs
            else:
                book = p["ffs"] * volume[t] * medicare_price
            ffs = (1 - moved[t]) * book * (1 + levers["medicare_add_on"][t][0])
            ma = p["ma"] * volume[t] * medicare_price + p["ma_rate_ratio"] * moved[t] * book
            cut = levers["sequestration"][t][0] * p["program_share"] * (ffs + p["ma_passthrough"] * ma)
            revenue = ffs + ma - cut + medicaid[t] + commercial_other[t] + levers["relief"][t][0]
            margin = (revenue - spending) / revenue
            cash = cash + revenue - spending
            days = 365 * cash / spending
            distress = (margin < p["distress_margin"]) | (days < p["distress_days"])
            exhausted = exhausted | (days < p["closure_days"])
            cut_cum = cut_cum + cut
            yield k, t, {"margin": margin, "revenue": revenue, "costs": spending, "cut": cut, "cut_cum": cut_cum,
                         "cash": cash, "days": days, "distress": distress, "exhausted": exhausted,
                         "cutback": costs[t] - spending if p["response"] is not None else None}


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
    practices = [practice_model(scenario, p, drivers, scope, policy_names, years) for p in scenario["practices"]]
    # The shock streams to read: w of every driver some practice shares, z of
    # every macro driver with noise (both per path, common to the practices).
    shared_drivers = [n for n in INDEX_DRIVERS if any(p["shared"][n] for p in practices)]
    macro_noise = [n for n in INDEX_DRIVERS if scope[n] == "macro" and dynamics(n, drivers[n], "macro")[0]]

    cells = [(p["id"], k, t) for p in practices for k in policy_names for t in range(n_years)]
    sums = {cell: dict.fromkeys(FIELDS, 0.0) for cell in cells}
    moments = {cell: {field: Moments() for field in MOMENTS} for cell in cells}
    sketch = Exact if textbook else Histogram
    margin_hist = {cell: sketch() for cell in cells}
    dmargin_hist = {cell: sketch() for cell in cells if cell[1] != baseline}

    rng = np.random.default_rng(seed)
    shocks = Shocks(seed)
    done = 0
    while done < paths:
        b = min(batch, paths - done)
        shape = (n_years, b)
        macro_draws = macro.draw(rng, shape)
        w = {n: shocks.normals((Shocks.SHARED,), n, shape) for n in shared_drivers}
        macro_z = {n: shocks.normals((Shocks.MACRO_NOISE,), n, shape) for n in macro_noise}
        for p in practices:
            draws = dict(macro_draws)
            draws.update(p["sampler"].draw(rng, shape))
            z = dict(macro_z)
            for n in INDEX_DRIVERS:
                if scope[n] == "practice" and p["noise"][n]:
                    z[n] = shocks.normals(p["noise_key"], n, shape)
            base = {}
            for k, t, v in evaluate(p, draws, z, w, order, n_years):
                margin = v["margin"]
                cell = (p["id"], k, t)
                s, m = sums[cell], moments[cell]
                s["margin"] += margin.sum()
                s["margin_sq"] += np.dot(margin, margin)
                s["revenue"] += v["revenue"].sum()
                s["costs"] += v["costs"].sum()
                s["cut"] += v["cut"].sum()
                s["cut_cum"] += v["cut_cum"].sum()
                s["cash"] += v["cash"].sum()
                s["days"] += v["days"].sum()
                s["negative"] += np.count_nonzero(margin < 0)
                s["distress"] += np.count_nonzero(v["distress"])
                s["exhausted"] += np.count_nonzero(v["exhausted"])
                if p["response"] is not None:   # else every cutback is 0
                    s["cutback"] += v["cutback"].sum()
                    m["cutback"].add(v["cutback"])
                margin_hist[cell].add(margin)
                if k == baseline:
                    base[t] = v
                else:
                    dmargin = margin - base[t]["margin"]
                    s["dmargin"] += dmargin.sum()
                    s["dcut_cum"] += (v["cut_cum"] - base[t]["cut_cum"]).sum()
                    s["dcash"] += (v["cash"] - base[t]["cash"]).sum()
                    m["dmargin"].add(dmargin)
                    if p["response"] is not None:
                        dcutback = v["cutback"] - base[t]["cutback"]
                        s["dcutback"] += dcutback.sum()
                        m["dcutback"].add(dcutback)
                    dmargin_hist[cell].add(dmargin)
        done += b
    return practices, policy_names, baseline, years, sums, moments, margin_hist, dmargin_hist


SUMMARY_COLUMNS = ["practice", "kind", "policy", "year", "margin_mean", "margin_se", "margin_p5", "margin_p25",
                   "margin_p50", "margin_p75", "margin_p95", "p_negative", "p_negative_se", "p_distress",
                   "p_distress_se", "p_exhausted", "p_exhausted_se", "revenue_mean", "costs_mean", "cut_mean",
                   "cut_cum_mean", "cash_mean", "days_cash_mean", "cutback_mean",
                   "cutback_se"]   # NumPy's own, after MODEL.md §6's
COMPARE_COLUMNS = ["practice", "kind", "policy", "year", "dmargin_mean", "dmargin_p5", "dmargin_p95",
                   "dcut_cum_mean", "dcash_mean", "dp_exhausted", "dcutback_mean",
                   "dmargin_se", "dcutback_se"]   # after MODEL.md §6's, as seqsim writes dmargin_se


def tables(paths, practices, policy_names, baseline, years, sums, moments, margin_hist, dmargin_hist):
    """The summary and compare rows of MODEL.md §6 (with NumPy's own columns)."""
    summary, compare = [], []
    for p in practices:
        for k in policy_names:
            for t, year in enumerate(years):
                s, m, h = sums[(p["id"], k, t)], moments[(p["id"], k, t)], margin_hist[(p["id"], k, t)]
                mean = s["margin"] / paths
                variance = max(s["margin_sq"] - paths * mean * mean, 0.0) / (paths - 1) if paths > 1 else 0.0
                probabilities = []
                for field in ["negative", "distress", "exhausted"]:
                    q = s[field] / paths
                    probabilities += [q, math.sqrt(q * (1 - q) / paths)]
                summary.append([p["id"], p["kind"], k, year, mean, math.sqrt(variance / paths)]
                               + [h.quantile(q) for q in (0.05, 0.25, 0.5, 0.75, 0.95)] + probabilities
                               + [s[f] / paths for f in ["revenue", "costs", "cut", "cut_cum", "cash", "days",
                                                         "cutback"]]
                               + [m["cutback"].se()])
    for p in practices:
        for k in policy_names:
            if k == baseline:
                continue
            for t, year in enumerate(years):
                s, m, h = sums[(p["id"], k, t)], moments[(p["id"], k, t)], dmargin_hist[(p["id"], k, t)]
                dp = (s["exhausted"] - sums[(p["id"], baseline, t)]["exhausted"]) / paths
                compare.append([p["id"], p["kind"], k, year, s["dmargin"] / paths, h.quantile(0.05),
                                h.quantile(0.95), s["dcut_cum"] / paths, s["dcash"] / paths, dp,
                                s["dcutback"] / paths, m["dmargin"].se(), m["dcutback"].se()])
    return summary, compare


def write_tables(out, paths, *result):
    os.makedirs(out, exist_ok=True)
    summary, compare = tables(paths, *result)
    for name, columns, rows in [("summary.csv", SUMMARY_COLUMNS, summary), ("compare.csv", COMPARE_COLUMNS, compare)]:
        with open(os.path.join(out, name), "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(columns)
            w.writerows(rows)


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


# --- Self-test (--selftest): the implementation checked without seqsim ---------

HERE = os.path.dirname(os.path.abspath(__file__))


def fixed_drivers(**values):
    """The eight drivers, each `fixed` at 0 unless given (a spec or a number)."""
    return {name: values.get(name, 0.0) for name in DRIVERS}


def test_practice(id, **changes):
    practice = {"id": id, "kind": "clinic", "count": 1,
                "revenue": {"medicare_ffs": 1000000, "medicare_advantage": 0, "medicaid": 0, "commercial": 1000000,
                            "other": 0},
                "costs": {"labor": 1900000, "supplies": 0, "other": 0},
                "variable_cost_share": 0.4, "cash": 500000, "medicare": {"basis": "fee_schedule"}}
    practice.update(changes)
    return practice


def test_scenario(drivers, practices, years=3, **top):
    scenario = {"name": "selftest", "horizon": {"start_year": 2027, "years": years},
                "simulation": {"paths": 1, "seed": 1}, "drivers": drivers, "practices": practices,
                "baseline": "current_law",
                "policies": {"current_law": {"sequestration": 0.02}, "repeal": {"base": "current_law",
                                                                               "sequestration": {2028: 0.0}}}}
    scenario.update(top)
    return scenario


def simulate(scenario, paths, seed=20261127, batch=None, textbook=False):
    """summary and compare rows as {(practice, policy, year): {column: value}}."""
    result = run(scenario, paths, seed, batch or paths, textbook)
    summary, compare = tables(paths, *result)
    keyed = []
    for columns, rows in [(SUMMARY_COLUMNS, summary), (COMPARE_COLUMNS, compare)]:
        keyed.append({(r[0], r[2], r[3]): dict(zip(columns, r)) for r in rows})
    return keyed


def reference_path(p, x, z, w, order, n_years):
    """MODEL.md §2 and v1.3 §3 for one path, line by line in Python floats:
    the self-test's second implementation of evaluate()."""
    out = {}
    for k in order:
        levers = p["levers"][k]
        grown = {n: 1.0 for n in INDEX_DRIVERS}
        shared = {n: 1.0 for n in INDEX_DRIVERS}
        pm, moved, cash, cut_cum, exhausted = 1.0, 0.0, p["cash"], 0.0, False
        factor, previous = 1.0, p["base_margin"]
        for t in range(n_years):
            index = {}
            for n in INDEX_DRIVERS:
                grown[n] *= 1 + x[n][t]
                shared[n] *= 1 + max(p["shared"][n] * w.get(n, [0.0] * n_years)[t], -0.99)
                one_off = max(p["noise"][n] * z.get(n, [0.0] * n_years)[t], -0.99)
                index[n] = grown[n] * shared[n] * (1 + one_off)
            v = index["volume_growth"]
            constant, weight = levers["medicare_update"][t]
            pm *= 1 + max(constant + weight * x["mei"][t], -0.99)
            moved = 1 - (1 - moved) * (1 - x["ma_shift"][t])
            scale = 1 - p["vcs"] + p["vcs"] * v
            c0 = (p["labor"] * index["labor_inflation"] * scale + p["supplies"] * index["supply_inflation"] * scale
                  + p["other_costs"] * index["other_inflation"] * scale)
            if p["response"] is not None:
                kappa, target = p["response"]
                factor *= 1 + kappa * min(max(previous - target, -1.0), 1.0)
            costs = factor * c0
            base_costs = p["labor"] + p["supplies"] + p["other_costs"]
            book = p["ffs"] * costs / base_costs if p["cost_based"] else p["ffs"] * v * pm
            ffs = (1 - moved) * book * (1 + levers["medicare_add_on"][t][0])
            ma = p["ma"] * v * pm + p["ma_rate_ratio"] * moved * book
            cut = levers["sequestration"][t][0] * p["program_share"] * (ffs + p["ma_passthrough"] * ma)
            revenue = (ffs + ma - cut + p["medicaid"] * v * index["medicaid_rate_growth"]
                       + p["commercial_other"] * v * index["commercial_rate_growth"] + levers["relief"][t][0])
            margin = (revenue - costs) / revenue
            cash += revenue - costs
            days = 365 * cash / costs
            exhausted = exhausted or days < p["closure_days"]
            cut_cum += cut
            out[(k, t)] = {"margin": margin, "revenue": revenue, "costs": costs, "cut": cut, "cut_cum": cut_cum,
                           "cash": cash, "days": days, "exhausted": exhausted, "cutback": c0 - costs,
                           "distress": margin < p["distress_margin"] or days < p["distress_days"]}
            previous = margin
    return out


class Checks:
    def __init__(self):
        self.failed = []

    def __call__(self, name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")
        if not ok:
            self.failed.append(name)


def check_against_reference(check):
    """evaluate() on random draws (noise and shared at 1, so their clamps
    bite; gaps beyond +-1) against reference_path(), path by path."""
    policies = {"current_law": {"sequestration": {2027: 0.02, "2028-07-01": 0.0},
                                "medicare_update": {2027: {"index": "mei", "offset": -0.01}},
                                "medicare_add_on": 0.01, "relief": 1000},
                "repeal": {"base": "current_law", "sequestration": 0.0}}
    drivers = {name: {"dist": "normal", "mean": 0.02, "sd": 0.2, "scope": "practice"} for name in DRIVERS}
    drivers["volume_growth"].update(noise=1.0, shared=0.3)
    drivers["labor_inflation"].update(noise=0.2, shared=1.0)
    drivers["medicaid_rate_growth"].update(shared=0.5)
    revenue = {"medicare_ffs": 400000, "medicare_advantage": 300000, "medicaid": 200000, "commercial": 500000,
               "other": 100000}
    costs = {"labor": 900000, "supplies": 200000, "other": 300000}
    medicare = {"program_share": 0.8, "ma_passthrough": 0.5, "ma_rate_ratio": 1.1}
    practices = [
        test_practice("fee", revenue=revenue, costs=costs, variable_cost_share=0.3,
                      medicare=dict(medicare, basis="fee_schedule"), cost_response={"speed": 0.9}),
        test_practice("cost", revenue=revenue, costs=costs, variable_cost_share=0.3,
                      medicare=dict(medicare, basis="cost_based"), cost_response={"speed": 0.3, "target": -0.95},
                      drivers={"commercial_rate_growth": {"dist": "fixed", "value": 0.01, "noise": 0.5}}),
        test_practice("plain", revenue=revenue, costs=costs, medicare=dict(medicare, basis="cost_based"),
                      drivers={name: 0.01 for name in ("volume_growth", "labor_inflation")}),
    ]
    scenario = test_scenario(drivers, practices, years=5, policies=policies)
    n_years, years = 5, list(range(2027, 2032))
    specs = {name: driver_spec(scenario["drivers"][name]) for name in DRIVERS}
    scope = {name: specs[name]["scope"] for name in DRIVERS}
    order = ["current_law", "repeal"]
    rng = np.random.default_rng(7)
    paths, worst, clamped, gaps = 200, 0.0, 0, 0
    for practice in practices:
        p = practice_model(scenario, practice, specs, scope, order, years)
        draws = p["sampler"].draw(rng, (n_years, paths))
        z = {n: rng.standard_normal((n_years, paths)) for n in INDEX_DRIVERS if p["noise"][n]}
        w = {n: rng.standard_normal((n_years, paths)) for n in INDEX_DRIVERS}
        clamped += sum(int(np.count_nonzero(p["noise"][n] * z[n] < -0.99)) for n in z)
        clamped += sum(int(np.count_nonzero(p["shared"][n] * w[n] < -0.99)) for n in w)
        vectorised = {(k, t): v for k, t, v in evaluate(p, draws, z, w, order, n_years)}
        for j in range(paths):
            x = {n: draws[n][:, j] for n in DRIVERS}
            reference = reference_path(p, x, {n: z[n][:, j] for n in z}, {n: w[n][:, j] for n in w}, order, n_years)
            for key, values in reference.items():
                for field, value in values.items():
                    got = vectorised[key][field]
                    got = 0.0 if got is None else got[j]   # no cutback array without a response
                    if isinstance(value, (bool, np.bool_)):
                        worst = max(worst, 0.0 if bool(got) == value else math.inf)
                    else:   # MODEL.md §4's scales: base revenue for money, 1 for margins, 365 for days
                        scale = {"margin": 1.0, "days": 365.0}.get(field, 1.5e6)
                        worst = max(worst, abs(got - value) / max(scale, abs(value)))
            if p["response"] is not None:
                previous = [p["base_margin"]] + [reference[("current_law", t)]["margin"] for t in range(n_years - 1)]
                gaps += sum(abs(m - p["response"][1]) > 1 for m in previous)
    check("evaluate() equals the path-by-path float version", worst < 1e-12,
          f"largest difference {worst:.1e} of max(|x|, S) over 3 practices x 200 paths x 2 policies x 5 years "
          f"({clamped} shocks clamped at -0.99, {gaps} margin gaps clamped to +-1)")


def check_zero_keys(check):
    """`noise: 0`, `shared: 0` and `cost_response: {speed: 0}` give the bits
    of their absence (quickstart.yaml: batched and textbook)."""
    scenario = load_with_imports(os.path.join(os.path.dirname(os.path.dirname(HERE)), "scenarios", "quickstart.yaml"))
    zeroed = load_with_imports(os.path.join(os.path.dirname(os.path.dirname(HERE)), "scenarios", "quickstart.yaml"))
    for name in INDEX_DRIVERS:
        zeroed["drivers"][name]["noise"] = 0
    zeroed["drivers"]["volume_growth"]["shared"] = 0.0
    zeroed["cost_response"] = {"speed": 0}
    for textbook, batch in [(False, 700), (True, None)]:
        a = simulate(scenario, 2000, batch=batch, textbook=textbook)
        b = simulate(zeroed, 2000, batch=batch, textbook=textbook)
        cutback = {r["cutback_mean"] for r in a[0].values()} | {r["dcutback_mean"] for r in a[1].values()}
        check(f"zero keys give the bits of no keys ({'textbook' if textbook else 'batched'})",
              a == b and cutback == {0.0}, f"{len(a[0])} summary and {len(a[1])} compare rows equal; "
              f"cutback_mean and dcutback_mean all 0")


def sd(row, paths):
    return row["margin_se"] * math.sqrt(paths)


FLAT = {"baseline": "none", "policies": {"none": {"sequestration": 0.0}}}


def check_shocks(check):
    """Noise and shared shocks on fixed drivers: the sizes MODEL.md's
    equations give, in closed form or by Gauss-Hermite quadrature."""
    paths = 40000
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / weights.sum()
    practice = test_practice("clinic", variable_cost_share=0.0, medicare={"basis": "fee_schedule"})

    # (a) one-off noise on a revenue index (macro): E[margin] = 1 - 1.9 E[1/(2 + n)] < 0.05 (Jensen).
    rows = simulate(test_scenario(fixed_drivers(commercial_rate_growth={"value": 0.0, "noise": 0.1}),
                                  [practice], **FLAT), paths)[0]
    row = rows[("clinic", "none", 2027)]
    exact = 1 - 1.9 * float(np.dot(weights, 1 / (2 + np.maximum(0.1 * nodes, -0.99))))
    check("noise on commercial prices lowers the mean margin (Jensen)",
          abs(row["margin_mean"] - exact) < 4 * row["margin_se"] and (0.05 - row["margin_mean"]) > 5 * row["margin_se"],
          f"mean {row['margin_mean']:.5f} ± {row['margin_se']:.5f}, quadrature {exact:.5f}, without noise 0.05000")

    # (b) one-off noise on labor costs: the mean stays 0.05, the sd is 0.95 s in every year.
    rows = simulate(test_scenario(fixed_drivers(labor_inflation={"value": 0.0, "noise": 0.1, "scope": "practice"}),
                                  [practice], **FLAT), paths)[0]
    first, last = rows[("clinic", "none", 2027)], rows[("clinic", "none", 2029)]
    check("noise on labor leaves the mean margin and adds 0.95 s of spread, year after year",
          all(abs(row["margin_mean"] - 0.05) < 4 * row["margin_se"] for row in (first, last))
          and abs(sd(first, paths) / 0.095 - 1) < 0.03 and abs(sd(last, paths) / 0.095 - 1) < 0.03,
          f"means {first['margin_mean']:.5f}, {last['margin_mean']:.5f}; sd {sd(first, paths):.5f} (2027), "
          f"{sd(last, paths):.5f} (2029), expected 0.09500")

    # (c) a shared shock lasts: margin = 1 - 0.95 S_t, var S_t = (1 + c^2)^t - 1.
    rows = simulate(test_scenario(fixed_drivers(labor_inflation={"value": 0.0, "shared": 0.1, "scope": "practice"}),
                                  [practice], **FLAT), paths)[0]
    got = [sd(rows[("clinic", "none", 2027 + t)], paths) for t in range(3)]
    want = [0.95 * math.sqrt(1.01 ** (t + 1) - 1) for t in range(3)]
    check("a shared shock compounds: the spread grows as sqrt((1 + c^2)^t - 1)",
          all(abs(g / e - 1) < 0.03 for g, e in zip(got, want)),
          "sd " + ", ".join(f"{g:.5f}" for g in got) + " vs " + ", ".join(f"{e:.5f}" for e in want))

    # (d) w is the path's: twins with `shared` only are equal path by path (so every
    # summary number is equal); with practice noise they are not; macro noise is the path's too.
    def twins(drivers):
        rows = simulate(test_scenario(drivers, [practice, dict(practice, id="twin")], **FLAT), 5000)[0]
        return [{c: v for c, v in rows[(pid, "none", 2029)].items() if c != "practice"} for pid in ("clinic", "twin")]
    shared_only = twins(fixed_drivers(volume_growth={"value": 0.0, "shared": 0.2},
                                      labor_inflation={"value": 0.0, "shared": 0.1, "scope": "practice"}))
    noise_only = twins(fixed_drivers(volume_growth={"value": 0.0, "noise": 0.2}))
    macro_noise = twins(fixed_drivers(commercial_rate_growth={"value": 0.0, "noise": 0.2}))
    check("w is common to the practices of a path, z of a practice driver is not, z of a macro driver is",
          shared_only[0] == shared_only[1] and noise_only[0] != noise_only[1] and macro_noise[0] == macro_noise[1],
          f"twins' 2029 margin means: shared {shared_only[0]['margin_mean']:.5f} = "
          f"{shared_only[1]['margin_mean']:.5f}, "
          f"noise {noise_only[0]['margin_mean']:.5f} != {noise_only[1]['margin_mean']:.5f}")

    # (e) a key on one practice's driver changes no other practice's numbers.
    other = dict(practice, id="other", drivers={"volume_growth": {"dist": "normal", "mean": 0.0, "sd": 0.05}})
    drivers = fixed_drivers(volume_growth={"dist": "normal", "mean": 0.0, "sd": 0.05},
                            labor_inflation={"dist": "normal", "mean": 0.03, "sd": 0.01, "scope": "practice"})
    before = simulate(test_scenario(drivers, [practice, other]), 3000)[0]
    keyed = dict(other, drivers={"volume_growth": {"dist": "normal", "mean": 0.0, "sd": 0.05, "noise": 0.1,
                                                   "shared": 0.1},
                                 "labor_inflation": {"dist": "normal", "mean": 0.03, "sd": 0.01, "noise": 0.1}})
    after = simulate(test_scenario(drivers, [practice, keyed]), 3000)[0]
    same = all(before[key] == after[key] for key in before if key[0] == "clinic")
    moved = any(before[key] != after[key] for key in before if key[0] == "other")
    check("noise and shared on one practice leave every other practice's numbers as they were", same and moved)


EXAMPLES = {
    # (year: revenue, costs C_t, margin, cash, cutback, A_t): /tmp/numpy_helper/ledger_example.py, 28 digits.
    "A": [(1980000, 1995000, -0.007575757575757575757575757576, 485000, 0, 1),
          (1980000, 2034446.590909090909090909091, -0.02749827823691460055096418737, 430553.409090909090909090909,
           60303.409090909090909090909, 0.9712121212121212121212121212),
          (1980000, 2053394.213775327526296018031, -0.03706778473501390216970607626, 357159.195315581564613072878,
           146093.286224672473703981969, 0.9335784876137407129142666332)],
    "B": [(2066717.5, 2009962.5, 0.02746142131181450778831649705, 556755, -14962.5, 1.0075),
          (2151483.913837818152456733926, 2114397.383971280091497749449, 0.01723765147766458974461057981,
           593841.529866538060958984477, -19647.383971280091497749449, 1.009379345492913279149182217),
          (2237049.309153204985425141137, 2218584.068766417828885477714, 0.008254284029964830370736224981,
           612306.770253325217498647900, -19096.568766417828885477714, 1.008682281107038721013635092)],
}


def check_cost_response(check):
    """The hand-computed ledgers, then the direction of the response on random drivers."""
    drivers_a = fixed_drivers(labor_inflation=0.05)
    single = {"current_law": {"sequestration": 0.02}}
    example_a = test_scenario(drivers_a, [test_practice("clinic")], cost_response={"speed": 0.5}, policies=single)
    example_b = test_scenario(dict(drivers_a, commercial_rate_growth=0.03),
                              [test_practice("cah", medicare={"basis": "cost_based"},
                                             cost_response={"speed": 0.25, "target": 0.02})],
                              cost_response={"speed": 0.5}, policies=single)
    for label, scenario in [("A", example_a), ("B", example_b)]:
        rows = simulate(scenario, 3)[0]
        worst = 0.0
        for t, (revenue, costs, margin, cash, cutback, factor) in enumerate(EXAMPLES[label]):
            row = next(r for r in rows.values() if r["year"] == 2027 + t)
            c0 = row["costs_mean"] + row["cutback_mean"]
            for got, want, scale in [(row["revenue_mean"], revenue, 2e6), (row["costs_mean"], costs, 2e6),
                                     (row["margin_mean"], margin, 1), (row["cash_mean"], cash, 2e6),
                                     (row["cutback_mean"], cutback, 2e6), (row["costs_mean"] / c0, factor, 1)]:
                worst = max(worst, abs(got - want) / max(abs(want), scale))
        check(f"fixed drivers reproduce hand-computed ledger {label} (cost response, 3 years)", worst < 1e-12,
              f"largest difference {worst:.1e} of max(|x|, S)")

    drivers = fixed_drivers(labor_inflation={"dist": "normal", "mean": 0.05, "sd": 0.01, "scope": "practice"},
                            commercial_rate_growth={"dist": "normal", "mean": 0.02, "sd": 0.01, "scope": "practice"},
                            volume_growth={"dist": "normal", "mean": 0.0, "sd": 0.03, "noise": 0.03})
    years, paths = 5, 20000
    off = simulate(test_scenario(drivers, [test_practice("clinic")], years=years), paths)
    on = simulate(test_scenario(drivers, [test_practice("clinic")], years=years, cost_response={"speed": 0.4}), paths)
    last, first = ("clinic", "current_law", 2031), ("clinic", "repeal", 2027)
    s_off, s_on = off[0][last], on[0][last]
    c_off, c_on = off[1][("clinic", "repeal", 2031)], on[1][("clinic", "repeal", 2031)]
    check("without a response nothing is cut", all(r["cutback_mean"] == 0 for r in off[0].values()))
    check("margins falling below target: the practice cuts, its margin recovers part of the way and spreads less",
          s_on["cutback_mean"] > 0 and s_off["margin_mean"] < s_on["margin_mean"] < 0.05
          and sd(s_on, paths) < sd(s_off, paths) and s_on["costs_mean"] < s_off["costs_mean"],
          f"2031 margin {s_off['margin_mean']:.4f} -> {s_on['margin_mean']:.4f} (target 0.05), sd "
          f"{sd(s_off, paths):.4f} -> {sd(s_on, paths):.4f}, cutback_mean {s_on['cutback_mean']:,.0f}")
    check("repeal: A_2027 is the policies' common start, later the practice cuts less and keeps less of the gain",
          on[1][first]["dcutback_mean"] == 0 and on[1][("clinic", "repeal", 2028)]["dcutback_mean"] == 0
          and c_on["dcutback_mean"] < 0 and 0 < c_on["dmargin_mean"] < c_off["dmargin_mean"],
          f"2031 dmargin {c_off['dmargin_mean']:.5f} -> {c_on['dmargin_mean']:.5f}, "
          f"dcutback_mean {c_on['dcutback_mean']:,.0f} ± {c_on['dcutback_se']:,.0f}")


def check_errors(check):
    """The v1.3 errors MODEL.md names."""
    bad = [("noise on mei", fixed_drivers(mei={"value": 0.0, "noise": 0.1}), {}),
           ("shared on a macro driver", fixed_drivers(labor_inflation={"value": 0.0, "shared": 0.1}), {}),
           ("noise above 1", fixed_drivers(volume_growth={"value": 0.0, "noise": 1.5}), {}),
           ("speed above 1", fixed_drivers(), {"cost_response": {"speed": 1.5}}),
           ("target of 1", fixed_drivers(), {"cost_response": {"speed": 0.5, "target": 1}}),
           ("unknown key", fixed_drivers(), {"cost_response": {"speed": 0.5, "tagret": "base"}})]
    refused = []
    for name, drivers, top in bad:
        try:
            run(test_scenario(drivers, [test_practice("clinic")], **top), 2, 1, 2, False)
        except ValueError:
            refused.append(name)
    check("v1.3 errors are refused", len(refused) == len(bad), ", ".join(refused))


def selftest():
    check = Checks()
    started = time.perf_counter()
    check_against_reference(check)
    check_zero_keys(check)
    check_shocks(check)
    check_cost_response(check)
    check_errors(check)
    print(f"selftest: {len(check.failed)} failed ({time.perf_counter() - started:.1f} s)")
    return not check.failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--paths", type=int)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--batch", type=int, default=1 << 16, help="paths evaluated as one array")
    parser.add_argument("--textbook", action="store_true", help="all paths as one array, exact np.percentile")
    parser.add_argument("--out", default="numpy-out")
    parser.add_argument("--selftest", action="store_true", help="check this implementation (no seqsim needed) and exit")
    args = parser.parse_args()
    if args.selftest:
        raise SystemExit(0 if selftest() else 1)
    if args.scenario is None or args.paths is None:
        parser.error("SCENARIO and --paths are required (or --selftest)")
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
