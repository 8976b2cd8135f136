"""The cluster of a multi-worker training (issue 18): TF_CONFIG and ``--cluster`` read the same,
a worker's own folder, the data set's sharding and the one line of a lost worker."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.core.errors import InvalidParameter
from explorer.core.runtime import cluster as clusters


def test_flags_and_tf_config_give_the_same_cluster():
    made = clusters.from_arguments(["10.0.0.1:2222", "10.0.0.2:2222", "[::1]:3000"], 2)
    assert made.size == 3 and not made.is_chief and made.describe() == "worker 2 of 3 at [::1]:3000"
    config = json.loads(made.tf_config())
    assert config == {
        "cluster": {"worker": list(made.workers)},
        "task": {"type": "worker", "index": 2},
    }
    assert clusters.from_tf_config(made.tf_config()) == made
    env: dict = {}
    clusters.activate(made, env)
    assert clusters.resolve(None, None, env) == made
    assert clusters.resolve(["a:1", "b:2"], 0, env).workers == ("a:1", "b:2")  # flags first


def test_a_chief_job_is_worker_0():
    text = json.dumps({"cluster": {"chief": ["c:1"], "worker": ["w:1", "w:2"]},
                       "task": {"type": "worker", "index": 1}})  # fmt: skip
    me = clusters.from_tf_config(text)
    assert me.workers == ("c:1", "w:1", "w:2") and me.index == 2 and me.has_chief_job
    assert clusters.from_tf_config(me.tf_config()) == me
    chief = clusters.from_tf_config(text.replace('"worker", "index": 1', '"chief", "index": 0'))
    assert chief.is_chief and "(chief)" in chief.describe()


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "TF_CONFIG is not set"),
        ("[1, 2]", 'no "cluster" object'),
        ('{"cluster": {"worker": "a:1"}, "task": {"type": "worker", "index": 0}}', "must be a list"),
        ('{"cluster": {"worker": []}, "task": {"type": "worker", "index": 0}}', "has no workers"),
        ('{"cluster": {"worker": ["a:1", "b:2"]}}', 'no "task"'),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps", "index": 0}}', "task must be"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": true}}', "task must be"),
        ('{"cluster": {"chief": ["a:1", "b:1"]}, "task": {"type": "chief", "index": 0}}', "2 chiefs"),
        ('{"cluster": {"worker": ["a:1", "b:x"]}, "task": {"type": "worker", "index": 0}}',
         "(worker 0 of 2)"),
    ],
)  # fmt: skip
def test_malformed_tf_config_is_one_line(text, says):
    with pytest.raises(InvalidParameter, match=".*") as caught:
        clusters.from_tf_config(text)
    assert says in str(caught.value) and "\n" not in str(caught.value)


def test_a_workers_folder_is_the_same_on_a_restart_and_its_own(tmp_path):
    a = clusters.from_arguments(["h:1", "h:2"], 1)
    b = clusters.from_arguments(["h:1", "h:2", "h:3"], 1)
    folder = clusters.worker_folder(tmp_path / "out", a)
    assert folder == clusters.worker_folder(str(tmp_path / "out"), a)  # the same command again
    assert folder.name.startswith("latent-explorer-worker1-")
    assert folder != clusters.worker_folder(tmp_path / "other", a)
    assert folder != clusters.worker_folder(tmp_path / "out", b)


def test_the_other_workers_commands():
    me = clusters.from_arguments(["h:1", "h:2", "h:3"], 1)
    lines = clusters.other_commands(["--out", "my bundle", "--strategy=multi-worker"], me)
    assert lines == [
        "latent-explorer train --out 'my bundle' --strategy=multi-worker --worker-index 0",
        "latent-explorer train --out 'my bundle' --strategy=multi-worker --worker-index 2",
    ]


def test_sharding_by_data_and_the_lost_workers_line(tmp_path):
    from explorer.core.runtime.tf_setup import tensorflow
    from explorer.core.training.training_cluster import Placement, lost_worker, shard_by_data

    tf = tensorflow()
    me = clusters.from_arguments(["h:1", "h:2"], 0)
    place = Placement("multi-worker", 2, me, tmp_path)
    data = shard_by_data(tf.data.Dataset.range(8).batch(4), place)
    policy = data.options().experimental_distribute.auto_shard_policy
    assert policy == tf.data.experimental.AutoShardPolicy.DATA
    alone = Placement("one-device", 1, None, tmp_path)
    assert shard_by_data(tf.data.Dataset.range(8), alone).options().experimental_distribute.auto_shard_policy == tf.data.experimental.AutoShardPolicy.AUTO  # fmt: skip

    message = (
        "Collective ops is aborted by: Error reported from /job:worker/task:1: The following "
        "tasks are unhealthy (stopped sending heartbeats):\n/job:worker/replica:0/task:1\n"
        "The tasks have crashed."
    )
    line = str(lost_worker(RuntimeError(message), place, 3, tmp_path))
    assert line == (
        f"worker 0 of 2 (chief) at h:1: another worker stopped answering (unhealthy: "
        f"/job:worker/replica:0/task:1); epoch 3 is kept in {tmp_path}; start the same "
        "command on every worker to resume"
    )
    grpc = 'Graph execution error:\n\n:{grpc_message:"recvmsg:Connection reset by peer", grpc_status:14}'
    assert "(recvmsg:Connection reset by peer)" in str(
        lost_worker(RuntimeError(grpc), place, 0, tmp_path)
    )


def test_one_process_forgets_a_multi_worker_backup_left_in_its_bundle(tmp_path):
    from explorer.core.training.train_options import WORKER_BACKUP
    from explorer.core.training.training_cluster import Placement, restored_plan, write_plan

    me = clusters.from_arguments(["h:1", "h:2"], 0)
    chief = Placement("multi-worker", 2, me, tmp_path)
    write_plan(chief, 5)
    (tmp_path / WORKER_BACKUP / "training_metadata.json").write_text('{"epoch": 2, "batch": 0}')
    assert restored_plan(chief) == {"epoch": 2, "target": 5}
    Placement("multi-worker", 2, me, tmp_path).forget_stale_backup()  # a restart keeps it
    assert (tmp_path / WORKER_BACKUP).is_dir()
    Placement("one-device", 1, None, tmp_path).forget_stale_backup()
    assert not (tmp_path / WORKER_BACKUP).exists() and restored_plan(chief) is None


@pytest.mark.parametrize(
    ("n_train", "n_val", "batch", "replicas", "kept", "batch_after", "says"),
    [
        (461, 51, 64, 2, (460, 50), 64, "1 training and 1 held-out image left out"),
        (256, 32, 32, 2, (256, 32), 32, None),  # splits already: nothing changes
        (100, 10, 64, 3, (99, 9), 63, "a batch of 64 does not split evenly over 3 replicas"),
        (130, 0, 32, 4, (128, 0), 32, "2 training images left out"),
        (7, 3, 2, 1, (7, 3), 2, None),  # one replica: nothing to split
    ],
)
def test_every_batch_splits_evenly_over_the_replicas(
    n_train, n_val, batch, replicas, kept, batch_after, says
):
    from explorer.core.training.training_cluster import even_batches

    train, val, got_batch, notes = even_batches(
        np.arange(n_train), np.arange(1000, 1000 + n_val), batch, replicas
    )
    assert (len(train), len(val), got_batch) == (*kept, batch_after)
    for idx in (train, val):  # every batch, the last one too, splits over the replicas
        sizes = [min(got_batch, len(idx) - s) for s in range(0, len(idx), got_batch)]
        assert all(size % replicas == 0 for size in sizes), sizes
    assert np.array_equal(train, np.arange(len(train)))  # the same images on every worker
    assert (says is None) == (notes == []) and (says is None or says in " ".join(notes))
