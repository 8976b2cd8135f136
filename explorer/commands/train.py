"""``latent-explorer train``: train an AE or VAE into a model bundle."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys

from explorer.commands.options import add_flag
from explorer.commands.outputs import output_folder
from explorer.commands.progressbar import ProgressBar
from explorer.core.training.train_options import OPTIONS, TrainConfig
from explorer.core.util import atomic
from explorer.core.util.clock import format_duration


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train an AE or VAE into a model bundle",
        description="Train an AE or VAE and write a model bundle (model.keras + meta.json), "
        "checkpointed after every epoch.",
    )
    p.add_argument("--out", required=True, help="output bundle folder (or the bundle to --resume)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue the bundle in --out for --epochs more epochs",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle in --out")
    p.add_argument(
        "--events-json",
        action="store_true",
        help="print every training event as one JSON line on stdout (for other programs; "
        "the window runs a multi-worker training so)",
    )
    # every training option, from its declaration (explorer.core.training.train_options)
    arch = p.add_argument_group("architecture (defaults from the preset)")
    for o in OPTIONS:
        if not o.architecture:
            add_flag(p, o)
    for o in OPTIONS:
        if o.architecture:
            add_flag(arch, o)


def options_from_args(args: argparse.Namespace) -> dict:
    """The flags as ``TrainConfig`` options (the flags' destinations are its field names)."""
    return {
        f.name: getattr(args, f.name)
        for f in dataclasses.fields(TrainConfig)
        if hasattr(args, f.name)
    }


MAX_RESTARTS = 5  # a multi-worker training starts itself again after a lost worker
RESTARTS = "LATENT_EXPLORER_RESTARTS"  # how many times it has, in the environment


def run(args: argparse.Namespace) -> int:
    from explorer.core.progress import TaskState
    from explorer.core.training.training import train
    from explorer.core.training.training_cluster import WorkerLost

    config = TrainConfig.from_options(**options_from_args(args))
    cluster = config.cluster_of()  # one line for a missing or malformed cluster, first
    if cluster is None or cluster.is_chief:
        output_folder(args.out)
    config.validate()
    state = TaskState()
    bar = ProgressBar()
    on_event = json_events if args.events_json else progress_lines(bar)
    try:
        with stop_on_terminate(state):
            result = train(config, state, on_event)
    except WorkerLost as exc:
        if cluster is not None and restart(str(exc)):
            raise AssertionError("unreachable: the process was replaced") from exc
        raise
    if not args.events_json:
        where = f"in {result.bundle}" if cluster is None or cluster.is_chief else (
            f"(the chief writes the bundle; {cluster.describe()} deleted its own copy)")  # fmt: skip
        bar.line(f"{result.status}: {result.epochs_done} epochs {where}")
        if result.unreadable:
            bar.line(result.unreadable)
    return 0


@contextlib.contextmanager
def stop_on_terminate(state):
    """While in it, SIGTERM (the window's Stop of a training it runs as a process) stops
    after the current batch; the handler before is put back after."""
    try:
        before = signal.signal(signal.SIGTERM, lambda *_: state.request_stop())
    except ValueError:  # not the main thread (a test calling run() from a thread)
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def restart(message: str) -> bool:
    """Start this ``latent-explorer train`` again with the same arguments (the process is
    replaced: it then waits for the other workers and resumes from the backup), at most
    :data:`MAX_RESTARTS` times; ``False`` when not run as the command or out of restarts."""
    done = int(os.environ.get(RESTARTS, "0") or 0)
    if sys.argv[1:2] != ["train"] or done >= MAX_RESTARTS:
        return False
    print(
        f"latent-explorer train: {message}; starting again ({done + 1} of {MAX_RESTARTS}), "
        "waiting for every worker",
        file=sys.stderr,
        flush=True,
    )
    sys.stdout.flush()
    os.environ[RESTARTS] = str(done + 1)
    os.execv(sys.executable, [sys.executable, "-m", "explorer.cli", *sys.argv[1:]])
    return True  # pragma: no cover - execv does not return


def json_events(event: dict) -> None:
    """One training event as one JSON line on stdout."""
    print(atomic.to_json(event), flush=True)


def progress_lines(bar: ProgressBar):
    """The terminal's progress bar and epoch lines of a training's events."""

    def on_event(e: dict) -> None:
        if e["type"] == "started":
            if e.get("data_note"):
                bar.line(e["data_note"])
            for note in e.get("notes", []):
                bar.line(note)
            if e.get("tensorboard"):
                from explorer.core.training.training_tensorboard import tensorboard_command

                bar.line(
                    f"TensorBoard event files in {e['tensorboard']}: {tensorboard_command(e['tensorboard'])}"
                )
            where = f" as {e['worker']}" if e.get("worker") else ""
            bar.line(
                f"training {e['kind'].upper()} into {e['bundle']}{where} on {e['device']}: "
                f"{e['n_train']} train / {e['n_val']} validation images, "
                f"epochs {e['initial_epoch'] + 1}..{e['epochs']}"
            )
        elif e["type"] == "batch":
            logs = e["logs"]
            bar.update(
                (e["epoch"] * e["steps"] + e["batch"] + 1) / (e["steps"] * e["epochs"]),
                f"epoch {e['epoch'] + 1}/{e['epochs']} batch {e['batch'] + 1}/{e['steps']} "
                f"loss {logs.get('total_loss', 0):.2f} {e['images_per_s']:.0f} img/s "
                f"ETA {format_duration(e['eta_s'])}",
            )
        elif e["type"] == "epoch":
            r = e["row"]
            val = f" | val {r['val_total_loss']:.2f}" if "val_total_loss" in r else ""
            bar.line(
                f"epoch {r['epoch']:3d}: total {r['total_loss']:.2f} reco {r['reco_loss']:.2f} "
                f"kl {r['kl_loss']:.2f}{val} ({r['seconds']:.1f} s)"
            )

    return on_event
