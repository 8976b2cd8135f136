"""TensorFlow set-up: the shared libraries preloaded without the GIL, then a normal import."""

from __future__ import annotations

import sys

import pytest

from tests.helpers import run_python_json

PRELOAD_THEN_IMPORT = """
import hashlib, json, os, sys
os.environ["LATENT_EXPLORER_TF_PRELOAD"] = sys.argv[1]
from explorer.core.runtime import tf_setup
loaded = tf_setup.preload_shared_libraries()
tf = tf_setup.tensorflow()
print(json.dumps({
    "loaded": loaded,
    "sum": float(tf.reduce_sum(tf.constant([1.0, 2.0]))),
    "sha": hashlib.sha256(b"latent").hexdigest()[:8],  # OpenSSL still OpenSSL
}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the preload is Linux-only")
def test_preloaded_libraries_leave_tensorflow_and_hashlib_working():
    import hashlib

    out = run_python_json(PRELOAD_THEN_IMPORT, "1")
    assert out["loaded"] == ["libtensorflow_framework.so.2", "libtensorflow_cc.so.2"]
    assert out["sum"] == 3.0
    assert out["sha"] == hashlib.sha256(b"latent").hexdigest()[:8]


def test_preload_can_be_switched_off():
    out = run_python_json(PRELOAD_THEN_IMPORT, "0")
    assert out["loaded"] == []
    assert out["sum"] == 3.0
