"""Per-hospital predictive checks with the fitted dynamics (reads results_<kind>.json from fit.py).

  python3 predict.py        # writes predict.json

1. Coverage / PIT: every panel hospital (no trimming: outliers are outcomes too) simulated K paths
   forward from its 2017 row with its kind's fit; the 50% and 90% central intervals of the margin in
   2019 and 2021 are scored against the reported margins; PIT decile shares. Means: 'matched' (the
   fit's means, which reproduce the realised mean changes: in sample) and 'trend' (national figures,
   sim.TREND). A one-off reporting noise N(0, s_m) is added to every simulated reported margin for a
   grid of s_m, to find the s_m the goals need.
2. Lasting level: 2021 predicted from the 2019 rows (2 years) starting from (a) the latest report's
   margin, (b) the average of the 2017 and 2019 margins (costs rescaled, revenue kept); also the OLS
   weights of M2021 on M2017 and M2019 (measured).
"""
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

import panel as P
import sim as S

K = 400
CHUNK = 300
SM_GRID = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08]
TREND_MEANS = {"v": list(S.TREND["v"]), "pc": list(S.TREND["pc"]), "pd": list(S.TREND["pd"]),
               "c": [list(S.TREND["c"][0]), list(S.TREND["c"][1])], "d": list(S.TREND["d"])}


def load_fits():
    return {k: json.load(open(f"results_{k}.json")) for k in P.KINDS}


def margins(p, y):
    r = p[("rev", y)].sum(1)
    return (r - p[("cost", y)].sum(1)) / r


def simulate_all(p, fits, variant, means_kind, base_year=2017, base_margin=None, T=4, years_out=(2, 4),
                 start=0, theta_key="fits", seed=11, anchor=None):
    """Simulated margins, shape (n, K, len(years_out)), every panel hospital with its kind's fit."""
    n = len(p["kind"])
    out = np.empty((n, K, len(years_out)))
    for kind in P.KINDS:
        G = fits[kind]
        f = G[theta_key][variant] if theta_key == "fits" else G[theta_key]
        th, rule = f["theta"], f["target"]
        means = f.get("means_all", f["means"]) if means_kind == "matched" else TREND_MEANS
        idx = np.where(p["kind"] == kind)[0]
        rev, cost = p[("rev", base_year)][idx], p[("cost", base_year)][idx]
        b_all = S.Base(rev, cost, p[("days", base_year)][idx], p["kind"][idx])
        if base_margin is not None:
            b_all = b_all.with_margin(base_margin[idx])
            b_all.kind_median = np.full(len(idx), np.median(b_all.margin))
        if anchor is not None:
            b_all.anchor = anchor[idx]
            b_all.kind_median = np.full(len(idx), np.median(anchor[idx]))
        for c0 in range(0, len(idx), CHUNK):
            sl = slice(c0, c0 + CHUNK)
            b = S.Base.__new__(S.Base)
            b.__dict__.update({k: (v[sl] if isinstance(v, np.ndarray) else v) for k, v in b_all.__dict__.items()})
            b.n = len(b.margin)
            d = S.Draws(b.n, K, T=T, seed=seed + c0)
            o = S.simulate(b, th, means, d, rule, years_out=years_out, start=start)
            M = o["M"][:, 1:]                       # (b.n*K, years); unit j = hospital j % b.n
            out[idx[sl]] = M.reshape(K, b.n, -1).transpose(1, 0, 2)
    return out


def crps(ens, y):
    """CRPS of ensembles (n, K) against outcomes (n,)."""
    x = np.sort(ens, 1)
    k = x.shape[1]
    i = np.arange(1, k + 1)
    return np.abs(x - y[:, None]).mean(1) - ((2 * i - k - 1) * x).sum(1) / k ** 2


def score(ens, y, rng, sm=0.0):
    """Coverage of central 50/90% intervals, PIT decile shares, CRPS and |median - y|."""
    if sm > 0:
        ens = ens + sm * rng.standard_normal(ens.shape)
    q = np.quantile(ens, [0.05, 0.25, 0.5, 0.75, 0.95], axis=1)
    pit = (ens < y[:, None]).mean(1)
    dec = np.histogram(np.clip(pit, 0, 1 - 1e-12), bins=np.linspace(0, 1, 11))[0] / len(y)
    return {"cov50": float(((y >= q[1]) & (y <= q[3])).mean()), "cov90": float(((y >= q[0]) & (y <= q[4])).mean()),
            "pit": dec.tolist(), "crps": float(crps(ens, y).mean()), "mae_median": float(np.abs(q[2] - y).mean()),
            "n": int(len(y)), "pit_values": pit}


def groups(p):
    return [("all", np.ones(len(p["kind"]), bool))] + [(k, p["kind"] == k) for k in P.KINDS]


def main():
    p = P.load_panel()
    fits = load_fits()
    m17, m19, m21 = margins(p, 2017), margins(p, 2019), margins(p, 2021)
    rng = np.random.default_rng(5)
    res = {"coverage": {}, "lasting": {}, "size": {}}
    # 1. coverage from 2017, for each rule and mean setting (s_m grid for the main one)
    for variant in ("shrink", "base", "median", "shrink_vcs"):
        for mk in ("matched", "trend"):
            if variant != "shrink" and mk == "trend":
                continue
            ens = simulate_all(p, fits, variant, mk)
            grid = SM_GRID if (variant == "shrink" or mk == "matched") else [0.0]
            for sm in grid:
                for yi, (yname, y) in enumerate((("2019", m19), ("2021", m21))):
                    for g, sel in groups(p):
                        s = score(ens[sel, :, yi], y[sel], rng, sm)
                        s.pop("pit_values")
                        res["coverage"][f"{variant}|{mk}|{sm}|{yname}|{g}"] = s
            if variant == "shrink" and mk == "matched":
                # a heavy-tailed report noise: with probability pi a report carries a N(0, s) one-off
                for pi in (0.03, 0.05, 0.1):
                    for sb in (0.1, 0.2):
                        for yi, (yname, y) in enumerate((("2019", m19), ("2021", m21))):
                            e = ens[:, :, yi]
                            e = e + (rng.random(e.shape) < pi) * sb * rng.standard_normal(e.shape)
                            for g, sel in groups(p):
                                s = score(e[sel], y[sel], rng, 0.0)
                                s.pop("pit_values")
                                res["coverage"][f"mix{pi}x{sb}|{mk}|0.0|{yname}|{g}"] = s
                # by size (revenue tercile within kind), s_m = 0: heteroskedasticity check
                r17 = p[("rev", 2017)].sum(1)
                for kind in P.KINDS:
                    sel = p["kind"] == kind
                    t = np.quantile(r17[sel], [1 / 3, 2 / 3])
                    for ti, (lo, hi) in enumerate(((-np.inf, t[0]), (t[0], t[1]), (t[1], np.inf))):
                        s2 = sel & (r17 > lo) & (r17 <= hi)
                        for yi, (yname, y) in enumerate((("2019", m19), ("2021", m21))):
                            s = score(ens[s2, :, yi], y[s2], rng, 0.0)
                            s.pop("pit_values")
                            res["size"][f"{kind}|{ti}|{yname}"] = s
            print("coverage", variant, mk, flush=True)
    # 2. lasting level, predicting 2021 from the 2019 rows
    X = np.column_stack([np.ones_like(m17), m17, m19])
    for g, sel in groups(p):
        b, *_ = np.linalg.lstsq(X[sel], m21[sel], rcond=None)
        resid = m21[sel] - X[sel] @ b
        res["lasting"][f"ols|{g}"] = {"const": b[0], "b2017": b[1], "b2019": b[2], "resid_sd": float(resid.std()),
                                      "persist_sd": float((m21[sel] - m19[sel]).std()),
                                      "avg_sd": float((m21[sel] - (m17[sel] + m19[sel]) / 2).std())}
    avg = (m17 + m19) / 2
    w30 = 0.3 * m17 + 0.7 * m19
    starts = (("latest", None, None), ("avg1719", avg, None), ("w30_70", w30, None),
              ("latest_target_avg", None, avg))
    for fitname, variant, tk in (("full", "shrink", "fits"), ("oos", None, "oos")):
        for startname, bm, anc in starts:
            ens = simulate_all(p, fits, variant, "matched", base_year=2019, base_margin=bm, T=2,
                               years_out=(2,), start=2, theta_key=tk, anchor=anc)[:, :, 0]
            for sm in (0.0, 0.02, 0.03, 0.04):
                for g, sel in groups(p):
                    s = score(ens[sel], m21[sel], rng, sm)
                    s.pop("pit_values")
                    res["lasting"][f"{fitname}|{startname}|{sm}|{g}"] = s
            print("lasting", fitname, startname, flush=True)
    for g, sel in groups(p):
        res["lasting"][f"persistence|{g}"] = {"crps_latest": float(np.abs(m21[sel] - m19[sel]).mean()),
                                             "crps_avg": float(np.abs(m21[sel] - avg[sel]).mean()),
                                             "crps_w30_70": float(np.abs(m21[sel] - w30[sel]).mean())}
    # size: the measured spread of 2-year margin changes by revenue tercile within kind
    R, C, D = P.totals(p)
    for kind in P.KINDS:
        sel = p["kind"] == kind
        r, c = R[sel], C[sel]
        keep = P.trim_mask(r, c)
        r, c = r[keep], c[keep]
        y = np.log(r) - np.log(c)
        t = np.quantile(r[:, 0], [1 / 3, 2 / 3])
        tier = np.digitize(r[:, 0], t)
        for ti in range(3):
            s = tier == ti
            res["size"][f"measured|{kind}|{ti}"] = {
                "median_revenue": float(np.median(r[s, 0])), "sd_dY_2a": float((y[s, 1] - y[s, 0]).std(ddof=1)),
                "sd_dY_4": float((y[s, 2] - y[s, 0]).std(ddof=1)),
                "sd_dR_2a": float(np.log(r[s, 1] / r[s, 0]).std(ddof=1)),
                "sd_dC_2a": float(np.log(c[s, 1] / c[s, 0]).std(ddof=1))}
    with open("predict.json", "w") as f:
        json.dump(res, f, indent=1, default=float)


if __name__ == "__main__":
    main()
