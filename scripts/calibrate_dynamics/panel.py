"""Panel of hospitals in all three cohort tables (2017, 2019, 2021) and the observed moments.

Reads scenarios/cohorts/us_hospitals_{2017,2019,2021}.csv (the importer's output),
matches by CCN, keeps hospitals whose kind is the same in all three releases.
"""
import csv
import os
import numpy as np

COHORTS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "scenarios", "cohorts", "us_hospitals_{}.csv")
YEARS = (2017, 2019, 2021)
KINDS = ("critical_access_hospital", "rural_pps_hospital", "urban_pps_hospital")
SHORT = {"critical_access_hospital": "CAH", "rural_pps_hospital": "rural PPS",
         "urban_pps_hospital": "urban PPS", "pooled": "pooled"}
REV = ("medicare_ffs", "medicare_advantage", "medicaid", "commercial", "other")
COST = ("labor", "supplies", "other_costs")
FENCE = 3.0  # Tukey far-out fences: Q1 - 3 IQR, Q3 + 3 IQR


def read(year):
    rows = {}
    with open(COHORTS.format(year)) as f:
        lines = (l for l in f if not l.startswith("#"))
        for r in csv.DictReader(lines):
            rows[r["ccn"]] = r
    return rows


def load_panel():
    """Returns dict of arrays: kind (n,), rev[y] (n,5), cost[y] (n,3), cash, days[y], fy_mid[y], ccn."""
    data = {y: read(y) for y in YEARS}
    common = sorted(set(data[2017]) & set(data[2019]) & set(data[2021]))
    # Kind = the 2017 (base-year) kind. Every kind change among these CCNs is a rural <-> urban PPS
    # relabelling (same fee-schedule payment); no CAH converted. They are kept, counted.
    kind_changed = [c for c in common if len({data[y][c]["kind"] for y in YEARS}) > 1]
    basis_changed = [c for c in common if len({data[y][c]["basis"] for y in YEARS}) > 1]
    keep = [c for c in common if c not in set(basis_changed)]
    out = {"ccn": np.array(keep), "kind": np.array([data[2017][c]["kind"] for c in keep]),
           "n_common": len(common), "n_kind_changed": len(kind_changed), "n_basis_changed": len(basis_changed),
           "n_by_year": {y: len(data[y]) for y in YEARS}}
    for y in YEARS:
        d = data[y]
        out[("rev", y)] = np.array([[float(d[c][k]) for k in REV] for c in keep])
        out[("cost", y)] = np.array([[float(d[c][k]) for k in COST] for c in keep])
        out[("cash", y)] = np.array([float(d[c]["cash"]) for c in keep])
        out[("days", y)] = np.array([float(d[c]["patient_days"] or "nan") for c in keep])
    return out


def fences(x):
    q1, q3 = np.nanpercentile(x, [25, 75])
    iqr = q3 - q1
    return q1 - FENCE * iqr, q3 + FENCE * iqr


def inside(x):
    lo, hi = fences(x)
    return np.isfinite(x) & (x >= lo) & (x <= hi)


def _corr(a, b):
    a = a - a.mean(); b = b - b.mean()
    return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))


# Moment names, in table order. "_2a" = 2017->2019, "_2b" = 2019->2021, "_4" = 2017->2021.
MOMENTS = [
    ("sd_dR_2a", "sd 2y dlog revenue 17-19"), ("sd_dR_2b", "sd 2y dlog revenue 19-21"), ("sd_dR_4", "sd 4y dlog revenue 17-21"),
    ("sd_dC_2a", "sd 2y dlog costs 17-19"), ("sd_dC_2b", "sd 2y dlog costs 19-21"), ("sd_dC_4", "sd 4y dlog costs 17-21"),
    ("vr_R", "var ratio 4y/2y revenue"), ("vr_C", "var ratio 4y/2y costs"),
    ("cor_RC_2a", "corr(dR,dC) 2y 17-19"), ("cor_RC_2b", "corr(dR,dC) 2y 19-21"), ("cor_RC_4", "corr(dR,dC) 4y 17-21"),
    ("sd_dY_2a", "sd 2y dlog(R/C) 17-19"), ("sd_dY_2b", "sd 2y dlog(R/C) 19-21"), ("sd_dY_4", "sd 4y dlog(R/C) 17-21"),
    ("ac_M_2a", "margin autocorr 2y 17-19"), ("ac_M_2b", "margin autocorr 2y 19-21"), ("ac_M_4", "margin autocorr 4y 17-21"),
    ("sd_M_17", "xs sd margin 2017"), ("sd_M_19", "xs sd margin 2019"), ("sd_M_21", "xs sd margin 2021"),
    ("cc_R", "corr consecutive dR (17-19 vs 19-21)"), ("cc_C", "corr consecutive dC"), ("cc_Y", "corr consecutive dlog(R/C)"),
    ("cov_RC_x", "corr(dR 17-19, dC 19-21)"), ("cov_CR_x", "corr(dC 17-19, dR 19-21)"),
    ("sd_dD_2a", "sd 2y dlog inpatient days 17-19"), ("sd_dD_2b", "sd 2y dlog inpatient days 19-21"),
    ("sd_dD_4", "sd 4y dlog inpatient days 17-21"),
    ("cor_DR_2a", "corr(dDays,dR) 2y 17-19"), ("cor_DR_2b", "corr(dDays,dR) 2y 19-21"),
    ("cor_DC_2a", "corr(dDays,dC) 2y 17-19"), ("cor_DC_2b", "corr(dDays,dC) 2y 19-21"),
    ("mean_dR_2a", "mean 2y dlog revenue 17-19"), ("mean_dR_2b", "mean 2y dlog revenue 19-21"),
    ("mean_dC_2a", "mean 2y dlog costs 17-19"), ("mean_dC_2b", "mean 2y dlog costs 19-21"),
    ("mean_dD_2a", "mean 2y dlog inpatient days 17-19"), ("mean_dD_2b", "mean 2y dlog inpatient days 19-21"),
    ("med_M_17", "median margin 2017"), ("med_M_19", "median margin 2019"), ("med_M_21", "median margin 2021"),
]
MOMENT_NAMES = [m for m, _ in MOMENTS]
LABEL = dict(MOMENTS)
# The ones used by the 2017->2019-only fit (the others need the 2021 release).
ONLY_17_19 = ["sd_dR_2a", "sd_dC_2a", "cor_RC_2a", "sd_dY_2a", "ac_M_2a", "sd_M_17", "sd_M_19",
              "sd_dD_2a", "cor_DR_2a", "cor_DC_2a", "mean_dR_2a", "mean_dC_2a", "mean_dD_2a", "med_M_17", "med_M_19"]
# Moments in the SMM objective (means and medians are matched separately, variance ratios and the
# 2017 spread are functions of others or fixed by the data the simulation starts from).
OBJECTIVE = [m for m in MOMENT_NAMES if not m.startswith(("mean_", "med_", "vr_")) and m != "sd_M_17"]
OBJECTIVE_17_19 = [m for m in ONLY_17_19 if m in OBJECTIVE]


def trim_mask(R, C):
    """R, C: (n,3) totals for 2017, 2019, 2021. Keep a hospital when every one of its six log changes
    (revenue and costs, 17-19, 19-21, 17-21) lies inside Tukey's 3-IQR fences of that change
    (fences computed over the sample given). One rule for every moment, so all are on one sample."""
    lR, lC = np.log(R), np.log(C)
    keep = np.ones(len(R), bool)
    for l in (lR, lC):
        for a, b in ((0, 1), (1, 2), (0, 2)):
            keep &= inside(l[:, b] - l[:, a])
    return keep


def moments(R, C, D=None, keep=None):
    """Moments of a panel of totals R, C (n,3) for 2017, 2019, 2021 (and inpatient days D, optional);
    trimming per trim_mask unless keep is given. Margins: (R - C) / R. Days moments use the kept
    hospitals with days > 0 in all three reports whose three days changes are inside their own fences."""
    if keep is None:
        keep = trim_mask(R, C)
    R, C = R[keep], C[keep]
    m = {}
    if D is not None:
        D = D[keep]
        ok = np.all(D > 0, 1)
        lD = np.log(np.where(ok[:, None], D, 1.0))
        ch = [lD[:, 1] - lD[:, 0], lD[:, 2] - lD[:, 1], lD[:, 2] - lD[:, 0]]
        for c in ch:
            ok &= inside(np.where(ok, c, np.nan))
        lRk, lCk = np.log(R[ok]), np.log(C[ok])
        c1, c2, c4 = (c[ok] for c in ch)
        m["sd_dD_2a"], m["sd_dD_2b"], m["sd_dD_4"] = c1.std(ddof=1), c2.std(ddof=1), c4.std(ddof=1)
        m["cor_DR_2a"] = _corr(c1, lRk[:, 1] - lRk[:, 0]); m["cor_DR_2b"] = _corr(c2, lRk[:, 2] - lRk[:, 1])
        m["cor_DC_2a"] = _corr(c1, lCk[:, 1] - lCk[:, 0]); m["cor_DC_2b"] = _corr(c2, lCk[:, 2] - lCk[:, 1])
        m["mean_dD_2a"], m["mean_dD_2b"] = c1.mean(), c2.mean()
    lR, lC = np.log(R), np.log(C)
    Y = lR - lC
    M = (R - C) / R
    d = lambda l, a, b: l[:, b] - l[:, a]
    for nm, l in (("R", lR), ("C", lC), ("Y", Y)):
        m[f"sd_d{nm}_2a"] = d(l, 0, 1).std(ddof=1)
        m[f"sd_d{nm}_2b"] = d(l, 1, 2).std(ddof=1)
        m[f"sd_d{nm}_4"] = d(l, 0, 2).std(ddof=1)
    m["vr_R"] = m["sd_dR_4"] ** 2 / (0.5 * (m["sd_dR_2a"] ** 2 + m["sd_dR_2b"] ** 2))
    m["vr_C"] = m["sd_dC_4"] ** 2 / (0.5 * (m["sd_dC_2a"] ** 2 + m["sd_dC_2b"] ** 2))
    m["cor_RC_2a"] = _corr(d(lR, 0, 1), d(lC, 0, 1))
    m["cor_RC_2b"] = _corr(d(lR, 1, 2), d(lC, 1, 2))
    m["cor_RC_4"] = _corr(d(lR, 0, 2), d(lC, 0, 2))
    m["ac_M_2a"] = _corr(M[:, 0], M[:, 1])
    m["ac_M_2b"] = _corr(M[:, 1], M[:, 2])
    m["ac_M_4"] = _corr(M[:, 0], M[:, 2])
    for i, y in enumerate(("17", "19", "21")):
        m[f"sd_M_{y}"] = M[:, i].std(ddof=1)
        m[f"med_M_{y}"] = np.median(M[:, i])
    m["cc_R"] = _corr(d(lR, 0, 1), d(lR, 1, 2))
    m["cc_C"] = _corr(d(lC, 0, 1), d(lC, 1, 2))
    m["cc_Y"] = _corr(d(Y, 0, 1), d(Y, 1, 2))
    m["cov_RC_x"] = _corr(d(lR, 0, 1), d(lC, 1, 2))
    m["cov_CR_x"] = _corr(d(lC, 0, 1), d(lR, 1, 2))
    m["mean_dR_2a"] = d(lR, 0, 1).mean(); m["mean_dR_2b"] = d(lR, 1, 2).mean()
    m["mean_dC_2a"] = d(lC, 0, 1).mean(); m["mean_dC_2b"] = d(lC, 1, 2).mean()
    return {k: float(v) for k, v in m.items()}


def totals(p):
    R = np.stack([p[("rev", y)].sum(1) for y in YEARS], 1)
    C = np.stack([p[("cost", y)].sum(1) for y in YEARS], 1)
    D = np.stack([p[("days", y)] for y in YEARS], 1)
    return R, C, D


def bootstrap(R, C, D, B=200, seed=1):
    """Bootstrap over hospitals (trimming redone in each resample): sd of each moment."""
    rng = np.random.default_rng(seed)
    n = len(R)
    draws = []
    for _ in range(B):
        i = rng.integers(0, n, n)
        mm = moments(R[i], C[i], D[i])
        draws.append([mm[k] for k in MOMENT_NAMES])
    return dict(zip(MOMENT_NAMES, np.array(draws).std(0, ddof=1)))


if __name__ == "__main__":
    p = load_panel()
    R, C, D = totals(p)
    print("common CCNs", p["n_common"], "kind changed", p["n_kind_changed"], "basis changed", p["n_basis_changed"], "panel", len(R))
    groups = [("pooled", np.ones(len(R), bool))] + [(k, p["kind"] == k) for k in KINDS]
    res = {}
    for g, sel in groups:
        keep = trim_mask(R[sel], C[sel])
        res[g] = moments(R[sel], C[sel], D[sel])
        print(g, sel.sum(), "kept", keep.sum())
    print(f"{'moment':40s}" + "".join(f"{SHORT[g]:>11s}" for g, _ in groups))
    for k in MOMENT_NAMES:
        print(f"{LABEL[k]:40s}" + "".join(f"{res[g][k]:11.3f}" for g, _ in groups))
