"""Every sampler of latent (z) points, declared once in :data:`SAMPLERS` (in the window's order).

A :class:`SamplerSpec` holds the sampler's name, menu label, parameters (:class:`Param`: kind,
default, bounds, help, window field), whether it needs encoded data, whether it lays out a
rows x cols grid itself, and its draw function. :func:`explorer.core.latent.sampling.sample`
checks the parameters from these declarations and calls the draw function; the command
line's flags (``sample``/``compare``, ``sample --list-samplers``) and the window's sampler
form are generated from them.

Adding a sampler: write ``draws.draw_x(rng, n, z_dim, data, **params) -> z`` (params arrive
checked; grid samplers also get ``cols``), add ``SamplerSpec("x", ...)`` to :data:`SAMPLERS`,
and a test in ``tests/core/test_sampling.py``.

Samplers
--------
normal       N(mean, std^2) per component.
uniform      Uniform in [-limit, limit] per component.
pca          ``n`` points along principal axis ``axis`` of ``data``, from -span to +span
             standard deviations of that axis; other coordinates at the data mean.
pca_grid     rows x cols grid in the plane of principal axes ``axis`` (columns, left to
             right) and ``axis2`` (rows, top = +span), each from -span to +span std devs.
fitted       Gaussian fitted to ``data``, ``covariance`` "diag" or "full".
gmm          Gaussian mixture with ``components`` components fitted to ``data``.
interpolate  ``n`` points from ``start`` to ``end`` (both included), ``method`` "linear" or
             "slerp" (direction on the great circle, norm interpolated linearly).
grid2d       Regular grid for ``z_dim == 2``: columns span ``x_range`` left to right, rows span
             ``y_range`` with the top row at the highest y; row-major order.
traverse     rows x steps: each row one latent component (``dims``) or principal axis
             (``pca_axes``), its columns ``steps`` values from -span to +span standard
             deviations of it over the data (mu for a VAE), the other coordinates at ``base``
             (mean, origin or index:N). Without data: units of 1 from the origin.
attribute    rows x steps "feature arithmetic": each row a base point (``bases``, data set
             images), its columns base + alpha * vector for ``steps`` alphas over ``alpha``;
             the vector goes from the points without ``attribute`` (a class label such as 3,
             or an attribute such as Smiling) to those with it, or from class ``attribute``
             to class ``to``; all from the data's mu for a VAE.

Samplers with a ``layout`` fix rows x cols from their parameters (traverse: rows = components,
cols = steps); ``n`` must then be rows * cols and the caller's grid size is not used.
Samplers that declare ``data`` ("z" or "mu") use encoded data when given (required only with
``needs_data``): "mu" takes a VAE's means (z for an AE), and the description records which as
``data_from``.

Grid samplers use ``cols`` columns and ``n // cols`` rows; ``n`` must be a multiple of ``cols``.
``cols=None`` picks the most square layout with ``cols >= rows`` (e.g. n=12 -> 3 x 4).
"""

from __future__ import annotations

from explorer.core.errors import InvalidParameter
from explorer.core.latent import draws, radius
from explorer.core.latent.sampler_spec import SamplerSpec
from explorer.core.params import Param


def get_sampler(name: str) -> SamplerSpec:
    """The declaration of ``name``; :class:`InvalidParameter` naming the known ones."""
    if name not in SAMPLERS:
        raise InvalidParameter(f"unknown sampler {name!r}; known: {', '.join(SAMPLERS)}.")
    return SAMPLERS[name]


def is_grid(name: str) -> bool:
    """Whether ``name`` is a sampler that lays out rows x cols itself."""
    return name in SAMPLERS and SAMPLERS[name].grid


def listing() -> list[str]:
    """One line per sampler (``latent-explorer sample --list-samplers``)."""
    return [spec.listing() for spec in SAMPLERS.values()]


# ---------------------------------------------------------------- the declarations

_COVARIANCE = ("diag", "full")
_SPAN = "from -span to +span std"
_STEPS = (
    "columns: values from -span to +span (traverse) or of alpha (attribute); the grid is "
    "rows x steps, --grid and the window's grid size are not used"
)

SAMPLERS: dict[str, SamplerSpec] = {
    s.name: s
    for s in (
        SamplerSpec(
            "normal",
            "Normal",
            draws.draw_normal,
            (
                Param("mean", "float", 0.0, "centre of every component", "mean", "normalMean"),
                Param(
                    "std",
                    "positive",
                    1.0,
                    "spread of every component",
                    "std",
                    "normalStd",
                    sweep="0.25:3:0.25",
                ),
            ),
            radius=radius.normal_radius,
        ),
        SamplerSpec(
            "uniform",
            "Uniform",
            draws.draw_uniform,
            (
                Param(
                    "limit",
                    "positive",
                    2.0,
                    "z_j in [-b, b]",
                    "limit b",
                    "uniformLimit",
                    sweep="0.5:8:0.5",
                ),
            ),
            radius=radius.uniform_radius,
        ),
        SamplerSpec(
            "pca",
            "PCA axis",
            draws.draw_pca,
            (
                Param(
                    "axis", "axis", 0, "principal axis (0 = largest variance)", "axis", "pcaAxis"
                ),
                Param("span", "positive", 3.0, _SPAN, "span (std)", "pcaSpan"),
            ),
            needs_data=True,
        ),
        SamplerSpec(
            "pca_grid",
            "PCA plane",
            draws.draw_pca_grid,
            (
                Param(
                    "axis", "axis", 0, "principal axis of the columns", "column axis", "pcaGridAxis"
                ),
                Param("axis2", "axis", 1, "principal axis of the rows", "row axis", "pcaGridAxis2"),
                Param("span", "positive", 3.0, _SPAN, "span (std)", "pcaGridSpan"),
            ),
            needs_data=True,
            grid=True,
        ),
        SamplerSpec(
            "fitted",
            "Fitted Gaussian",
            draws.draw_fitted,
            (
                Param(
                    "covariance",
                    "choice",
                    "diag",
                    "diag (independent components) or full (correlated)",
                    "covariance",
                    "fittedCov",
                    choices=_COVARIANCE,
                ),
            ),
            needs_data=True,
        ),
        SamplerSpec(
            "gmm",
            "Gaussian mixture",
            draws.draw_gmm,
            (
                Param(
                    "components",
                    "int",
                    5,
                    "number of mixture components",
                    "components",
                    "gmmComponents",
                    low=1,
                    high="points",
                ),
                Param(
                    "covariance",
                    "choice",
                    "diag",
                    "diag or full, of each mixture component",
                    "covariance",
                    "gmmCov",
                    choices=_COVARIANCE,
                ),
            ),
            needs_data=True,
        ),
        SamplerSpec(
            "interpolate",
            "Interpolate",
            draws.draw_interpolate,
            (
                Param(
                    "start",
                    "vector",
                    None,
                    "a data set image",
                    "from image #",
                    "interpStart",
                    image_index=0,
                ),
                Param(
                    "end",
                    "vector",
                    None,
                    "a data set image",
                    "to image #",
                    "interpEnd",
                    image_index=1,
                ),
                Param(
                    "method",
                    "choice",
                    "linear",
                    "linear, or slerp (spherical: along the great circle)",
                    "path",
                    "interpMethod",
                    choices=("linear", "slerp"),
                ),
            ),
        ),
        SamplerSpec(
            "grid2d",
            "2-D grid",
            draws.draw_grid2d,
            (
                Param(
                    "x_range",
                    "range",
                    (-2.0, 2.0),
                    "low:high (z_dim 2 only)",
                    "x range",
                    "gridXRange",
                    alias="range",
                ),
                Param(
                    "y_range",
                    "range",
                    (-2.0, 2.0),
                    "low:high (z_dim 2 only)",
                    "y range",
                    "gridYRange",
                    alias="range",
                ),
            ),
            grid=True,
            z_dim=2,
        ),
        SamplerSpec(
            "traverse",
            "Traverse",
            draws.draw_traverse,
            (
                Param(
                    "dims",
                    "dims",
                    None,
                    "latent components, one per row, such as 2,5 (default: the first 8)",
                    "components",
                    "traverseDims",
                ),
                Param(
                    "pca_axes",
                    "axes",
                    None,
                    "principal axes instead of components, one per row, such as 0,1 (needs data)",
                    "PCA axes",
                    "traversePcaAxes",
                ),
                Param(
                    "steps",
                    "int",
                    9,
                    _STEPS,
                    "steps",
                    "traverseSteps",
                    low=1,
                    high=100,
                ),
                Param(
                    "span",
                    "positive",
                    3.0,
                    f"{_SPAN} of the component or axis over the data (units without data)",
                    "span (std)",
                    "traverseSpan",
                ),
                Param(
                    "base",
                    "base",
                    "mean",
                    "other coordinates: mean of the data, origin, or index:N (image N); "
                    "the origin without data",
                    "base point",
                    "traverseBase",
                ),
            ),
            grid=True,
            data="mu",
            resolve=draws.resolve_traverse,
            layout=draws.traverse_layout,
        ),
        SamplerSpec(
            "attribute",
            "Attribute vector",
            draws.draw_attribute,
            (
                Param(
                    "attribute",
                    "name",
                    None,
                    "a label (MNIST: 3) or attribute (CelebA: Smiling): the vector goes from "
                    "the points without it to those with it",
                    "attribute",
                    "attributeName",
                ),
                Param(
                    "to",
                    "name",
                    None,
                    "another label: the vector goes from class attribute to class to",
                    "to class",
                    "attributeTo",
                ),
                Param(
                    "bases",
                    "indices",
                    (0,),
                    "data set images, one base point per row, such as 10,20",
                    "base images",
                    "attributeBases",
                ),
                Param(
                    "steps",
                    "int",
                    7,
                    _STEPS,
                    "steps",
                    "attributeSteps",
                    low=1,
                    high=100,
                ),
                Param(
                    "alpha",
                    "range",
                    (-1.5, 1.5),
                    "LO:HI of alpha in z = base + alpha * vector",
                    "alpha",
                    "attributeAlpha",
                ),
            ),
            needs_data=True,
            grid=True,
            data="mu",
            resolve=draws.resolve_attribute,
            layout=draws.attribute_layout,
        ),
    )
}
"""Sampler name -> declaration, in the order of the window's menu."""
