"""Simulated method of moments fit of the v1.3 dynamics to the 2017/2019/2021 cohort panel.

  python3 fit.py            # every fit; writes results.json (a few minutes on one core)

Method: for each group (pooled, and each kind) and each target rule (base, kind median, shrink),
minimise J(theta) = sum_m ((sim_m(theta) - obs_m) / se_m)^2 over the moments in panel.OBJECTIVE,
se_m the bootstrap standard deviation of the observed moment (200 resamples of hospitals,
trimming redone in each), i.e. a diagonal inverse-variance weight. The simulation starts from each
hospital's own 2017 row, REPS replicates per hospital, with common random numbers (one fixed set of
standard normals for every evaluation). The drivers' means are not in theta: for each theta they
are solved so that the simulated mean 2-year log changes of revenue, costs and inpatient days
match the observed ones in each period (price mean, cost mean, days drift; volume mean 0).
Optimiser: Nelder-Mead (scipy), restarted once from its own optimum.
"""
import json
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np
from scipy.optimize import minimize

import panel as P
import sim as S

REPS = {"pooled": 4, "critical_access_hospital": 10, "rural_pps_hospital": 12, "urban_pps_hospital": 6}
START = dict(sd_v=0.04, n_v=0.01, sd_p=0.05, n_p=0.01, sd_c=0.05, n_c=0.01, rho_pc=0.3, kappa=0.3,
             w=0.7, sd_d=0.08)


def group_data(p, g):
    sel = np.ones(len(p["kind"]), bool) if g == "pooled" else p["kind"] == g
    R, C, D = P.totals(p)
    kinds_all = p["kind"]
    kmed = {k: float(np.median(((p[("rev", 2017)].sum(1) - p[("cost", 2017)].sum(1)) / p[("rev", 2017)].sum(1))[kinds_all == k]))
            for k in P.KINDS}
    base = S.Base(p[("rev", 2017)][sel], p[("cost", 2017)][sel], p[("days", 2017)][sel], kinds_all[sel], kmed)
    return sel, R[sel], C[sel], D[sel], base


def to_theta(x, free, fixed):
    th = dict(fixed)
    for k, v in zip(free, x):
        if k == "rho_pc":
            th[k] = 0.68 * np.tanh(v)
        elif k in ("kappa", "w", "vcs"):
            th[k] = float(min(abs(v), 1.0))
        else:
            th[k] = float(abs(v))
    return th


def from_theta(th, free):
    return np.array([np.arctanh(th[k] / 0.68) if k == "rho_pc" else th[k] for k in free])


def price_share(base):
    r = base.ffs + base.ma + base.mcd + base.com
    return float(((base.mcd + base.com) / r).mean())


def sim_moments(base, th, means, draws, target, keep_obs):
    """Moments of a simulated panel: a replicate is kept when its hospital's reported changes were
    (the trimming rule is applied to the real hospitals, and their replicates share it)."""
    out = S.simulate(base, th, means, draws, target)
    return P.moments(out["R"], out["C"], out["D"], keep=keep_obs[draws.idx]), out


def solve_means(base, th, draws, target, obs, periods=(0, 1), means=None, iters=8, keep_obs=None):
    """Driver means (per period) so that simulated mean log changes match the observed ones."""
    if means is None:
        means = {"v": [0.0, 0.0], "pc": [0.05, 0.05], "pd": [0.05, 0.05],
                 "c": [[0.035] * 3, [0.05] * 3], "d": [0.0, 0.0]}
    means = json.loads(json.dumps(means))
    sp = price_share(base)
    for _ in range(iters):
        m, _ = sim_moments(base, th, means, draws, target, keep_obs)
        for p in periods:
            s = "ab"[p]
            dR = obs[f"mean_dR_2{s}"] - m[f"mean_dR_2{s}"]
            dC = obs[f"mean_dC_2{s}"] - m[f"mean_dC_2{s}"]
            dD = obs[f"mean_dD_2{s}"] - m[f"mean_dD_2{s}"]
            means["c"][p] = [c + dC / 2 for c in means["c"][p]]
            means["pc"][p] += (dR - 0.5 * dC) / 2 / sp   # cost-based FFS and the response follow costs
            means["pd"][p] = means["pc"][p]
            means["d"][p] += dD / 2
        if 1 not in periods:   # 17->19 only: carry the first period's means into the second
            for k in ("pc", "pd", "d", "c"):
                means[k][1] = means[k][0]
    return means


def objective_factory(base, draws, target, obs, se, names, free, fixed, means_box, log, keep_obs):
    def J(x):
        th = to_theta(x, free, fixed)
        m, _ = sim_moments(base, th, means_box[0], draws, target, keep_obs)
        val = sum(((m[k] - obs[k]) / se[k]) ** 2 for k in names)
        log.append(val)
        return val if np.isfinite(val) else 1e12
    return J


def fit(base, draws, target, obs, se, names, free, fixed, keep_obs, periods=(0, 1), start=None):
    th0 = dict(START if start is None else start)
    th0.update(fixed)
    means = solve_means(base, th0, draws, target, obs, periods, keep_obs=keep_obs)
    box = [means]
    log = []
    x = from_theta(th0, free)
    for rnd in range(3):
        J = objective_factory(base, draws, target, obs, se, names, free, fixed, box, log, keep_obs)
        res = minimize(J, x, method="Nelder-Mead",
                       options={"maxfev": 1500 if rnd == 0 else 800, "xatol": 1e-4, "fatol": 1e-3, "adaptive": True})
        x = res.x
        th = to_theta(x, free, fixed)
        box[0] = solve_means(base, th, draws, target, obs, periods, box[0], iters=4, keep_obs=keep_obs)
    th = to_theta(x, free, fixed)
    m, _ = sim_moments(base, th, box[0], draws, target, keep_obs)
    Jv = sum(((m[k] - obs[k]) / se[k]) ** 2 for k in names)
    return {"theta": th, "means": box[0], "J": Jv, "evals": len(log), "sim": m, "target": target,
            "moments_fitted": names, "free": free}


def main():
    t0 = time.time()
    p = P.load_panel()
    results = {"panel": {"n_common": p["n_common"], "n_kind_changed": p["n_kind_changed"],
                         "n_basis_changed": p["n_basis_changed"], "n": int(len(p["kind"]))},
               "groups": {}}
    only = sys.argv[1:] or ["pooled", *P.KINDS]
    for g in only:
        sel, R, C, D, base = group_data(p, g)
        obs = P.moments(R, C, D)
        se = P.bootstrap(R, C, D, B=200)
        keep = P.trim_mask(R, C)
        G = {"n": int(sel.sum()), "kept": int(keep.sum()), "obs": obs, "se": se, "fits": {}}
        draws = S.Draws(base.n, REPS[g])
        all_free = [k for k in S.PARAMS]
        variants = [("shrink", "shrink", {}), ("base", "base", {"w": 1.0}), ("median", "median", {"w": 0.0}),
                    ("shrink_vcs", "shrink", {"vcs": None})]
        for name, rule, fixed in variants:
            fixed = dict(fixed)
            extra = [k for k, v in fixed.items() if v is None]
            for k in extra:
                fixed.pop(k)
            free = [k for k in all_free if k not in fixed] + extra
            start = dict(START, vcs=0.35)
            r = fit(base, draws, rule, obs, se, P.OBJECTIVE, free, fixed, keep, start=start)
            r["variant"] = name
            G["fits"][name] = r
            print(f"[{time.time()-t0:6.0f}s] {g} {name}: J={r['J']:.1f} evals={r['evals']} "
                  + " ".join(f"{k}={v:.3f}" for k, v in r["theta"].items()), flush=True)
        # Out of sample: fit on 2017->2019 only (one interval cannot split noise from sd: noise 0),
        # with the rule that fits best in sample.
        best = min(("shrink", "base", "median"), key=lambda k: G["fits"][k]["J"])
        fixed = {"n_v": 0.0, "n_p": 0.0, "n_c": 0.0}
        if best == "base":
            fixed["w"] = 1.0
        if best == "median":
            fixed["w"] = 0.0
        free = [k for k in all_free if k not in fixed]
        r = fit(base, draws, best, obs, se, P.OBJECTIVE_17_19, free, fixed, keep, periods=(0,))
        # its predictions of every moment, with the second period's means matched (in sample) so the
        # check is on the dispersion dynamics, not on the pandemic years' mean growth
        means2 = solve_means(base, r["theta"], draws, best, obs, (0, 1), r["means"], iters=6, keep_obs=keep)
        means2 = {k: ([r["means"][k][0], means2[k][1]]) for k in means2}
        r["sim_all"], _ = sim_moments(base, r["theta"], means2, draws, best, keep)
        r["means_all"] = means2
        # and from the 2019 rows, 2 years forward: the 2019->2021 moments proper
        base19 = S.Base(p[("rev", 2019)][sel], p[("cost", 2019)][sel], p[("days", 2019)][sel],
                        p["kind"][sel], {k: float(np.median(base.margin[base.kind == k]))
                                         for k in np.unique(base.kind)})
        base19.kind_median = np.array([np.median(base19.margin[base19.kind == k]) for k in base19.kind])
        d2 = S.Draws(base19.n, REPS[g], T=2, seed=7)
        o2 = S.simulate(base19, r["theta"], means2, d2, best, years_out=(1, 2), start=2)
        # columns: 2019, 2020, 2021 -> use 2019 and 2021
        R2, C2 = o2["R"][:, [0, 2]], o2["C"][:, [0, 2]]
        keep2 = keep[d2.idx]
        lR, lC = np.log(R2[keep2]), np.log(C2[keep2])
        M2 = (R2[keep2] - C2[keep2]) / R2[keep2]
        cor = lambda a, b: float(np.corrcoef(a, b)[0, 1])
        r["from2019"] = {"sd_dR_2b": float((lR[:, 1] - lR[:, 0]).std(ddof=1)),
                         "sd_dC_2b": float((lC[:, 1] - lC[:, 0]).std(ddof=1)),
                         "cor_RC_2b": cor(lR[:, 1] - lR[:, 0], lC[:, 1] - lC[:, 0]),
                         "sd_dY_2b": float(((lR - lC)[:, 1] - (lR - lC)[:, 0]).std(ddof=1)),
                         "ac_M_2b": cor(M2[:, 0], M2[:, 1]), "sd_M_21": float(M2[:, 1].std(ddof=1))}
        G["oos"] = r
        print(f"[{time.time()-t0:6.0f}s] {g} 17->19 only ({best}): J={r['J']:.1f} "
              + " ".join(f"{k}={v:.3f}" for k, v in r["theta"].items()), flush=True)
        results["groups"][g] = G
        with open(f"results_{g}.json", "w") as f:
            json.dump(G, f, indent=1, default=float)
    print(f"done in {time.time()-t0:.0f}s")


if __name__ == "__main__":
    main()
