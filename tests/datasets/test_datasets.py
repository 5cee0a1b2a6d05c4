"""boundkit.datasets: bundled loaders, user files, splits and the PCA plane."""

from __future__ import annotations

import numpy as np
import pytest

from boundkit import BoundkitError
from boundkit.datasets import DATASETS, load_dataset, pca_fit, split_indices

SHAPES = {"iris": 4, "wine": 13, "breast_cancer": 30, "digits": 61, "diabetes": 10}
ROWS = {"iris": 150, "wine": 178, "breast_cancer": 569, "digits": 1797, "diabetes": 442}


@pytest.mark.parametrize("name", DATASETS)
def test_bundled_sets_load_standardised(name):
    ds = load_dataset(name)
    assert ds.x.shape == (ROWS[name], SHAPES[name])
    assert ds.source == f"sklearn.datasets.load_{name}"
    np.testing.assert_allclose(ds.x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(ds.x.std(axis=0), 1.0, atol=1e-12)
    # standardisation is invertible on the kept columns
    keep = [ds.raw.std(axis=0) > 0][0]
    np.testing.assert_allclose(ds.x * ds.scale + ds.mean, ds.raw[:, keep], atol=1e-9)


def test_digits_drops_its_constant_pixels():
    ds = load_dataset("digits")
    assert len(ds.dropped) == 3 and ds.dim + len(ds.dropped) == 64


def test_csv_with_header_and_npy(tmp_path):
    x = np.arange(12.0).reshape(6, 2) ** 1.5
    csv = tmp_path / "data.csv"
    csv.write_text("a,b\n" + "\n".join(f"{u},{v}" for u, v in x), encoding="utf-8")
    ds = load_dataset(str(csv))
    assert ds.feature_names == ("a", "b")
    np.testing.assert_allclose(ds.raw, x)
    npy = tmp_path / "data.npy"
    np.save(npy, x)
    np.testing.assert_allclose(load_dataset(npy).x, ds.x)


@pytest.mark.parametrize(
    ("content", "message"),
    [("1,2\n3,nan\n5,6\n", "NaN"), ("1,2\n", "n >= 2")],
)
def test_bad_files_raise_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BoundkitError, match=message) as exc:
        load_dataset(path)
    assert "\n" not in str(exc.value)


def test_unknown_name_lists_the_choices():
    with pytest.raises(BoundkitError, match="iris, wine"):
        load_dataset("mnist")


def test_split_is_a_seeded_partition():
    s = split_indices(101, (0.6, 0.2, 0.2), seed=3)
    allidx = np.concatenate([s.train, s.validation, s.test])
    assert sorted(allidx.tolist()) == list(range(101))
    assert s.sizes() == {"train": 61, "validation": 20, "test": 20}
    again = split_indices(101, (0.6, 0.2, 0.2), seed=3)
    assert np.array_equal(s.test, again.test)
    assert not np.array_equal(s.test, split_indices(101, (0.6, 0.2, 0.2), seed=4).test)


@pytest.mark.parametrize(
    ("n", "fractions", "message"),
    [
        (5, (0.6, 0.2, 0.2), "too few points"),
        (100, (0.5, 0.2, 0.2), "sum to 1"),
        (100, (1.0, 0.0, 0.0), "positive"),
    ],
)
def test_bad_splits(n, fractions, message):
    with pytest.raises(BoundkitError, match=message):
        split_indices(n, fractions)


def test_pca_plane_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(500, 3)) @ np.diag([3.0, 1.0, 0.2])
    plane = pca_fit(x, 2)
    w, v = np.linalg.eigh(np.cov(x, rowvar=False))
    top = v[:, ::-1][:, :2].T
    np.testing.assert_allclose(np.abs(plane.components @ top.T), np.eye(2), atol=1e-8)
    np.testing.assert_allclose(plane.explained_variance_ratio, w[::-1][:2] / w.sum(), rtol=1e-8)
