"""Fits Python's lifetimes (BetaGeoFitter + GammaGammaFitter) on a CLV summary written by the clv bench
scenario (bench/scenarios/clv-lifetimes.scenario.ts) and prints one JSON line: parameters, log-likelihoods
and the time of each fit. Run inside the bench's virtual environment, never by the service.

usage: python lifetimes-fit.py <summary.csv> <repetitions>
The CSV has a header and the columns x, t_x, T (weeks) and m (mean repeat value, major units; 0 when x = 0).
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter


def fit_once(summary):
    started = time.perf_counter()
    bg = BetaGeoFitter(penalizer_coef=0.0)
    bg.fit(summary["x"], summary["t_x"], summary["T"])
    bg_seconds = time.perf_counter() - started
    spenders = summary[(summary["x"] > 0) & (summary["m"] > 0)]
    started = time.perf_counter()
    gg = GammaGammaFitter(penalizer_coef=0.0)
    gg.fit(spenders["x"], spenders["m"])
    gg_seconds = time.perf_counter() - started
    return bg, gg, bg_seconds, gg_seconds, len(spenders)


def main():
    path, repetitions = sys.argv[1], int(sys.argv[2])
    summary = pd.read_csv(path)
    runs = [fit_once(summary) for _ in range(repetitions)]
    bg, gg, _, _, spenders = runs[-1]
    # lifetimes minimises the mean negative log-likelihood: times the sample size, it is ln L.
    print(
        json.dumps(
            {
                "versions": {
                    "python": sys.version.split()[0],
                    "lifetimes": __import__("lifetimes").__version__,
                    "numpy": np.__version__,
                    "scipy": __import__("scipy").__version__,
                    "pandas": pd.__version__,
                },
                "customers": len(summary),
                "spendCustomers": spenders,
                "bgNbd": {
                    "params": {k: float(v) for k, v in bg.params_.items()},
                    "logLikelihood": -float(bg._negative_log_likelihood_) * len(summary),
                },
                "gammaGamma": {
                    "params": {k: float(v) for k, v in gg.params_.items()},
                    "logLikelihood": -float(gg._negative_log_likelihood_) * spenders,
                },
                "bgNbdMs": [r[2] * 1000 for r in runs],
                "gammaGammaMs": [r[3] * 1000 for r in runs],
            }
        )
    )


if __name__ == "__main__":
    main()
