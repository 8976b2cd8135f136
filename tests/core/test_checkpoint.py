"""Checkpoints: ``model.keras`` and ``meta.json`` agree on the epochs whatever write step a
crash (a kill, Ctrl-C) interrupts; interrupted checkpoints are finished or undone when the
bundle is read, and read-only bundles are read without being written."""

import fcntl
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from explorer.core.model import checkpoint
from explorer.core.model.store import (
    META_FILE,
    MODEL_FILE,
    file_sha256,
    is_bundle,
    load_bundle,
    load_keras_file,
    read_meta,
    save_bundle,
)
from explorer.core.training.training import TrainConfig, train
from explorer.core.util import atomic
from explorer.core.util.paths import shipped_model
from tests.conftest import TINY
from tests.helpers import read_only

CLEAN = [META_FILE, MODEL_FILE]


class Kill(BaseException):
    """Stands for a kill: raised inside a write step, with clean-up switched off."""


@pytest.fixture
def epochs(tiny_bundles, tmp_path):
    """A one-epoch bundle copy, and a second "epoch" (the same model with shifted weights):
    ``(folder, {1: (model, meta), 2: (model, meta)})``."""
    folder = tmp_path / "bundle"
    shutil.copytree(tiny_bundles["ae"], folder, ignore=shutil.ignore_patterns("cache"))
    meta1 = read_meta(folder)
    model1 = load_keras_file(folder / MODEL_FILE)
    model2 = load_keras_file(folder / MODEL_FILE)
    model2.set_weights([w + 0.5 for w in model2.get_weights()])
    meta2 = {**meta1, "training": {**meta1["training"], "epochs_done": 2}}
    assert meta1["training"]["epochs_done"] == 1
    return folder, {1: (model1, meta1), 2: (model2, meta2)}


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _inject(m: pytest.MonkeyPatch, k: int, after: bool) -> None:
    """Kill the process just before (or just after) the ``k``-th rename; like a real kill,
    no temporary file is cleaned up."""
    real, calls = atomic.replace, []

    def replace(src, dst):
        calls.append(Path(dst).name)
        if len(calls) == k and not after:
            raise Kill
        real(src, dst)
        if len(calls) == k:
            raise Kill

    m.setattr(atomic, "replace", replace)
    m.setattr(atomic, "remove", lambda path: None)


def _renames(monkeypatch, folder, model, meta) -> list[str]:
    """The targets of every rename a checkpoint makes, in order."""
    seen, real = [], atomic.replace
    with monkeypatch.context() as m:
        m.setattr(atomic, "replace", lambda s, d: (seen.append(Path(d).name), real(s, d)))
        save_bundle(folder, model, meta)
    return seen


def _check(folder: Path, epochs: dict) -> int:
    """The bundle loads, its model is the one of the epoch its meta says, and nothing of an
    interrupted checkpoint is left; returns that epoch."""
    meta = read_meta(folder)
    done = meta["training"]["epochs_done"]
    assert _names(folder) == CLEAN
    assert meta[checkpoint.DIGEST] == file_sha256(folder / MODEL_FILE)
    saved = load_keras_file(folder / MODEL_FILE).get_weights()
    for got, want in zip(saved, epochs[done][0].get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert is_bundle(folder) and load_bundle(folder).kind == "ae"
    return done


def test_a_kill_at_every_write_step_leaves_a_consistent_bundle(epochs, monkeypatch, tmp_path):
    folder, by_epoch = epochs
    model2, meta2 = by_epoch[2]
    trial = tmp_path / "trial"
    shutil.copytree(folder, trial)
    renames = _renames(monkeypatch, trial, model2, meta2)
    assert renames == ["model.next.keras", "meta.next.json", MODEL_FILE, META_FILE]
    decided = renames.index(checkpoint.NEXT_META) + 1  # from here on, epoch 2 wins
    outcomes = {}
    for k in range(1, len(renames) + 1):
        for after in (False, True):
            shutil.rmtree(trial)
            shutil.copytree(folder, trial)
            with monkeypatch.context() as m, pytest.raises(Kill):
                _inject(m, k, after)
                save_bundle(trial, model2, meta2)
            outcomes[k, after] = _check(trial, by_epoch)
            assert outcomes[k, after] == (2 if (k, after) >= (decided, True) else 1), (k, after)
    assert set(outcomes.values()) == {1, 2}


@pytest.mark.parametrize("where", ["model.save", "hashing"])
def test_a_kill_before_the_first_rename_keeps_the_previous_epoch(epochs, monkeypatch, where):
    folder, by_epoch = epochs
    model2, meta2 = by_epoch[2]

    def half_saved(path, *args, **kwargs):
        Path(path).write_bytes(b"PK\x03\x04 half a model")
        raise Kill

    with monkeypatch.context() as m, pytest.raises(Kill):
        m.setattr(atomic, "remove", lambda path: None)
        if where == "model.save":
            m.setattr(model2, "save", half_saved)
        else:
            m.setattr(checkpoint, "file_sha256", lambda path: (_ for _ in ()).throw(Kill()))
        save_bundle(folder, model2, meta2)
    assert len(_names(folder)) > 2  # a temporary model file or model.next.keras is left
    assert _check(folder, by_epoch) == 1  # ... and removed when the bundle is read
    save_bundle(folder, model2, meta2)  # the next checkpoint goes through
    assert _check(folder, by_epoch) == 2


def test_a_read_only_bundle_is_read_as_it_is(epochs, monkeypatch):
    """An interrupted checkpoint in a folder that cannot be written: nothing is repaired, and
    the meta read is the one describing model.keras (the new meta.next.json after step 3)."""
    folder, by_epoch = epochs
    model2, meta2 = by_epoch[2]
    with monkeypatch.context() as m, pytest.raises(Kill):
        _inject(m, 3, after=True)  # model.keras replaced, meta.json not yet
        save_bundle(folder, model2, meta2)
    before = _names(folder)
    assert checkpoint.NEXT_META in before
    with read_only(folder):
        assert read_meta(folder)["training"]["epochs_done"] == 2
        assert is_bundle(folder) and load_bundle(folder).meta["training"]["epochs_done"] == 2
        assert _names(folder) == before
    assert _check(folder, by_epoch) == 2  # writable again: repaired on the next read


def test_shipped_bundles_without_a_digest_load_unchanged_when_read_only(tmp_path):
    copy = tmp_path / "mnist_ae_z2"
    shutil.copytree(shipped_model("mnist_ae_z2"), copy, ignore=shutil.ignore_patterns("cache"))
    assert checkpoint.DIGEST not in read_meta(copy)
    with read_only(copy):
        assert checkpoint.reconcile(copy) == copy / META_FILE
        assert load_bundle(copy).z_dim == 2 and is_bundle(copy)
    assert _names(copy) == CLEAN


def test_a_reader_never_undoes_a_checkpoint_in_progress(epochs, monkeypatch):
    folder, by_epoch = epochs
    model2, meta2 = by_epoch[2]
    with monkeypatch.context() as m, pytest.raises(Kill):
        _inject(m, 1, after=True)  # model.next.keras written, nothing else yet
        save_bundle(folder, model2, meta2)
    fd = os.open(folder, os.O_RDONLY)  # the writer's lock, as a live training process holds it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        assert read_meta(folder)["training"]["epochs_done"] == 1
        assert checkpoint.NEXT_MODEL in _names(folder)  # the writer's file is left alone
    finally:
        os.close(fd)
    assert _check(folder, by_epoch) == 1


@pytest.mark.parametrize("k,kept", [(5, 1), (6, 2)])
def test_training_killed_during_a_checkpoint_resumes(tmp_path, monkeypatch, k, kept):
    """A kill in the second epoch's checkpoint (renames 5-8): after rename 5 the bundle keeps
    epoch 1, after rename 6 (meta.next.json) epoch 2; either way it resumes."""
    out = tmp_path / "t"
    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "epochs": 2, "out": str(out)})
    with monkeypatch.context() as m, pytest.raises(Kill):
        _inject(m, k, after=True)
        train(config)
    meta = read_meta(out)
    assert meta["training"]["epochs_done"] == kept and len(meta["history"]) == kept
    assert meta[checkpoint.DIGEST] == file_sha256(out / MODEL_FILE)
    assert _names(out) == CLEAN
    again = train(TrainConfig(out=str(out), resume=True, epochs=1))
    assert again.epochs_done == kept + 1
    assert read_meta(out)["training"]["epochs_done"] == kept + 1
