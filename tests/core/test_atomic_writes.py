"""Atomic writes: fsync before the rename, no empty or stray files, the exact target name,
folders written in one step, and encoding caches written by several processes at once."""

import multiprocessing
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from explorer.core.errors import IncompleteWrite
from explorer.core.latent.encoding_cache import load_cached, save_cached
from explorer.core.latent.encodings import Encodings
from explorer.core.util import atomic
from tests.helpers import read_only


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_file_is_synced_before_the_rename_and_the_folder_after(tmp_path, monkeypatch):
    events = []
    real_replace = os.replace
    monkeypatch.setattr(atomic, "fsync_file", lambda p: events.append(("fsync", Path(p).name)))
    monkeypatch.setattr(atomic, "fsync_dir", lambda p: events.append(("fsync_dir", Path(p))))
    monkeypatch.setattr(
        atomic.os,
        "replace",
        lambda a, b: (events.append(("replace", Path(a).name, Path(b).name)), real_replace(a, b)),
    )
    atomic.write_text(tmp_path / "a.json", "{}")
    (fsync, tmp_name), (replace, src, dst), (fsync_dir, folder) = events
    assert (fsync, replace, fsync_dir) == ("fsync", "replace", "fsync_dir")
    assert tmp_name == src and src.endswith(".json") and dst == "a.json" and folder == tmp_path


@pytest.mark.parametrize(
    "writer",
    [lambda tmp: None, lambda tmp: tmp.unlink(), lambda tmp: np.savez(tmp, a=np.ones(3))],
    ids=["empty", "absent", "np.savez-appends-.npz"],
)
def test_an_empty_or_absent_temporary_file_never_replaces_the_target(tmp_path, writer):
    target = tmp_path / "foo"
    target.write_bytes(b"old")
    with pytest.raises(IncompleteWrite, match="empty"):
        atomic.write_with(target, writer)
    assert target.read_bytes() == b"old"
    assert _names(tmp_path) == ["foo"]  # no temporary file, no stray ".tmp.npz"


def test_save_npz_writes_exactly_the_path_given(tmp_path):
    enc = Encodings(z=np.arange(6, dtype=np.float32).reshape(3, 2), labels=np.arange(3))
    enc.save_npz(tmp_path / "foo")  # no suffix: np.savez(name) would have written foo.npz
    assert _names(tmp_path) == ["foo"]
    with open(tmp_path / "foo", "rb") as handle, np.load(handle) as f:
        np.testing.assert_array_equal(f["z"], enc.z)
        assert set(f.files) == {"z", "labels"}


def test_a_failing_npz_write_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "z.npz"
    Encodings(z=np.zeros((2, 2), np.float32)).save_npz(target)
    good = target.read_bytes()

    def crash(handle, **arrays):
        handle.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    def truncated(handle, **arrays):  # returns without error, but the zip is unfinished
        handle.write(b"PK\x03\x04 half a zip")

    new = Encodings(z=np.ones((2, 2), np.float32))
    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        new.save_npz(target)
    monkeypatch.setattr(np, "savez", truncated)
    with pytest.raises(IncompleteWrite, match="z.npz: the written file is not a readable .npz"):
        new.save_npz(target)
    assert target.read_bytes() == good and _names(tmp_path) == ["z.npz"]


def test_atomic_folder_keeps_a_good_existing_folder_and_replaces_a_broken_one(tmp_path):
    target = tmp_path / "entry"
    for keep, expected in ((True, "theirs"), (False, "ours")):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        (target / "who").write_text("theirs")
        with atomic.atomic_folder(target, keep=lambda p, keep=keep: keep) as tmp:
            (tmp / "who").write_text("ours")
        assert (target / "who").read_text() == expected
        assert _names(tmp_path) == ["entry"]  # no temporary or discarded folder left
    with pytest.raises(RuntimeError), atomic.atomic_folder(tmp_path / "new") as tmp:
        (tmp / "x").write_text("half")
        raise RuntimeError("crash")
    assert _names(tmp_path) == ["entry"]


def test_unwritable_reason(tmp_path):
    assert atomic.unwritable_reason(tmp_path / "new" / "deeper") is None
    (tmp_path / "file").write_text("x")
    assert "is a file" in atomic.unwritable_reason(tmp_path / "file" / "sub")
    (tmp_path / "ro").mkdir()
    with read_only(tmp_path / "ro"):
        assert "not writable" in atomic.unwritable_reason(tmp_path / "ro" / "bundle")
    assert _names(tmp_path) == ["file", "ro"]  # the probes left nothing behind


def _write_cache(folder: str, value: int, barrier, rounds: int) -> None:
    enc = Encodings(
        z=np.full((2000, 16), value, np.float32),
        labels=np.arange(2000),
        indices=np.arange(2000),
    )
    for r in range(rounds):
        barrier.wait(timeout=60)  # a crashed writer breaks the barrier: no hang
        save_cached(Path(folder) / f"entry{r}", enc)


def test_concurrent_cache_writers_all_succeed_and_leave_a_complete_entry(tmp_path):
    """Four processes write the same entries at the same moment (a barrier per round); with a
    fixed ``.partial`` folder and rmtree-then-rename they collided."""
    ctx = multiprocessing.get_context("spawn")
    n, rounds = 4, 12
    barrier = ctx.Barrier(n)
    procs = [
        ctx.Process(target=_write_cache, args=(str(tmp_path), i, barrier, rounds)) for i in range(n)
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join(180)
    assert [p.exitcode for p in procs] == [0] * n
    assert _names(tmp_path) == sorted(f"entry{r}" for r in range(rounds))
    for r in range(rounds):
        enc = load_cached(tmp_path / f"entry{r}")
        assert enc is not None and enc.z.shape == (2000, 16)
        assert len(np.unique(np.asarray(enc.z))) == 1  # one writer's arrays, not a mix
        assert _names(tmp_path / f"entry{r}") == ["indices.npy", "info.json", "labels.npy", "z.npy"]


def test_atomic_folder_removes_what_a_killed_writer_left(tmp_path):
    import time

    old = tmp_path / ".entry.abc123.tmp"
    young = tmp_path / ".entry.def456.tmp"
    for folder in (old, young):
        folder.mkdir()
        (folder / "z.npy").write_bytes(b"partial")
    hours_ago = time.time() - 2 * atomic.STALE_SECONDS
    os.utime(old, (hours_ago, hours_ago))
    with atomic.atomic_folder(tmp_path / "entry") as tmp:
        (tmp / "info.json").write_text("{}")
    assert not old.exists() and young.exists()  # a live writer's folder is left alone
    assert (tmp_path / "entry" / "info.json").is_file()


def test_an_output_set_moves_nothing_when_a_folder_is_in_the_way(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.txt").write_text("old a")
    (out / "b.txt").mkdir()  # a folder where the set's b.txt goes
    with pytest.raises(IsADirectoryError), atomic.output_set(out) as stage:
        (stage / "a.txt").write_text("new a")
        (stage / "b.txt").write_text("new b")
    assert (out / "a.txt").read_text() == "old a"  # not half a new set
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]  # no staging left
