"""``boundkit guidance``: discriminator-guided diffusion in a setting, distances to P and Q_h."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from boundkit._errors import BoundkitError
from boundkit.cli._common import (
    add_seed_argument,
    add_workers_argument,
    finite_float,
    positive_float,
    positive_int,
)

HELP = (
    "discriminator guidance in a diffusion setting (C8): distances of guided samples to P and Q_h"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``guidance`` arguments to ``parser``."""
    parser.add_argument(
        "--setting", default="bimodal", help="guidance setting (default bimodal; see --list)"
    )
    parser.add_argument("--list", action="store_true", help="list the guidance settings and exit")
    parser.add_argument(
        "--disc",
        action="append",
        metavar="SPEC",
        help="discriminator: optimal, poly:DEG, fourier:DEG or mlp:WxW (repeatable or "
        "comma-separated; default: optimal,poly:1,fourier:2)",
    )
    parser.add_argument(
        "--weights", default="0,1", metavar="W,...", help="guidance weights (default 0,1)"
    )
    parser.add_argument("--sampler", default="sde", choices=("sde", "ode"), help="default sde")
    parser.add_argument(
        "--particles", type=positive_int, default=10_000, help="particles (default 1e4)"
    )
    parser.add_argument("--steps", type=positive_int, default=200, help="time steps (default 200)")
    parser.add_argument(
        "--seeds", type=positive_int, default=3, help="independent seeds (default 3)"
    )
    parser.add_argument("--n-train", type=positive_int, default=500, help="training samples from P")
    parser.add_argument(
        "--mlp-epochs", type=positive_int, default=200, help="epochs of mlp (default 200)"
    )
    parser.add_argument(
        "--mlp-alpha", type=finite_float, default=1e-4, help="L2 penalty of mlp (default 1e-4)"
    )
    parser.add_argument(
        "--mlp-lr", type=positive_float, default=1e-3, help="Adam step size of mlp (default 1e-3)"
    )
    parser.add_argument(
        "--n-noise",
        type=positive_int,
        default=8,
        help="(t, noise) draws per training point (default 8)",
    )
    parser.add_argument(
        "--window", metavar="A,B", help="guidance time window [A, B] (default: all times)"
    )
    parser.add_argument("--t-max", type=positive_float, default=5.0, help="horizon T (default 5)")
    parser.add_argument(
        "--profile", action="store_true", help="also print per-time accuracy vs Bayes-optimal"
    )
    add_seed_argument(parser)
    add_workers_argument(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quiet", action="store_true", help="no progress bar on stderr")


def _floats(text: str, what: str) -> list[float]:
    try:
        vals = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise BoundkitError(f"{what} must be comma-separated numbers, got {text!r}") from None
    if not vals:
        raise BoundkitError(f"{what} must not be empty")
    return vals


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else str(x)
    if hasattr(x, "item"):
        return _clean(x.item())
    return x


def _fmt(row: dict[str, Any], key: str) -> str:
    v, se = row.get(key), row.get(f"{key}_se")
    if v is None:
        return "-"
    if not math.isfinite(v):
        return "diverged"
    return f"{v:.4f}±{se:.4f}"


def run(args: argparse.Namespace) -> int:
    """Train the discriminators, run the guided samplers and print the distances."""
    from boundkit.guidance import (
        build_discriminators,
        get_guidance_setting,
        list_guidance_settings,
        run_guidance,
    )

    if args.list:
        rows = [
            {"name": t.name, "dim": t.dim, "description": t.description}
            for t in list_guidance_settings()
        ]
        if args.json:
            sys.stdout.write(json.dumps(rows) + "\n")
        else:
            for t in rows:
                sys.stdout.write(f"{t['name']:<14} {t['dim']}-D  {t['description']}\n")
        return 0
    toy = get_guidance_setting(args.setting)
    specs: list[str] = []
    for v in args.disc or ["optimal,poly:1,fourier:2"]:
        specs.extend(s.strip() for s in v.split(",") if s.strip())
    weights = _floats(args.weights, "--weights")
    window = None
    if args.window is not None:
        w = _floats(args.window, "--window")
        if len(w) != 2:
            raise BoundkitError(f"--window must be two numbers A,B; got {args.window!r}")
        window = (w[0], w[1])
    for name, val, low in (
        ("--particles", args.particles, 10),
        ("--steps", args.steps, 1),
        ("--seeds", args.seeds, 1),
        ("--n-train", args.n_train, 2),
        ("--mlp-epochs", args.mlp_epochs, 1),
        ("--n-noise", args.n_noise, 1),
    ):
        if val < low:
            raise BoundkitError(f"{name} must be >= {low}, got {val}")
    if not args.mlp_alpha >= 0:
        raise BoundkitError(f"--mlp-alpha must be a finite number >= 0, got {args.mlp_alpha}")
    discs = build_discriminators(
        toy,
        specs,
        n_train=args.n_train,
        mlp_params={
            "max_iter": args.mlp_epochs,
            "alpha": args.mlp_alpha,
            "learning_rate_init": args.mlp_lr,
            "n_noise": args.n_noise,
        },
        logistic_params={"n_noise": args.n_noise},
        rng=args.seed,
    )
    progress = not args.quiet and sys.stderr.isatty()
    res = run_guidance(
        toy,
        discs,
        weights=weights,
        sampler=args.sampler,
        n_particles=args.particles,
        n_steps=args.steps,
        n_seeds=args.seeds,
        t_window=window,
        t_max=args.t_max,
        profile_times=(0.0, 0.05, 0.2, 0.5, 1.0, 2.0, 4.0) if (args.profile or args.json) else None,
        seed=args.seed,
        progress=progress,
        n_jobs=args.workers,
    )
    doc = res.to_dict()
    doc["n_train"] = args.n_train
    if args.json:
        sys.stdout.write(json.dumps(_clean(doc)) + "\n")
        return 0
    ex = res.exact
    out = [
        f"setting {toy.name} ({toy.dim}-D): {toy.description}",
        f"sampler {args.sampler}, {args.particles} particles, {args.steps} steps, "
        f"{args.seeds} seeds, n_train {args.n_train}",
        f"exact KL(P||Q) = {ex['kl_p_q']:.4f}",
    ]
    for name, e in ex["per_discriminator"].items():
        kl = e["kl_p_qh"] if abs(e["kl_p_qh"]) > 1e-12 else 0.0  # quadrature rounding
        out.append(f"  {name:<12} exact KL(P||Q_h) = {kl:.4f}")
    metrics = ["w1", "ks", "kl_grid"] if toy.dim == 1 else ["mmd2", "kl_grid", "tv_grid"]
    head = f"{'discriminator':<14}{'w':>6}  " + "  ".join(
        f"{m + '(P)':>17}  {m + '(Q_h)':>17}" for m in metrics
    )
    out.append(head)
    for row in res.rows:
        cells = "  ".join(f"{_fmt(row, m + '_p'):>17}  {_fmt(row, m + '_qh'):>17}" for m in metrics)
        out.append(f"{row['discriminator']:<14}{row['weight']:>6g}  {cells}")
    first = res.rows[0]
    out.append(
        f"Monte Carlo floor of kl_grid (exact samples): {first['kl_floor_p']:.4f}; "
        "binned KL/TV are lower bounds of the continuous ones (data processing)"
    )
    if args.profile:
        for name, prof in res.profiles.items():
            out.append(f"per-time accuracy of {name} (Bayes-optimal in brackets):")
            for r in prof.to_rows():
                out.append(
                    f"  t={r['t']:<5g} acc {r['accuracy']:.4f} ({r['bayes_accuracy']:.4f})  "
                    f"bce {r['bce']:.4f} ({r['bayes_bce']:.4f})  "
                    f"|grad err| to P {r['err_p']:.3f}"
                    + (f", to Q_h {r['err_h']:.3f}" if "err_h" in r else "")
                )
    sys.stdout.write("\n".join(out) + "\n")
    return 0
