"""The encoding cache of a bundle that cannot be written goes to the user cache folder
(``$XDG_CACHE_HOME/latent-explorer/encodings``) instead of failing."""

import shutil

import numpy as np
import pytest

from explorer.core.data.sources import open_dataset
from explorer.core.latent import encoding as latent
from explorer.core.latent.encoding import cache_key, default_cache_root, encode_dataset
from explorer.core.model.store import load_bundle
from tests.helpers import read_only


@pytest.fixture
def bundle(tiny_bundles, tmp_path, monkeypatch):
    """A copy of the tiny AE bundle without a cache, and a private user cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    copy = tmp_path / "ae"
    shutil.copytree(tiny_bundles["ae"], copy, ignore=shutil.ignore_patterns("cache"))
    return copy


@pytest.fixture(scope="module")
def data():
    return open_dataset("mnist-5k")


def _no_encoding(monkeypatch):
    """From now on, encodings must come from a cache."""
    monkeypatch.setattr(latent, "_encode", lambda *a, **k: pytest.fail("encoded again"))


def _user_entry(tmp_path, model, data):
    return tmp_path / "xdg" / "latent-explorer" / "encodings" / cache_key(model, data, 0)


def test_a_writable_bundle_caches_in_its_own_folder(bundle, data, tmp_path):
    model = load_bundle(bundle)
    assert default_cache_root(model) == bundle / "cache"
    encode_dataset(model, data)
    assert (bundle / "cache" / cache_key(model, data, 0) / "info.json").is_file()
    assert not (tmp_path / "xdg").exists()


def test_a_bundle_whose_cache_is_a_file_caches_in_the_user_folder(
    bundle, data, tmp_path, monkeypatch
):
    """``cache`` is a file: the cache folder cannot be created, even by root."""
    (bundle / "cache").write_text("not a folder")
    model = load_bundle(bundle)
    first = encode_dataset(model, data)
    assert (_user_entry(tmp_path, model, data) / "info.json").is_file()
    _no_encoding(monkeypatch)
    np.testing.assert_array_equal(encode_dataset(model, data).z, first.z)


def test_a_read_only_bundle_caches_in_the_user_folder(bundle, data, tmp_path, monkeypatch):
    model = load_bundle(bundle)
    with read_only(bundle):
        assert default_cache_root(model) == _user_entry(tmp_path, model, data).parent
        first = encode_dataset(model, data)
        _no_encoding(monkeypatch)
        np.testing.assert_array_equal(encode_dataset(model, data).z, first.z)
    assert not (bundle / "cache").exists()
    assert (_user_entry(tmp_path, model, data) / "info.json").is_file()


def test_a_read_only_bundle_still_reads_its_own_cache(bundle, data, tmp_path, monkeypatch):
    model = load_bundle(bundle)
    first = encode_dataset(model, data)  # into <bundle>/cache while it can be written
    with read_only(bundle), read_only(bundle / "cache"):
        _no_encoding(monkeypatch)
        np.testing.assert_array_equal(encode_dataset(model, data).z, first.z)
    assert not (tmp_path / "xdg").exists()
