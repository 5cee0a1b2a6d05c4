"""``boundkit refine``: refine a model on a real data set and certify the held-out gain."""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

from boundkit._errors import BoundkitError

HELP = "refine a model on a real data set (held-out gain, certificate, C6c, radius sweep)"


#: the classes ``refine`` accepts (the shared grammar of boundkit.cli._common) and classifiers
REFINE_CLASSES: tuple[str, ...] = ("rkhs", "linear-l2", "linear-l1", "linear-linf", "relu2")
CLASSIFIER_NAMES: tuple[str, ...] = ("logistic", "mlp")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``refine`` arguments to ``parser``."""
    from boundkit.cli._common import (
        add_class_arguments,
        add_generator_argument,
        add_json_argument,
        add_seed_argument,
        nonnegative_int,
        positive_int,
        probability,
    )

    parser.add_argument(
        "--dataset",
        required=True,
        help="iris, wine, breast_cancer, digits, diabetes (scikit-learn, no download) or the "
        "path of a .csv/.npy file",
    )
    parser.add_argument(
        "--model",
        default="gmm:3",
        help="gmm:K, bgmm:K, kde:BANDWIDTH, gaussian, or FILE.py:NAME (a fitted model object "
        "with sample(n, rng) or a sampler callable) (default gmm:3)",
    )
    add_class_arguments(parser, classes=REFINE_CLASSES + CLASSIFIER_NAMES, default="rkhs")
    parser.add_argument(
        "--landmarks",
        type=nonnegative_int,
        default=200,
        help="landmarks of --class rkhs (0: the full expansion on data and samples; 200)",
    )
    add_generator_argument(parser)
    parser.add_argument("--split", default="0.6,0.2,0.2", help="train,validation,test fractions")
    add_seed_argument(parser)
    parser.add_argument(
        "--sweep", metavar="B=V,...", help="radii to sweep, e.g. B=0.1,0.3,1,3 (overrides --B)"
    )
    parser.add_argument(
        "--delta", type=probability, default=0.05, help="certificate error (default 0.05)"
    )
    parser.add_argument(
        "--certificate",
        choices=("hoeffding", "empirical-bernstein"),
        default="hoeffding",
        help="held-out side of the certificate (default hoeffding)",
    )
    parser.add_argument(
        "--n-eval", type=positive_int, default=20_000, help="model samples for Lambda (20000)"
    )
    parser.add_argument(
        "--n-fit", type=positive_int, help="model samples for fitting h (default 2 n_train)"
    )
    parser.add_argument(
        "--n-sigmas", type=positive_int, default=100, help="Rademacher sign vectors (100)"
    )
    parser.add_argument(
        "--permutations", type=positive_int, default=200, help="MMD permutations (200)"
    )
    parser.add_argument("--no-picture", action="store_true", help="skip the 2-D PCA picture")
    parser.add_argument("--out", metavar="DIR", help="write report.md, result.json, figures")
    add_json_argument(parser)
    parser.add_argument("--quiet", action="store_true", help="no progress bar on stderr")


def _radii(args: argparse.Namespace) -> list[float]:
    if args.sweep is None:
        vals = [args.B if args.cls != "relu2" or args.B2 is None else args.B2]
    else:
        key, sep, rest = args.sweep.partition("=")
        if not sep or key.strip() != "B":
            raise BoundkitError(f"--sweep must look like B=0.1,0.3,1; got {args.sweep!r}")
        try:
            vals = [float(v) for v in rest.split(",") if v.strip()]
        except ValueError:
            raise BoundkitError(f"--sweep values must be numbers, got {rest!r}") from None
        if not vals:
            raise BoundkitError("--sweep must list at least one radius")
    for v in vals:
        if not (math.isfinite(v) and v > 0):
            raise BoundkitError(f"the class radius must be a finite number > 0, got {v:g}")
    return vals


def _split(text: str) -> tuple[float, float, float]:
    try:
        vals = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise BoundkitError(
            f"--split must be three comma-separated fractions, got {text!r}"
        ) from None
    if len(vals) != 3:
        raise BoundkitError(f"--split must be three comma-separated fractions, got {text!r}")
    return vals  # type: ignore[return-value]


def _user_model(spec: str) -> Any:
    """Load ``NAME`` from ``FILE.py`` for ``--model FILE.py:NAME``."""
    from boundkit.models import as_model

    path, _, name = spec.rpartition(":")
    file = Path(path)
    if not file.is_file():
        raise BoundkitError(f"--model {spec!r}: no such file {path!r}")
    mod_spec = importlib.util.spec_from_file_location(f"boundkit_user_model_{file.stem}", file)
    if mod_spec is None or mod_spec.loader is None:
        raise BoundkitError(f"--model {spec!r}: cannot import {path!r}")
    module = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(module)
    if not hasattr(module, name):
        raise BoundkitError(f"--model {spec!r}: {path} defines no {name!r}")
    return as_model(getattr(module, name), name=name)


def _pm(e: dict[str, Any] | None, digits: int = 4) -> str:
    if e is None:
        return "n/a (sample-only model)"
    return (
        f"{e['value']:.{digits}f} ± {e['se']:.{digits}f} "
        f"[{e['lower']:.{digits}f}, {e['upper']:.{digits}f}]"
    )


def _report(doc: dict[str, Any], figures: dict[str, str]) -> str:
    s = doc["settings"]
    best = doc["best"]
    test = best["test"]
    cert = test["certificate"]
    lam = best["lambda"]
    samp = doc["sampling"]
    lines = [
        f"# Refinement of `{s['model']}` on `{s['dataset']}`",
        "",
        f"Class `{s['class']}`, generator `{s['generator']}`, split {s['split']} "
        f"(sizes {s['sizes']}), {s['dim']} dimensions, seed {s['seed']}. "
        f"Reported radius B = {doc['best_B']:g} (largest validation improvement of "
        f"{s['radii']}). Intervals at level {s['level']:g}; every Monte Carlo number carries "
        "its standard error.",
        "",
        "| quantity | value |",
        "|---|---|",
        f"| held-out improvement (nats/point) | {_pm(test['improvement'])} |",
        f"| certified lower bound (prob. >= {1 - cert['delta']:g}) | {cert['value']:.4f} |",
        f"| base held-out log-likelihood | {_pm(test['base_loglik'], 3)} |",
        f"| refined held-out log-likelihood | {_pm(test['refined_loglik'], 3)} |",
        f"| validation improvement | {_pm(best['validation']['improvement'])} |",
        f"| Lambda hat (m = {lam['m']}) | {lam['value']:.5f} ± {lam['se']:.5f} |",
        f"| nu hat | {lam['nu']:.5f} ± {lam['nu_se']:.5f} |",
        f"| ESS of the refinement weights | {lam['ess']:.0f} of {lam['m']} |",
        f"| SIR effective sample size | {samp['sir']['ess']:.0f} of "
        f"{samp['sir']['n_proposals']} proposals |",
        f"| rejection bound M (acceptance 1/M) | {samp['rejection']['M']:.4g} "
        f"({'used' if samp['rejection']['used'] else 'too large: SIR used'}"
        + (
            f", measured acceptance {samp['rejection']['acceptance_rate']:.3f}"
            if samp["rejection"]["used"]
            else ""
        )
        + ") |",
        f"| MMD^2 base vs test (p-value) | {doc['mmd']['base']['mmd2']:.5f} "
        f"({doc['mmd']['base']['p_value']:.3f}) |",
        f"| MMD^2 refined vs test (p-value) | {doc['mmd']['refined']['mmd2']:.5f} "
        f"({doc['mmd']['refined']['p_value']:.3f}) |",
    ]
    if best["rademacher"]["value"] is not None:
        r = best["rademacher"]
        lines.append(
            f"| 2 R_S (training sample) | {2 * r['value']:.4f} ± {2 * (r['se'] or 0):.4f} |"
        )
    if best["c6c"] is not None:
        lines.append(
            f"| C6c excess bound 2 R_S + 4(b-a)sqrt(log(3/delta)/2n) | {best['c6c']['value']:.4f} |"
        )
    t = doc["timings"]
    lines += [
        f"| time: base fit / total (s) | {t['base_fit']:.2f} / {t['total']:.2f} |",
        "",
        "## Sweep of the class radius",
        "",
        "| B | train objective | validation gain | test gain ± se | certified | 2 R_S |",
        "|---|---|---|---|---|---|",
    ]
    for row in doc["sweep"]:
        imp = row["test"]["improvement"]
        tr = row["two_rademacher"]
        lines.append(
            f"| {row['B']:g} | {row['train_objective']:.4f} | "
            f"{row['validation']['improvement']['value']:.4f} | "
            f"{imp['value']:.4f} ± {imp['se']:.4f} | {row['test']['certificate']['value']:.4f} | "
            + ("n/a" if tr is None else f"{tr:.4f}")
            + " |"
        )
    lines += [
        "",
        f"The certificate is {s['certificate']} on h over the test split plus an empirical "
        "Bernstein bound on the model-sample average, at a shift fixed on the fitting samples: "
        "it holds for any h fitted without the test split.",
        "",
    ]
    for key, path in figures.items():
        lines += [f"![{key}]({Path(path).name})", ""]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Load the data, fit and refine the model, measure, write the report."""
    from boundkit._json import json_text, jsonable
    from boundkit.cli._common import check_output_dir, write_json
    from boundkit.datasets import load_dataset
    from boundkit.models import plane_densities, run_refinement

    check_output_dir(args.out)

    radii = _radii(args)
    split = _split(args.split)
    if args.n_fit is not None and args.n_fit < 10:
        raise BoundkitError(f"--n-fit must be >= 10, got {args.n_fit}")
    ds = load_dataset(args.dataset)
    if args.cls in CLASSIFIER_NAMES:
        cls: Any = args.cls
    else:
        from boundkit.cli._common import build_class

        cls = build_class(args, ds.dim)
    model: Any = args.model
    if ".py:" in args.model:
        model = _user_model(args.model)
    picture = args.out is not None and not args.no_picture and isinstance(model, str)
    steps = 6 + len(radii) + int(picture)
    bar = None
    if not args.quiet and sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=steps, desc="refine", file=sys.stderr, leave=False)

    def tick(label: str) -> None:
        if bar is not None:
            bar.set_postfix_str(label)
            bar.update(1)

    try:
        res = run_refinement(
            ds,
            model,
            cls,
            args.f,
            split=split,
            seed=args.seed,
            radii=radii,
            landmarks=args.landmarks or None,
            n_fit=args.n_fit,
            n_eval=args.n_eval,
            delta=args.delta,
            certificate=args.certificate,
            n_sigmas=args.n_sigmas,
            n_permutations=args.permutations,
            name=Path(args.dataset).stem if Path(args.dataset).is_file() else args.dataset,
            progress=tick,
        )
        planes = None
        if picture:
            planes = plane_densities(
                ds,
                model,
                cls,
                args.f,
                radii=radii,
                landmarks=args.landmarks or None,
                split=split,
                seed=args.seed,
                n_eval=args.n_eval,
            )
            tick("2-D picture")
    finally:
        if bar is not None:
            bar.close()
    doc = res.to_dict()
    if planes is not None:
        doc["plane"] = {
            "improvement": planes.improvement.to_dict(),
            "explained_variance_ratio": list(planes.explained),
        }
    figures: dict[str, str] = {}
    if args.out is not None:
        from boundkit.plotting import refine_figures

        out = Path(args.out)
        stem = res.settings["dataset"]
        figures = {k: str(v) for k, v in refine_figures(res, planes, out, stem=stem).items()}
        doc["files"] = {"report": str(out / "report.md"), "json": str(out / "result.json")}
        doc["files"].update(figures)
        clean = jsonable(doc)
        (out / "result.json").write_text(json_text(clean, indent=1) + "\n", encoding="utf-8")
        (out / "report.md").write_text(_report(clean, figures), encoding="utf-8")
    clean = jsonable(doc)
    if args.json:
        write_json(clean, indent=None)
        return 0
    best = clean["best"]
    imp = best["test"]["improvement"]
    out_lines = [
        f"{clean['settings']['dataset']}: {clean['settings']['model']} refined by "
        f"{clean['settings']['class']} ({clean['settings']['generator']}), B = {clean['best_B']:g}",
        f"held-out improvement {imp['value']:.4f} ± {imp['se']:.4f} nats/point, certified "
        f">= {best['test']['certificate']['value']:.4f} (prob. >= "
        f"{1 - best['test']['certificate']['delta']:g})",
    ]
    if best["test"]["base_loglik"] is not None:
        out_lines.append(
            f"held-out log-likelihood base {_pm(best['test']['base_loglik'], 3)}, refined "
            f"{_pm(best['test']['refined_loglik'], 3)}"
        )
    if args.out is not None:
        out_lines.append(f"report: {Path(args.out) / 'report.md'}")
    sys.stdout.write("\n".join(out_lines) + "\n")
    return 0
