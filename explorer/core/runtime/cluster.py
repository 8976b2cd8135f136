"""The cluster of a multi-worker training: read from ``TF_CONFIG`` (TensorFlow's standard
variable) or made from ``--cluster host:port,... --worker-index I``, checked with one-line
messages before TensorFlow starts.

Worker 0 is the chief (or the task of a ``"chief"`` job when ``TF_CONFIG`` has one): it alone
writes the bundle, its checkpoints and TensorBoard logs. The other workers write into a
folder of their own under the system's temporary folder (:func:`worker_folder`), the same
folder again when a killed worker is started again with the same command, and deleted when
their training ends.

Qt-free and TensorFlow-free: ``train --help``, the window's form and the checks read it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from explorer.core.errors import InvalidParameter

TF_CONFIG = "TF_CONFIG"
STRATEGIES = ("auto", "one-device", "mirrored", "multi-worker")
JOBS = ("chief", "worker")  # the jobs of a multi-worker cluster, in TensorFlow's task order


@dataclass(frozen=True)
class Cluster:
    """Every worker's ``host:port`` (the chief first) and this process's position."""

    workers: tuple[str, ...]
    index: int
    has_chief_job: bool = False  # TF_CONFIG names a "chief" job (its task is workers[0])

    @property
    def size(self) -> int:
        return len(self.workers)

    @property
    def is_chief(self) -> bool:
        return self.index == 0

    def describe(self) -> str:
        """``"worker 1 of 2 (127.0.0.1:20001)"``."""
        role = " (chief)" if self.is_chief else ""
        return f"worker {self.index} of {self.size}{role} at {self.workers[self.index]}"

    def tf_config(self) -> str:
        """This process's ``TF_CONFIG`` (a ``worker`` job; a ``chief`` one when it had one)."""
        if self.has_chief_job:
            cluster = {"chief": [self.workers[0]], "worker": list(self.workers[1:])}
            task = {"type": "chief", "index": 0} if self.is_chief else {
                "type": "worker", "index": self.index - 1}  # fmt: skip
        else:
            cluster = {"worker": list(self.workers)}
            task = {"type": "worker", "index": self.index}
        return json.dumps({"cluster": cluster, "task": task})


def parse_address(text: str) -> str:
    """``host:port`` checked (a port in 1..65535); IPv6 hosts in brackets (``[::1]:2222``)."""
    address = text.strip()
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InvalidParameter(
            f"{address!r} is not host:port (e.g. 10.0.0.2:2222, a port in 1..65535)"
        )
    return address


def from_arguments(addresses: Sequence[str], index: int | None) -> Cluster:
    """The cluster of ``--cluster host:port,... --worker-index I``."""
    workers = tuple(parse_address(a) for a in addresses)
    if len(workers) < 1:
        raise InvalidParameter("--cluster needs the host:port of every worker, worker 0 first")
    if len(set(workers)) != len(workers):
        raise InvalidParameter(f"--cluster names a worker twice: {','.join(workers)}")
    if index is None:
        raise InvalidParameter(
            f"--cluster has {len(workers)} workers: give --worker-index I "
            f"(this machine's place in the list, 0..{len(workers) - 1}; 0 is the chief)"
        )
    if not 0 <= index < len(workers):
        raise InvalidParameter(
            f"--worker-index {index} is outside the cluster of {len(workers)} workers "
            f"(0..{len(workers) - 1})"
        )
    return Cluster(workers, index)


def from_tf_config(text: str | None) -> Cluster:
    """The cluster of a ``TF_CONFIG`` value; :class:`InvalidParameter` (one line naming
    this worker's index and the cluster's size where they are known) when it is missing
    or malformed."""
    if text is None or not text.strip():
        raise InvalidParameter(
            "--strategy multi-worker needs the cluster: TF_CONFIG is not set; set it, or give "
            "--cluster host:port,... --worker-index I"
        )
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidParameter(
            f"TF_CONFIG is not valid JSON ({exc.msg} at character {exc.pos})"
        ) from None
    if not isinstance(config, Mapping) or not isinstance(config.get("cluster"), Mapping):
        raise InvalidParameter(
            'TF_CONFIG has no "cluster" object: {"cluster": {"worker": [...]}, "task": {...}}'
        )
    cluster, task = config["cluster"], config.get("task")
    other = sorted(set(cluster) - set(JOBS))
    if other:
        raise InvalidParameter(
            f"TF_CONFIG names the job(s) {', '.join(other)}: a multi-worker training has only "
            "chief and worker jobs (no parameter servers or evaluators)"
        )
    jobs = {}
    for job in JOBS:
        entries = cluster.get(job, [])
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise InvalidParameter(f'TF_CONFIG\'s cluster "{job}" must be a list of "host:port"')
        jobs[job] = entries
    if len(jobs["chief"]) > 1:
        raise InvalidParameter(f"TF_CONFIG names {len(jobs['chief'])} chiefs; there is one")
    workers = [*jobs["chief"], *jobs["worker"]]
    size = len(workers)
    if not size:
        raise InvalidParameter('TF_CONFIG\'s cluster has no workers ("worker": ["host:port", ...])')
    if not isinstance(task, Mapping):
        raise InvalidParameter(
            f'TF_CONFIG has no "task" ({{"type": "worker", "index": I}}) for this worker of '
            f"a cluster of {size}"
        )
    kind, index = task.get("type"), task.get("index", 0)
    if kind not in JOBS or not isinstance(index, int) or isinstance(index, bool):
        raise InvalidParameter(
            f'TF_CONFIG\'s task must be {{"type": "worker" or "chief", "index": I}}, '
            f"got {json.dumps(task)} (a cluster of {size})"
        )
    if not 0 <= index < len(jobs[kind]):
        raise InvalidParameter(
            f"TF_CONFIG's task is {kind} {index}, outside the cluster of {size} "
            f"({len(jobs[kind])} {kind} task(s))"
        )
    for address in workers:
        try:
            parse_address(address)
        except InvalidParameter as exc:
            raise InvalidParameter(f"TF_CONFIG: {exc} (worker {index} of {size})") from None
    position = index + (len(jobs["chief"]) if kind == "worker" else 0)
    return Cluster(tuple(workers), position, has_chief_job=bool(jobs["chief"]))


def resolve(
    addresses: Sequence[str] | None, index: int | None, environ: Mapping[str, str] | None = None
) -> Cluster:
    """This process's cluster: from ``--cluster``/``--worker-index`` when given, else from
    ``TF_CONFIG``."""
    environ = os.environ if environ is None else environ
    if addresses:
        return from_arguments(addresses, index)
    if index is not None:
        raise InvalidParameter("--worker-index needs --cluster host:port,... (or TF_CONFIG)")
    return from_tf_config(environ.get(TF_CONFIG))


def activate(cluster: Cluster, environ: dict | None = None) -> None:
    """Set ``TF_CONFIG`` for this process, as TensorFlow's multi-worker strategy reads it."""
    (os.environ if environ is None else environ)[TF_CONFIG] = cluster.tf_config()


def worker_folder(out: str | Path, cluster: Cluster) -> Path:
    """Where a worker other than the chief writes what the chief writes into ``out``: a
    folder under the temporary folder named after the bundle and the cluster, so that the
    same command started again finds its backup there."""
    key = json.dumps([str(Path(out).expanduser().resolve()), list(cluster.workers)])
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"latent-explorer-worker{cluster.index}-{digest}"


def other_commands(argv: Sequence[str], cluster: Cluster) -> list[str]:
    """The command line each other worker runs: ``argv`` (this worker's ``latent-explorer
    train`` arguments, without ``--worker-index``) with their own index."""
    import shlex

    base = " ".join(shlex.quote(a) for a in argv)
    return [
        f"latent-explorer train {base} --worker-index {i}"
        for i in range(cluster.size)
        if i != cluster.index
    ]
