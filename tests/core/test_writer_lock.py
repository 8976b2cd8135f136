"""One writer per bundle: a training holds its bundle's writer lock; a second training into
it (new, --overwrite or --resume, from the command line or the window) gets one line naming
the running process and writes nothing; readers keep working; the lock ends with its holder,
``kill -9`` included."""

from __future__ import annotations

import shutil

import pytest

from explorer.core.util.writer_lock import LOCK_NAME, FolderBusy, ensure_free, writer_lock
from tests.conftest import TINY
from tests.helpers import run_cli_here


def test_a_second_writer_is_refused_naming_the_first_until_it_ends(tmp_path, lock_holder):
    folder = tmp_path / "bundle"
    proc = lock_holder(folder)
    for attempt in (lambda: writer_lock(folder).__enter__(), lambda: ensure_free(folder)):
        with pytest.raises(FolderBusy, match=rf"already writing there \(process {proc.pid} on "):
            attempt()
    proc.kill()  # as kill -9 would: the kernel releases the lock
    proc.wait()
    assert (folder / LOCK_NAME).exists()  # left behind, and blocks nobody
    ensure_free(folder)
    with writer_lock(folder), pytest.raises(FolderBusy):  # one writer within one process too
        ensure_free(folder)
    assert not (folder / LOCK_NAME).exists()  # the next writer removed it when done
    ensure_free(tmp_path / "no such folder")  # nothing to check, nothing created
    assert not (tmp_path / "no such folder").exists()


def tiny_training(out: str, **options) -> list[str]:
    """``latent-explorer train`` arguments of a tiny training into ``out``."""
    from explorer.core.training.train_command import command_arguments
    from explorer.core.training.train_options import TrainConfig

    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "epochs": 1, "out": out, **options})
    return ["train", *command_arguments(config)]


@pytest.mark.parametrize(
    "extra", [{"resume": True}, {"overwrite": True}], ids=["resume", "overwrite"]
)
def test_training_into_a_bundle_being_trained_is_one_line_and_writes_nothing(
    extra, tmp_path, tiny_bundles, lock_holder
):
    from explorer.core.model import store

    bundle = tmp_path / "ae"
    shutil.copytree(tiny_bundles["ae"], bundle)
    before = {p.name: p.read_bytes() for p in bundle.iterdir() if p.is_file()}
    proc = lock_holder(bundle)
    r = run_cli_here(*tiny_training(str(bundle), **extra))
    assert r.returncode == 2, r.stderr
    [line] = r.stderr.strip().splitlines()
    assert line.startswith(
        f"latent-explorer train: error: {bundle}: a training is already writing there "
        f"(process {proc.pid} on "
    ), line
    after = {p.name: p.read_bytes() for p in bundle.iterdir() if p.is_file()}
    assert after.keys() - {LOCK_NAME} == before.keys()
    assert all(after[name] == data for name, data in before.items())
    assert store.load_bundle(bundle).z_dim == store.read_meta(bundle)["z_dim"]  # readers work


def test_a_new_training_into_a_folder_a_training_just_took_is_refused(tmp_path, lock_holder):
    out = tmp_path / "new"
    proc = lock_holder(out)  # the first training has taken the folder, nothing written yet
    r = run_cli_here(*tiny_training(str(out)))
    assert r.returncode == 2 and f"already writing there (process {proc.pid}" in r.stderr
    assert [p.name for p in out.iterdir()] == [LOCK_NAME]


def test_a_training_holds_the_lock_while_it_writes(tmp_path):
    """The lock is the training's own, taken by train() for its whole run."""
    import keras

    from explorer.core.training.training import TrainConfig, train

    out, seen = tmp_path / "held", []

    class Probe(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            try:
                ensure_free(out)
            except FolderBusy as exc:
                seen.append(str(exc))

    config = TrainConfig.from_options(**{**TINY, "kind": "ae", "epochs": 1, "out": str(out)})
    train(config, callbacks=[Probe()])
    assert len(seen) == 1 and "a training is already writing there" in seen[0]
    ensure_free(out)  # released when train() returns, and the lock file is gone
    assert not (out / LOCK_NAME).exists()
