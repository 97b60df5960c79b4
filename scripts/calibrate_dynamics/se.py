"""Standard errors of the main (target: shrink) fits by the SMM sandwich, and a restart check.

  python3 se.py      # reads results_<group>.json, writes se.json

Var(theta) = (G'WG)^-1 G'W Omega W G (G'WG)^-1 (1 + 1/REPS), G the Jacobian of the simulated
moments (central differences, common random numbers), W = diag(1/se^2) the fit's weights, Omega the
full bootstrap covariance of the observed moments (200 resamples of hospitals). Parameters at a
bound (noise ~ 0) get no meaningful standard error. The restart refits from a different start.
"""
import json
import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np

import fit as F
import panel as P
import sim as S

ALT_START = dict(sd_v=0.03, n_v=0.05, sd_p=0.08, n_p=0.05, sd_c=0.04, n_c=0.05, rho_pc=0.0, kappa=0.5,
                 w=0.5, sd_d=0.1, vcs=0.35)


def main():
    p = P.load_panel()
    out = {}
    for g in ["pooled", *P.KINDS]:
        G = json.load(open(f"results_{g}.json"))
        sel, R, C, D, base = F.group_data(p, g)
        keep = P.trim_mask(R, C)
        f = G["fits"]["shrink"]
        th, means, names, free = f["theta"], f["means"], f["moments_fitted"], f["free"]
        draws = S.Draws(base.n, F.REPS[g])
        rng = np.random.default_rng(2)
        boots = []
        for _ in range(200):
            i = rng.integers(0, len(R), len(R))
            m = P.moments(R[i], C[i], D[i])
            boots.append([m[k] for k in names])
        Om = np.cov(np.array(boots).T)
        se = np.sqrt(np.diag(Om))
        W = np.diag(1 / se ** 2)
        Gm = np.zeros((len(names), len(free)))
        for j, k in enumerate(free):
            h = max(0.05 * abs(th[k]), 0.004)
            vals = []
            for sgn in (1, -1):
                t2 = dict(th)
                t2[k] = th[k] + sgn * h
                if k in ("kappa", "w"):
                    t2[k] = min(max(t2[k], 0.0), 1.0)
                if k.startswith(("sd_", "n_")):
                    t2[k] = max(t2[k], 0.0)
                m, _ = F.sim_moments(base, t2, means, draws, f["target"], keep)
                vals.append(([m[n] for n in names], t2[k]))
            Gm[:, j] = (np.array(vals[0][0]) - np.array(vals[1][0])) / (vals[0][1] - vals[1][1])
        A = np.linalg.pinv(Gm.T @ W @ Gm)
        V = A @ Gm.T @ W @ Om @ W @ Gm @ A * (1 + 1 / F.REPS[g])
        ses = dict(zip(free, np.sqrt(np.maximum(np.diag(V), 0))))
        # restart from another start
        r2 = F.fit(base, draws, "shrink", G["obs"], G["se"], names, free, {}, keep, start=ALT_START)
        out[g] = {"se": ses, "restart": {"J": r2["J"], "theta": r2["theta"]}, "J": f["J"]}
        print(g, "J", round(f["J"], 1), "restart J", round(r2["J"], 1),
              " ".join(f"{k}={th[k]:.3f}±{ses[k]:.3f}/{r2['theta'][k]:.3f}" for k in free), flush=True)
    json.dump(out, open("se.json", "w"), indent=1, default=float)


if __name__ == "__main__":
    main()
