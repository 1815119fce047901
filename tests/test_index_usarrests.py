"""Pins on R's USArrests data: z-score n - 1 and principal components.

Data: R datasets::USArrests (McNeil 1977; public domain), 50 states x Murder, Assault, UrbanPop,
Rape. Expected values are the published outputs of the ISLR PCA lab (James et al., An
Introduction to Statistical Learning, 10.4), reproduced e.g. on
https://rstudio-pubs-static.s3.amazonaws.com/511726_e3316a84fa794393900f05fecf9e0f90.html :
  apply(USArrests, 2, var)            18.97047 6945.16571 209.51878 87.72916
  pr.out$scale                        4.355510 83.337661 14.474763 9.366385
  pr.out$sdev                         1.5748783 0.9948694 0.5971291 0.4164494
  pve                                 0.62006039 0.24744129 0.08914080 0.04335752
  pr.out$rotation[, "PC1"]            -0.5358995 -0.5831836 -0.2781909 -0.5434321
  pr.out$rotation[, "PC2"]            0.4181809 0.1879856 -0.8728062 -0.1673186
(prcomp's signs are arbitrary; ours are chosen so that each component's loadings sum to >= 0,
so the published columns are compared after that sign flip.)
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from tiangong.index import normalise, pca_weights, principal_components

USARRESTS_CSV = """\
Alabama,13.2,236,58,21.2
Alaska,10,263,48,44.5
Arizona,8.1,294,80,31
Arkansas,8.8,190,50,19.5
California,9,276,91,40.6
Colorado,7.9,204,78,38.7
Connecticut,3.3,110,77,11.1
Delaware,5.9,238,72,15.8
Florida,15.4,335,80,31.9
Georgia,17.4,211,60,25.8
Hawaii,5.3,46,83,20.2
Idaho,2.6,120,54,14.2
Illinois,10.4,249,83,24
Indiana,7.2,113,65,21
Iowa,2.2,56,57,11.3
Kansas,6,115,66,18
Kentucky,9.7,109,52,16.3
Louisiana,15.4,249,66,22.2
Maine,2.1,83,51,7.8
Maryland,11.3,300,67,27.8
Massachusetts,4.4,149,85,16.3
Michigan,12.1,255,74,35.1
Minnesota,2.7,72,66,14.9
Mississippi,16.1,259,44,17.1
Missouri,9,178,70,28.2
Montana,6,109,53,16.4
Nebraska,4.3,102,62,16.5
Nevada,12.2,252,81,46
New Hampshire,2.1,57,56,9.5
New Jersey,7.4,159,89,18.8
New Mexico,11.4,285,70,32.1
New York,11.1,254,86,26.1
North Carolina,13,337,45,16.1
North Dakota,0.8,45,44,7.3
Ohio,7.3,120,75,21.4
Oklahoma,6.6,151,68,20
Oregon,4.9,159,67,29.3
Pennsylvania,6.3,106,72,14.9
Rhode Island,3.4,174,87,8.3
South Carolina,14.4,279,48,22.5
South Dakota,3.8,86,45,12.8
Tennessee,13.2,188,59,26.9
Texas,12.7,201,80,25.5
Utah,3.2,120,80,22.9
Vermont,2.2,48,32,11.2
Virginia,8.5,156,63,20.7
Washington,4,145,73,26.2
West Virginia,5.7,81,39,9.3
Wisconsin,2.6,53,66,10.8
Wyoming,6.8,161,60,15.6
"""

PUBLISHED_VAR = [18.97047, 6945.16571, 209.51878, 87.72916]
PUBLISHED_SCALE = [4.355510, 83.337661, 14.474763, 9.366385]
PUBLISHED_SDEV = [1.5748783, 0.9948694, 0.5971291, 0.4164494]
PUBLISHED_PVE = [0.62006039, 0.24744129, 0.08914080, 0.04335752]
PUBLISHED_PC1 = [-0.5358995, -0.5831836, -0.2781909, -0.5434321]
PUBLISHED_PC2 = [0.4181809, 0.1879856, -0.8728062, -0.1673186]


def usarrests() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(USARRESTS_CSV), header=None, index_col=0,
                       names=["state", "Murder", "Assault", "UrbanPop", "Rape"])


def test_zscore_default_is_n_minus_1() -> None:
    data = usarrests()
    implied_sd = (data - data.mean()) / normalise(data, "zscore")
    np.testing.assert_allclose(implied_sd.iloc[0], PUBLISHED_SCALE, atol=1e-6)
    # the population convention (ddof = 0, NumPy's and SALib's habit) is the explicit option:
    # its variance is the published (n - 1) variance times 49/50
    implied0 = (data - data.mean()) / normalise(data, "zscore", ddof=0)
    np.testing.assert_allclose(implied0.iloc[0] ** 2, np.array(PUBLISHED_VAR) * 49 / 50,
                               rtol=1e-6)


def test_principal_components_match_prcomp() -> None:
    pcs = principal_components(usarrests())
    np.testing.assert_allclose(np.sqrt(pcs.eigenvalues), PUBLISHED_SDEV, atol=1e-7)
    np.testing.assert_allclose(pcs.explained, PUBLISHED_PVE, atol=1e-8)
    np.testing.assert_allclose(pcs.loadings["PC1"], -np.array(PUBLISHED_PC1), atol=1e-7)
    np.testing.assert_allclose(pcs.loadings["PC2"], -np.array(PUBLISHED_PC2), atol=1e-7)


def test_first_pc_weights_are_the_published_loadings_rescaled() -> None:
    # COINr get_PCA(): weights = PC1 loadings. Ours are sign-fixed and scaled to sum to one,
    # i.e. the published loadings divided by their sum (-1.9407061).
    w = pca_weights(usarrests(), method="first_pc")
    expected = np.array(PUBLISHED_PC1) / sum(PUBLISHED_PC1)
    np.testing.assert_allclose(w, expected, atol=1e-7)
    assert list(w.index) == ["Murder", "Assault", "UrbanPop", "Rape"]


def test_handbook_weights_are_a_valid_weight_vector() -> None:
    # No fully published Handbook weight table could be retrieved to pin the numbers (see
    # test_index_weights.py for the factor-retention pin); here only the contract is checked.
    w = pca_weights(usarrests(), method="handbook")
    assert w.sum() == 1.0 or abs(w.sum() - 1.0) < 1e-12
    assert (w > 0).all()
