"""Writes report.md from results_<group>.json (fit.py), se.json (se.py) and predict.json (predict.py)."""
import json

import numpy as np

import panel as P
import sim as S

GROUPS = ["pooled", *P.KINDS]
SH = P.SHORT


def f3(x):
    return "" if x is None else f"{x:.3f}"


def main():
    R = {g: json.load(open(f"results_{g}.json")) for g in GROUPS}
    SE = json.load(open("se.json"))
    PR = json.load(open("predict.json"))
    p = P.load_panel()
    Rt, Ct, Dt = P.totals(p)
    untrimmed = P.moments(Rt, Ct, Dt, keep=np.ones(len(Rt), bool))
    L = []
    w = L.append
    w("# Calibration prototype for issue 26: fitting the v1.3 dynamics to three cost-report releases\n")
    w("Scripts: `scripts/calibrate_dynamics/run.sh` runs `panel.py` (panel and observed moments), `fit.py` (SMM fits), "
      "`se.py` (standard errors, restart check), `predict.py` (coverage, PIT, lasting level) and "
      "`report.py` (this file). About 12 minutes on one core.\n")
    w("## 1. Method\n")
    pn = R["pooled"]
    w(f"**Panel (measured).** CCNs present in all three cohort tables (`us_hospitals_2017/2019/2021.csv`): "
      f"{p['n_common']}. Kind is the 2017 (base-year) kind; {p['n_kind_changed']} of them change kind between "
      f"releases, every one a rural <-> urban PPS relabelling (same fee-schedule payment), so they are kept "
      f"under their 2017 kind; no hospital changes payment basis (CAH <-> PPS: {p['n_basis_changed']}). "
      f"Panel: {len(Rt)} hospitals (CAH {R['critical_access_hospital']['n']}, rural PPS "
      f"{R['rural_pps_hospital']['n']}, urban PPS {R['urban_pps_hospital']['n']}). Totals: revenue = sum of "
      f"the five revenue lines (= annualised net patient revenue), costs = sum of the three cost lines; "
      f"margin = (R - C)/R, as in the cohort.\n")
    w(f"**Trimming rule (stated).** Per group, a hospital is kept when each of its six log changes (revenue "
      f"and costs; 17->19, 19->21, 17->21) lies inside Tukey's far-out fences (Q1 - 3 IQR, Q3 + 3 IQR) of "
      f"that change in the group. One rule for every moment, so all moments come from one sample: kept "
      f"{pn['kept']} of {pn['n']} pooled (CAH {R['critical_access_hospital']['kept']}, rural "
      f"{R['rural_pps_hospital']['kept']}, urban {R['urban_pps_hospital']['kept']}). Inpatient-days moments "
      f"additionally need days > 0 in all three reports and the days changes inside their own fences. "
      f"Simulated replicates of a hospital are kept exactly when the real hospital is (so the simulated and "
      f"observed panels start from the same 2017 rows).\n")
    w("**Model simulated (MODEL.md sections 2-3, v1.3).** Each hospital starts from its own 2017 row and is "
      "projected 4 years (2018-2021) with yearly steps; 2019 and 2021 are compared with the reports. "
      "Drivers (practice scope), each `X_t = X_{t-1}(1 + x_t)`, `x_t ~ N(mu, sd)`, index `= X_t (1 + noise z_t)`:\n"
      "- `volume_growth` (V): sd_v, noise n_v;\n"
      "- `commercial_rate_growth` (Pc, on commercial + other) and `medicaid_rate_growth` (Pd): **tied**: one sd_p "
      "and one noise n_p for both, independent draws (their measured correlation was -0.01);\n"
      "- `labor_inflation`, `supply_inflation`, `other_inflation`: **tied**: one sd_c and one noise n_c, draws "
      f"correlated {S.RHO_COST_LINES} with one another (assumption: only total costs are observed), noise "
      "independent per driver as in MODEL.md;\n"
      "- copula: corr(Pc, I_k) = corr(Pd, I_k) = rho_pc (fitted); volume uncorrelated with prices and costs "
      "(assumption; the bundled -0.38/-0.26/-0.20 volume correlations come from measuring volume by inpatient "
      "days and are not used);\n"
      "- `cost_response`: speed kappa (fitted), target by rule: `base` (the hospital's 2017 margin), "
      "`median` (its kind's median 2017 margin, a number per kind), or `shrink` = kind median + w (base - kind "
      "median) with w fitted (w = 1 is `base`, w = 0 is `median`);\n"
      f"- `variable_cost_share` {S.VCS} (the scenarios' assumption); variant `shrink_vcs` fits it too;\n"
      "- Medicare: Pm grows by the realised IPPS updates (1.81%, 1.85%, 3.1%, 2.9%); critical access hospitals' "
      "FFS book follows their costs (cost based); no MA migration; no change of sequestration from the base "
      "(the base amounts are already net of the 2% cut, which ran through 2019; its 2020-21 suspension is "
      "left to the means).\n"
      "- Volume identification: total revenue and costs alone cannot split volume from a price shock "
      "correlated with costs. Inpatient days are added as a *measurement* of volume: simulated days = "
      "days_2017 x V x W, W a days-specific random walk (sd_d, fitted nuisance; drift matched to the observed "
      "mean days change). Days moments (sd of days changes, their correlations with revenue and cost changes) "
      "enter the objective. This is an assumption (days load one-for-one on V); it is what pins sd_v.\n"
      "- `shared` = 0 in the fit: every moment is cross-sectional, computed within one simulated path, so a "
      "shock common to all hospitals does not move it; three releases give one realised history, which "
      "cannot identify a shared variance (section 7 gives the realised common drift as evidence).\n")
    w("**Means (assumption vs in sample).** For the fit, the drivers' means are not free parameters: for each "
      "trial theta they are solved (fixed-point iteration) so that the simulated mean 2-year log changes of "
      "revenue, costs and inpatient days equal the observed ones in each period (one price mean for Pc and Pd, "
      "one cost mean for the three cost lines, volume mean 0, days drift): the dispersion fit is not "
      "contaminated by a wrong mean. The coverage check is run both with these matched means (in sample) and "
      "with national-trend means (the backtest scenarios' published figures: commercial 6.98%/yr [HCCI], "
      "Medicaid 1.5% (assumption), labor 3.05% / 3.55% (ECI 2018-19 / 2020-21), supplies and other 2.1% / "
      "2.95% (CPI-U; 2021 NOT VERIFIED in the project), volume 0).\n")
    w("**Estimator.** Simulated method of moments. J(theta) = sum over the moments marked * below of "
      "((simulated - observed) / se)^2, se = bootstrap standard deviation of the observed moment (200 "
      "resamples of hospitals, trimming redone in each): a diagonal inverse-variance weight. Means, medians, "
      "the 4y/2y variance ratios (functions of other moments) and the 2017 margin spread (fixed by the "
      "starting rows) are reported but not in J. Common random numbers: one fixed set of standard normals "
      "per group for every evaluation (replicates per hospital: pooled 4, CAH 10, rural 12, urban 6; "
      "10-16 thousand simulated hospitals). Optimiser: Nelder-Mead (scipy, adaptive), three rounds, the "
      "means re-solved between rounds. Standard errors: SMM sandwich with the full bootstrap covariance of "
      "the moments and a numerical Jacobian (se.py). A restart from a different start checks the optimum.\n")

    # ---------------- observed moments
    w("## 2. Observed moments (measured)\n")
    w("Log changes; sd = standard deviation across hospitals; `2y 17-19` = 2017->2019 release; ± = bootstrap "
      "se. Last column: pooled without trimming, for comparison with earlier figures.\n")
    w("| moment | " + " | ".join(SH[g] for g in GROUPS) + " | pooled, untrimmed |")
    w("|---|" + "---:|" * (len(GROUPS) + 1))
    for k in P.MOMENT_NAMES:
        star = "*" if k in P.OBJECTIVE else ""
        w(f"| {P.LABEL[k]}{star} | " + " | ".join(f"{R[g]['obs'][k]:.3f} ±{R[g]['se'][k]:.3f}" for g in GROUPS)
          + f" | {untrimmed.get(k, float('nan')):.3f} |")
    w("")
    w("Reading: revenue and costs each behave close to random walks (4y/2y variance ratio 1.8-2.2, "
      "consecutive changes correlated -0.11 to +0.11), but their ratio reverts: the 4y/2y variance ratio "
      "of log(R/C) is about 1.5 and consecutive changes of log(R/C) correlate -0.18 (urban) to -0.37 (CAH). "
      "Costs follow revenue with a lag (corr(dR 17-19, dC 19-21) +0.05 to +0.19), and, for urban PPS, revenue "
      "follows costs too (+0.15), which the model has no channel for. The margin spread widens slowly "
      "(0.163 -> 0.166 -> 0.177 pooled). Trimming matters: without it the revenue sd is larger and the "
      "margin autocorrelations lower (last column), which is where the earlier figures (0.157 / 0.126, "
      "0.72 / 0.64) come from.\n")

    # ---------------- parameters
    w("## 3. Fitted parameters\n")
    w("Yearly values, as they would be written in a scenario (sd and noise of the drawn yearly growth "
      "and of the one-off level shock). `shrink` is the recommended rule; ± = SMM sandwich se (not "
      "meaningful for a parameter at its bound 0). J = the objective at the optimum "
      f"({len(P.OBJECTIVE)} moments).\n")
    cols = ["sd_v", "n_v", "sd_p", "n_p", "sd_c", "n_c", "rho_pc", "kappa", "w", "sd_d", "vcs"]
    w("| group | rule | J | " + " | ".join(cols) + " |")
    w("|---|---|---:|" + "---:|" * len(cols))
    for g in GROUPS:
        for rule in ("shrink", "base", "median", "shrink_vcs"):
            f = R[g]["fits"][rule]
            th = f["theta"]
            cells = []
            for c in cols:
                v = th.get(c, S.VCS if c == "vcs" else None)
                s = f"{v:.3f}" if v is not None else ""
                if rule == "shrink" and c in SE[g]["se"]:
                    s += f" ±{SE[g]['se'][c]:.3f}"
                cells.append(s)
            w(f"| {SH[g]} | {rule} | {f['J']:.1f} | " + " | ".join(cells) + " |")
        o = R[g]["oos"]
        w(f"| {SH[g]} | {o['target']}, 17-19 only | {o['J']:.1f} (of {len(o['moments_fitted'])}) | "
          + " | ".join(f3(o["theta"].get(c, S.VCS if c == "vcs" else None)) for c in cols) + " |")
    w("")
    w("Restart check (shrink, from sd 0.03/0.08/0.04, noise 0.05, rho 0, kappa 0.5, w 0.5): "
      + "; ".join(f"{SH[g]} J {SE[g]['J']:.1f} -> {SE[g]['restart']['J']:.1f} (kappa "
                  f"{SE[g]['restart']['theta']['kappa']:.3f}, w {SE[g]['restart']['theta']['w']:.3f}, "
                  f"n_p {SE[g]['restart']['theta']['n_p']:.3f})" for g in GROUPS) + ".\n")
    w("One-off share implied by the shrink fit: 1 - (variance of the 2-year 2017->2019 change with every "
      "noise set to 0) / (variance with the fitted noise), same draws; compare the earlier measured "
      "one-off shares (~0% for total revenue and costs):\n")
    w("| group | revenue | costs | log(R/C) |")
    w("|---|---:|---:|---:|")
    import fit as F
    for g in GROUPS:
        sel, Rg, Cg, Dg, base = F.group_data(p, g)
        keep = P.trim_mask(Rg, Cg)
        f = R[g]["fits"]["shrink"]
        d = S.Draws(base.n, F.REPS[g])
        th0 = dict(f["theta"], n_v=0.0, n_p=0.0, n_c=0.0)
        v = []
        for th in (f["theta"], th0):
            o = S.simulate(base, th, f["means"], d, "shrink")
            k = keep[d.idx]
            lr, lc = np.log(o["R"][k]), np.log(o["C"][k])
            v.append([np.var(lr[:, 1] - lr[:, 0]), np.var(lc[:, 1] - lc[:, 0]),
                      np.var((lr - lc)[:, 1] - (lr - lc)[:, 0])])
        sh = [1 - b / a for a, b in zip(*v)]
        w(f"| {SH[g]} | {sh[0] * 100:.0f}% | {sh[1] * 100:.0f}% | {sh[2] * 100:.0f}% |")
    w("")
    w("Means solved for the shrink fit (per year; in sample, matching the realised mean changes):\n")
    w("| group | price 2018-19 | price 2020-21 | costs 2018-19 | costs 2020-21 | days drift 2018-19 | 2020-21 |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for g in GROUPS:
        m = R[g]["fits"]["shrink"]["means"]
        w(f"| {SH[g]} | {m['pc'][0]:.4f} | {m['pc'][1]:.4f} | {m['c'][0][0]:.4f} | {m['c'][1][0]:.4f} | "
          f"{m['d'][0]:.4f} | {m['d'][1]:.4f} |")
    w("")

    # ---------------- observed vs fitted
    w("## 4. Observed against fitted, every moment\n")
    for g in GROUPS:
        G = R[g]
        w(f"### {SH[g]} (n = {G['n']}, kept {G['kept']})\n")
        w("| moment | observed | se | shrink | base | median | shrink_vcs | (shrink - obs)/se |")
        w("|---|---:|---:|---:|---:|---:|---:|---:|")
        for k in P.MOMENT_NAMES:
            star = "*" if k in P.OBJECTIVE else ""
            sims = [G["fits"][r]["sim"][k] for r in ("shrink", "base", "median", "shrink_vcs")]
            z = (sims[0] - G["obs"][k]) / G["se"][k] if G["se"][k] > 0 else float("nan")
            w(f"| {P.LABEL[k]}{star} | {G['obs'][k]:.3f} | {G['se'][k]:.3f} | " + " | ".join(f"{s:.3f}" for s in sims)
              + f" | {z:+.1f} |")
        w("")

    # ---------------- out of sample
    w("## 5. Out of sample: fit on 2017->2019 only, predict 2019->2021\n")
    w("The fit uses only moments of the 2017 and 2019 releases (marked in `panel.ONLY_17_19`), with noise "
      "fixed at 0 (one interval cannot tell a one-off from a lasting shock) and the rule that fits best in "
      "sample (shrink). Predictions: (a) from the 2019 rows, 2 years ahead, the 2019->2021 moments; (b) from "
      "the 2017 rows, 4 years ahead, the 4-year and consecutive-change moments. Second-period means are "
      "matched (in sample) so the check is on the dispersion dynamics only.\n")
    keys_a = ["sd_dR_2b", "sd_dC_2b", "cor_RC_2b", "sd_dY_2b", "ac_M_2b", "sd_M_21"]
    keys_b = ["sd_dR_4", "sd_dC_4", "cor_RC_4", "sd_dY_4", "ac_M_4", "cc_R", "cc_C", "cc_Y", "cov_RC_x", "cov_CR_x"]
    w("| moment | " + " | ".join(f"{SH[g]} obs | 17-19 fit | full fit" for g in GROUPS) + " |")
    w("|---|" + "---:|---:|---:|" * len(GROUPS))
    for k in keys_a:
        w(f"| {P.LABEL[k]} (a) | " + " | ".join(
            f"{R[g]['obs'][k]:.3f} | {R[g]['oos']['from2019'][k]:.3f} | {R[g]['fits']['shrink']['sim'][k]:.3f}"
            for g in GROUPS) + " |")
    for k in keys_b:
        w(f"| {P.LABEL[k]} (b) | " + " | ".join(
            f"{R[g]['obs'][k]:.3f} | {R[g]['oos']['sim_all'][k]:.3f} | {R[g]['fits']['shrink']['sim'][k]:.3f}"
            for g in GROUPS) + " |")
    w("")

    # ---------------- coverage
    C = PR["coverage"]
    w("## 6. Per-hospital predictive intervals of the margin (coverage, PIT)\n")
    w("Every panel hospital (4,144; no trimming: outliers are outcomes too), 400 paths from its 2017 row "
      "with its kind's fit; central 50% and 90% intervals of the margin in 2019 and 2021 against the "
      "reported margins; PIT decile shares (%). Goals: 50% intervals 45-55%, 90% intervals 85-95%, every "
      "PIT decile 7-13%. `s_m`: sd of a one-off normal noise added to each simulated reported margin.\n")

    def covrow(key, label):
        v = C[key]
        pit = " ".join(f"{x * 100:.1f}" for x in v["pit"])
        ok = (0.45 <= v["cov50"] <= 0.55) and (0.85 <= v["cov90"] <= 0.95) and all(0.07 <= x <= 0.13 for x in v["pit"])
        w(f"| {label} | {v['cov50'] * 100:.1f} | {v['cov90'] * 100:.1f} | {pit} | {v['crps']:.4f} | {'yes' if ok else 'no'} |")

    w("| fit, means, s_m, year, group | in 50% | in 90% | PIT deciles (%) | CRPS | all goals |")
    w("|---|---:|---:|---|---:|---|")
    for variant, mk in (("shrink", "matched"), ("shrink", "trend"), ("base", "matched"), ("median", "matched"),
                        ("shrink_vcs", "matched")):
        for yname in ("2019", "2021"):
            for g in ("all", *P.KINDS):
                covrow(f"{variant}|{mk}|0.0|{yname}|{g}", f"{variant}, {mk}, 0, {yname}, {SH.get(g, g)}")
    w("")
    w("Adding a one-off report noise (shrink fit, matched means, all hospitals):\n")
    w("| s_m or mixture | year | in 50% | in 90% | PIT deciles (%) | CRPS | all goals |")
    w("|---|---|---:|---:|---|---:|---|")
    for sm in ("0.0", "0.01", "0.02", "0.03", "0.04", "0.05", "0.06", "0.08"):
        for yname in ("2019", "2021"):
            v = C[f"shrink|matched|{sm}|{yname}|all"]
            ok = (0.45 <= v["cov50"] <= 0.55) and (0.85 <= v["cov90"] <= 0.95) and all(0.07 <= x <= 0.13 for x in v["pit"])
            w(f"| normal s_m {sm} | {yname} | {v['cov50'] * 100:.1f} | {v['cov90'] * 100:.1f} | "
              + " ".join(f"{x * 100:.1f}" for x in v["pit"]) + f" | {v['crps']:.4f} | {'yes' if ok else 'no'} |")
    for pi in ("0.03", "0.05", "0.1"):
        for sb in ("0.1", "0.2"):
            for yname in ("2019", "2021"):
                v = C[f"mix{pi}x{sb}|matched|0.0|{yname}|all"]
                ok = (0.45 <= v["cov50"] <= 0.55) and (0.85 <= v["cov90"] <= 0.95) and all(0.07 <= x <= 0.13 for x in v["pit"])
                w(f"| with prob. {pi} a N(0, {sb}) one-off | {yname} | {v['cov50'] * 100:.1f} | {v['cov90'] * 100:.1f} | "
                  + " ".join(f"{x * 100:.1f}" for x in v["pit"]) + f" | {v['crps']:.4f} | {'yes' if ok else 'no'} |")
    w("")
    S_ = PR["size"]
    w("By size (revenue tercile within kind, 2017), shrink fit, matched means, s_m = 0; and the measured "
      "spread of 2-year and 4-year log(R/C) changes in the same terciles:\n")
    w("| kind | tercile | median revenue $M | in 50% 2019 | in 90% 2019 | in 50% 2021 | in 90% 2021 | measured sd dlog(R/C) 2y | 4y |")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for k in P.KINDS:
        for ti in range(3):
            a, b = S_[f"{k}|{ti}|2019"], S_[f"{k}|{ti}|2021"]
            m = S_[f"measured|{k}|{ti}"]
            w(f"| {SH[k]} | {['small', 'middle', 'large'][ti]} | {m['median_revenue'] / 1e6:.0f} | {a['cov50'] * 100:.1f} | "
              f"{a['cov90'] * 100:.1f} | {b['cov50'] * 100:.1f} | {b['cov90'] * 100:.1f} | {m['sd_dY_2a']:.3f} | {m['sd_dY_4']:.3f} |")
    w("")

    # ---------------- lasting level
    La = PR["lasting"]
    w("## 7. Lasting level: which base year to start from (predicting 2021 from the 2019 rows)\n")
    w("Measured: OLS of the 2021 margin on the 2017 and 2019 margins (all panel hospitals):\n")
    w("| group | const | weight 2017 | weight 2019 | resid sd | sd(M21 - M19) | sd(M21 - avg) |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    for g in ("all", *P.KINDS):
        v = La[f"ols|{g}"]
        w(f"| {SH.get(g, g)} | {v['const']:.4f} | {v['b2017']:.3f} | {v['b2019']:.3f} | {v['resid_sd']:.4f} | "
          f"{v['persist_sd']:.4f} | {v['avg_sd']:.4f} |")
    w("")
    w("Model forecasts, 2 years from the 2019 rows with the shrink dynamics (full fit, or the 17-19-only fit), "
      "matched 2020-21 means, s_m = 0. Starts: `latest` = the 2019 report; `avg1719` = 2019 revenue with costs "
      "rescaled so the base margin is the mean of the 2017 and 2019 margins (target built from it too); "
      "`w30_70` = 0.3 M2017 + 0.7 M2019 likewise; `latest_target_avg` = start at the 2019 report, but build "
      "the target from the 2017-2019 average (the lasting level steers, the latest report is the state). "
      "Persistence = the start margin as a point forecast (its CRPS is the absolute error).\n")
    w("| fit | start | group | in 50% | in 90% | PIT deciles (%) | CRPS | abs. error of median | persistence CRPS |")
    w("|---|---|---|---:|---:|---|---:|---:|---:|")
    for fitname in ("full", "oos"):
        for st in ("latest", "avg1719", "w30_70", "latest_target_avg"):
            for g in ("all", *P.KINDS):
                v = La[f"{fitname}|{st}|0.0|{g}"]
                pers = La[f"persistence|{g}"]
                pc = {"latest": pers["crps_latest"], "avg1719": pers["crps_avg"], "w30_70": pers["crps_w30_70"],
                      "latest_target_avg": pers["crps_latest"]}[st]
                w(f"| {fitname} | {st} | {SH.get(g, g)} | {v['cov50'] * 100:.1f} | {v['cov90'] * 100:.1f} | "
                  + " ".join(f"{x * 100:.1f}" for x in v["pit"]) + f" | {v['crps']:.4f} | {v['mae_median']:.4f} | {pc:.4f} |")
    w("")
    with open("report_body.md", "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
