"""The encodings cache serves only entries that verify: a missing array, arrays of different
lengths, a corrupt body under a valid header, a broken ``info.json``, a 0-byte or 1-D ``.npy``
are discarded, encoded again and said in one line; a cache that cannot be written (a full
disk) loses nothing but the cache."""

from __future__ import annotations

import errno
import json
import shutil

import numpy as np
import pytest

from explorer.core.data.sources import open_dataset
from explorer.core.latent import encoding
from explorer.core.latent.encoding import encode_dataset
from explorer.core.latent.encoding_cache import CacheDamaged, load_cached
from explorer.core.model.store import load_bundle
from tests.helpers import run_cli_here, tiny_npz


@pytest.fixture(scope="module")
def vae_and_data(tiny_bundles, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cache_data")
    return load_bundle(tiny_bundles["vae"]), open_dataset(str(tiny_npz(folder / "d.npz", 120)))


def _entry(cache):
    [entry] = [p for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return entry


def _drop_mu(e):
    (e / "mu.npy").unlink()


def _short_logvar(e):
    np.save(e / "logvar.npy", np.load(e / "logvar.npy")[:-3])


def _corrupt_body(e):  # the .npy header stays valid: the file loads, its values are wrong
    data = bytearray((e / "z.npy").read_bytes())
    data[-40:] = b"\xff" * 40  # NaNs
    (e / "z.npy").write_bytes(bytes(data))


def _info_list(e):
    (e / "info.json").write_text("[1, 2]")


def _info_without_rows(e):
    info = json.loads((e / "info.json").read_text())
    del info["rows"]
    (e / "info.json").write_text(json.dumps(info))


def _empty_npy(e):
    (e / "mu.npy").write_bytes(b"")


def _one_d(e):
    np.save(e / "z.npy", np.load(e / "z.npy").ravel())


def _no_info(e):
    (e / "info.json").unlink()


DAMAGE = {
    "missing mu": (_drop_mu, "mu.npy is missing"),
    "lengths differ": (_short_logvar, "logvar.npy holds"),
    "corrupt body": (_corrupt_body, "z.npy does not match its checksum"),
    "info a list": (_info_list, "info.json is not an object"),
    "info without rows": (_info_without_rows, "info.json lacks rows"),
    "0-byte npy": (_empty_npy, "mu.npy cannot be read"),
    "1-D array": (_one_d, "z.npy holds"),
    "no info.json": (_no_info, "info.json is missing"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_entry_is_encoded_again_and_said(case, vae_and_data, tmp_path):
    model, ds = vae_and_data
    cache = tmp_path / "cache"
    first = encode_dataset(model, ds, cache=cache)
    assert first.note == "" and first.mu is not None
    damage, reason = DAMAGE[case]
    damage(_entry(cache))
    with pytest.raises(CacheDamaged, match=reason):
        load_cached(_entry(cache))
    again = encode_dataset(model, ds, cache=cache)
    assert reason in again.note and "discarded, encoding again" in again.note
    for key in ("z", "mu", "logvar", "labels", "indices"):
        np.testing.assert_array_equal(getattr(again, key), getattr(first, key))
    served = encode_dataset(model, ds, cache=cache)  # the new entry verifies and is served
    assert served.note == "" and isinstance(served.z, np.memmap)
    np.testing.assert_array_equal(served.mu, first.mu)


def test_no_entry_and_old_entries_are_not_damage(vae_and_data, tmp_path):
    model, ds = vae_and_data
    assert load_cached(tmp_path / "nothing") is None
    cache = tmp_path / "cache"
    encode_dataset(model, ds, cache=cache)
    info = json.loads((_entry(cache) / "info.json").read_text())
    (_entry(cache) / "info.json").write_text(json.dumps({**info, "format": 1}))
    assert load_cached(_entry(cache)) is None  # an older format: passed over silently


def test_a_cache_that_cannot_be_written_loses_nothing_but_the_cache(
    vae_and_data, tmp_path, monkeypatch
):
    model, ds = vae_and_data

    def full_disk(folder, enc):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(encoding, "save_cached", full_disk)
    enc = encode_dataset(model, ds, cache=tmp_path / "cache")
    assert len(enc) == len(ds) and enc.mu is not None
    assert (
        enc.note
        == "could not write the encodings cache (No space left on device); going on without it"
    )


def test_encode_says_the_damage_in_one_line_and_writes_its_output(tiny_bundles, tmp_path):
    bundle = tmp_path / "vae"
    shutil.copytree(tiny_bundles["vae"], bundle, ignore=shutil.ignore_patterns("cache"))
    data = tiny_npz(tmp_path / "d.npz", 64)
    first = run_cli_here("encode", bundle, "--dataset", data, "--out", tmp_path / "a.npz")
    assert first.returncode == 0, first.stderr
    _corrupt_body(_entry(bundle / "cache"))
    r = run_cli_here("encode", bundle, "--dataset", data, "--out", tmp_path / "b.npz")
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "encodings cache" in line]
    assert len(lines) == 1 and "z.npy does not match its checksum" in lines[0], r.stderr
    a, b = np.load(tmp_path / "a.npz"), np.load(tmp_path / "b.npz")
    assert sorted(a.files) == sorted(b.files)
    for key in a.files:
        np.testing.assert_array_equal(a[key], b[key])
