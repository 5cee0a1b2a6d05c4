r"""Real data sets that ship inside installed packages, and your own files.

:func:`load_dataset` reads the scikit-learn data sets (``iris``, ``wine``, ``breast_cancer``,
``digits``, ``diabetes``; ``sklearn.datasets.load_*``, never a download) or a CSV/NPY file,
drops constant columns and standardises the rest. :func:`split_indices` draws a seeded
train/validation/test split; :func:`pca_fit` gives the 2-D plane used for pictures.

Examples
--------
>>> from boundkit.datasets import load_dataset
>>> ds = load_dataset("iris")
>>> ds.x.shape
(150, 4)
"""

from boundkit.datasets._files import read_array, read_header
from boundkit.datasets._load import DATASETS, Dataset, load_dataset, standardise_columns
from boundkit.datasets._split import PCAPlane, Split, pca_fit, split_indices

__all__ = [
    "DATASETS",
    "Dataset",
    "PCAPlane",
    "Split",
    "load_dataset",
    "pca_fit",
    "read_array",
    "read_header",
    "split_indices",
    "standardise_columns",
]
