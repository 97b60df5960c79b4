"""MODEL.md section 2-3 accounting, reduced to what these moments need, vectorised over hospitals.

Per hospital (its base-year row) and year t = 1..T (years after the base report):
  drivers (practice scope), each X_t = X_{t-1} (1 + x_t), x_t ~ N(mu, sd), index = X_t (1 + s z_t):
    V  (volume_growth)                           sd_v, noise n_v
    Pc (commercial_rate_growth, commercial+other) sd_p, noise n_p   } tied: one sd and one noise
    Pd (medicaid_rate_growth)                     sd_p, noise n_p   } for both, independent draws
    I_labor, I_supplies, I_other                  sd_c, noise n_c   tied: one sd, one noise; draws
                                                                     correlated RHO_COST_LINES with
                                                                     one another, noise independent
  copula: corr(Pc, I_k) = corr(Pd, I_k) = rho_pc; every other pair 0.
  Pm: the realised Medicare updates (macro, fixed); no MA migration (ma_shift 0); no change of
  sequestration from the base year (the base amounts are already net of the 2% cut, which ran
  through 2019; its 2020-21 suspension is left to the means).
  C0 = sum_k cost_k I_k (1 - vcs + vcs V),  A_t = A_{t-1} (1 + kappa clamp(M_{t-1} - target, -1, 1))
  C = A C0;  FFS = ffs V Pm (fee schedule) or ffs C / C_base (cost based: critical access)
  REV = FFS + ma V Pm + medicaid V Pd + (commercial + other) V Pc;  M = (REV - C) / REV
  inpatient days (only to identify V): DAYS = days_base * V * W, W a random walk of its own
  (log W_t = log W_{t-1} + mu_d + sd_d e_t): days are not the model's volume, they load on it.
"""
import numpy as np

VCS = 0.35                 # variable_cost_share: the bundled scenarios' assumption
RHO_COST_LINES = 0.9       # assumption: the three cost drivers move together (only their total is observed)
MEDICARE_UPDATE = np.array([0.0181, 0.0185, 0.031, 0.029])  # IPPS FY2018-FY2021 (backtest scenarios' sources)
# National-trend means (the backtest scenarios' published figures), per 2-year period (2018-19, 2020-21):
TREND = {
    "v": (0.0, 0.0),                 # assumption, as the backtest scenarios
    "pc": (0.0698, 0.0698),          # HCCI commercial hospital prices 2015-2019, 6.98%/yr
    "pd": (0.015, 0.015),            # assumption (us_hospitals.yaml)
    "c": ((0.0305, 0.021, 0.021),    # ECI wages 2018-19; CPI-U 2018-19 for supplies and other
          (0.0355, 0.0295, 0.0295)), # ECI 2020-21; CPI-U 2020-21 (2021 NOT VERIFIED in the project)
    "d": (0.0, 0.0),
}
PARAMS = ["sd_v", "n_v", "sd_p", "n_p", "sd_c", "n_c", "rho_pc", "kappa", "w", "sd_d"]


class Base:
    """The base-year rows of a set of hospitals."""

    def __init__(self, rev, cost, days, kind, kind_median=None):
        self.ffs, self.ma, self.mcd = rev[:, 0], rev[:, 1], rev[:, 2]
        self.com = rev[:, 3] + rev[:, 4]
        self.cost = cost
        self.cbase = cost.sum(1)
        self.days = np.where(np.isfinite(days) & (days > 0), days, np.nan)
        self.cost_based = kind == "critical_access_hospital"
        r = rev.sum(1)
        self.margin = (r - self.cbase) / r
        self.kind = kind
        if kind_median is None:
            kind_median = {k: np.median(self.margin[kind == k]) for k in np.unique(kind)}
        self.kind_median = np.array([kind_median[k] for k in kind])
        self.n = len(r)

    def with_margin(self, m):
        """The same rows with costs rescaled so that the base margin is m (revenue unchanged)."""
        b = Base.__new__(Base)
        b.__dict__.update(self.__dict__)
        r = self.ffs + self.ma + self.mcd + self.com
        scale = (1 - m) * r / self.cbase
        b.cost = self.cost * scale[:, None]
        b.cbase = b.cost.sum(1)
        b.margin = (r - b.cbase) / r
        return b


def correlation(rho):
    """Copula matrix over (v, pc, pd, labor, supplies, other)."""
    K = np.eye(6)
    for i in range(3, 6):
        for j in range(3, 6):
            if i != j:
                K[i, j] = RHO_COST_LINES
        for p in (1, 2):
            K[p, i] = K[i, p] = rho
    return K


class Draws:
    """Common random numbers: iid standard normals, fixed for a fit."""

    def __init__(self, n, reps, T=4, seed=20261127):
        rng = np.random.default_rng(seed)
        N = n * reps
        self.idx = np.tile(np.arange(n), reps)   # hospital of each simulated unit
        self.reps = reps
        self.Z = rng.standard_normal((T, N, 6)).astype(np.float64)   # driver draws
        self.Zn = rng.standard_normal((T, N, 6))                      # noise (one per driver)
        self.Zd = rng.standard_normal((T, N))                         # days walk
        self.T = T


def simulate(base, th, means, draws, target="base", years_out=(2, 4), start=0):
    """Simulate; returns dict with R, C, D, M of shape (N, len(years_out)+1) (column 0 = base).
    th: dict of PARAMS. means: dict v, pc, pd, d: (p1, p2); c: ((lab, sup, oth), (lab, sup, oth)).
    target: 'base' | 'median' | 'shrink' (kind median + w (base margin - kind median)).
    start: years after 2017 of the base row (0: from 2017; 2: from 2019, using the 2020-21 means)."""
    idx = draws.idx
    N = len(idx)
    ffs, ma, mcd, com = base.ffs[idx], base.ma[idx], base.mcd[idx], base.com[idx]
    cost, cbase, cb = base.cost[idx], base.cbase[idx], base.cost_based[idx]
    m0 = base.margin[idx]
    anchor = getattr(base, "anchor", base.margin)[idx]   # the level a target is built from
    if target == "base":
        tau = anchor
    elif target == "median":
        tau = base.kind_median[idx]
    elif target == "shrink":
        tau = base.kind_median[idx] + th["w"] * (anchor - base.kind_median[idx])
    else:
        tau = np.full(N, float(target))
    L = np.linalg.cholesky(correlation(th["rho_pc"]))
    sd = np.array([th["sd_v"], th["sd_p"], th["sd_p"], th["sd_c"], th["sd_c"], th["sd_c"]])
    nz = np.array([th["n_v"], th["n_p"], th["n_p"], th["n_c"], th["n_c"], th["n_c"]])
    X = np.ones((N, 6))
    A = np.ones(N)
    Pm = 1.0
    W = np.zeros(N)
    Mprev = m0
    rev0 = ffs + ma + mcd + com
    out = {k: [v] for k, v in (("R", rev0), ("C", cbase), ("D", base.days[idx]), ("M", m0))}
    for t in range(draws.T):
        ta = t + start
        p = 0 if ta < 2 else 1
        mu = np.array([means["v"][p], means["pc"][p], means["pd"][p], *means["c"][p]])
        E = draws.Z[t] @ L.T
        Zn = draws.Zn[t]
        x = np.maximum(mu + sd * E, -0.99)
        X *= 1 + x
        I = X * (1 + np.maximum(nz * Zn, -0.99))
        V, Pc, Pd = I[:, 0], I[:, 1], I[:, 2]
        vcs = th.get("vcs", VCS)
        C0 = (cost * I[:, 3:6]).sum(1) * (1 - vcs + vcs * V)
        A = A * (1 + th["kappa"] * np.clip(Mprev - tau, -1, 1))
        C = A * C0
        Pm *= 1 + MEDICARE_UPDATE[ta]
        B = np.where(cb, ffs * C / cbase, ffs * V * Pm)
        REV = B + ma * V * Pm + mcd * V * Pd + com * V * Pc
        M = (REV - C) / REV
        Mprev = M
        W = W + means["d"][p] + th["sd_d"] * draws.Zd[t]
        if t + 1 in years_out:
            out["R"].append(REV); out["C"].append(C)
            out["D"].append(base.days[idx] * V * np.exp(W))
            out["M"].append(M)
    return {k: np.stack(v, 1) for k, v in out.items()}
