"""Who made the digits the shipped model learned from, for the README's and the About box's credits."""

from __future__ import annotations

SHIPPED_MODEL_DATA = (
    ("MNIST", "Y. LeCun, C. Cortes, C. J. C. Burges", "http://yann.lecun.com/exdb/mnist/"),
    ("UNIPEN train_r01_v07 (isolated digits)",
     "the International Unipen Foundation, CC BY 4.0, on Zenodo: doi 10.5281/zenodo.1195803",
     "https://doi.org/10.5281/zenodo.1195803"),
    ("USPS zip-code digits", "Le Cun et al., 1990, as distributed with The Elements of Statistical Learning",
     "https://hastie.su.domains/ElemStatLearn/data.html"),
)
"""(data set, by whom and under what licence, where) of every data set the shipped model was trained on."""
