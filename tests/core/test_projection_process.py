"""Maps in a child process: the same result as in-process, progress, errors, cancel."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from explorer.core.errors import Cancelled, InvalidParameter
from explorer.core.progress import TaskState
from explorer.core.stats.maps import project
from explorer.core.stats.projection_process import run_child

OPTIONS = {"perplexity": 10.0, "iterations": 60, "seed": 3, "n_jobs": 1, "pca_dims": 0}


def blobs(n: int = 240) -> np.ndarray:
    rng = np.random.default_rng(0)
    return (rng.normal(size=(n, 8)) + np.repeat(np.eye(8)[:3] * 8, n // 3, axis=0)).astype(
        np.float32
    )


@pytest.mark.slow
def test_child_gives_the_in_process_result_with_progress():
    z = blobs()
    seen = []
    child = project(
        z, "tsne", child=True, state=TaskState(lambda f, m: seen.append((f, m))), **OPTIONS
    )
    here = project(z, "tsne", child=False, **OPTIONS)
    np.testing.assert_allclose(child.xy, here.xy, rtol=1e-4, atol=1e-4)
    assert child.params["kl_divergence"] == pytest.approx(here.params["kl_divergence"], rel=1e-6)
    assert child.params["child_process"] and not here.params["child_process"]
    assert {k: v for k, v in child.params.items() if k != "child_process"} == {
        k: v for k, v in here.params.items() if k != "child_process"
    }
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any("affinities" in m for _, m in seen)


def test_child_errors_come_back_as_the_same_exception():
    job = {
        "method": "tsne",
        "options": {"perplexity": 50.0, "iterations": 60, "seed": 0},
        "n_jobs": 1,
    }
    with pytest.raises(InvalidParameter, match="(?i)perplexity"):
        run_child("explorer.core.stats.maps", blobs(30), job, what="t-SNE")


@pytest.mark.slow
def test_cancel_kills_the_child_at_once():
    state = TaskState()
    z = np.random.default_rng(1).normal(size=(3000, 16)).astype(np.float32)
    timer = threading.Timer(4.0, state.request_stop)
    timer.start()
    start = time.perf_counter()
    with pytest.raises(Cancelled):
        project(z, "tsne", child=True, state=state, iterations=5000, n_jobs=1)
    assert time.perf_counter() - start < 4.0 + 2.0
    timer.cancel()
