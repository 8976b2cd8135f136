"""TensorFlow set-up: the shared libraries preloaded without the GIL, then a normal import;
the modules named by ``import_with_keras`` imported and frozen with Keras."""

from __future__ import annotations

import sys

import pytest

from tests.helpers import run_python_json

PRELOAD_THEN_IMPORT = """
import gc, hashlib, json, os, sys
os.environ["LATENT_EXPLORER_TF_PRELOAD"] = sys.argv[1]
from explorer.core.runtime import tf_setup
tf_setup.import_with_keras(["wave"])  # a module TensorFlow and Keras do not import
loaded = tf_setup.preload_shared_libraries()
tf = tf_setup.tensorflow()
before_keras = "wave" in sys.modules
tf_setup.keras()
wave = sys.modules.get("wave")
print(json.dumps({
    "with_keras": [before_keras, wave is not None],
    "frozen": wave is not None and not any(o is wave.__dict__ for o in gc.get_objects()),
    "loaded": loaded,
    "sum": float(tf.reduce_sum(tf.constant([1.0, 2.0]))),
    "sha": hashlib.sha256(b"latent").hexdigest()[:8],  # OpenSSL still OpenSSL
}))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the preload is Linux-only")
def test_preloaded_libraries_leave_tensorflow_and_hashlib_working():
    import hashlib

    out = run_python_json(PRELOAD_THEN_IMPORT, "1")
    assert out["with_keras"] == [False, True]  # imported with Keras (import_with_keras) ...
    assert out["frozen"]  # ... and frozen with it: never walked by a full collection
    assert out["loaded"] == ["libtensorflow_framework.so.2", "libtensorflow_cc.so.2"]
    assert out["sum"] == 3.0
    assert out["sha"] == hashlib.sha256(b"latent").hexdigest()[:8]


def test_preload_can_be_switched_off():
    out = run_python_json(PRELOAD_THEN_IMPORT, "0")
    assert out["loaded"] == []
    assert out["sum"] == 3.0
