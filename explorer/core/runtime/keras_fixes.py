"""Work-arounds for Keras bugs that the tool runs into, each applied only where it is needed.

``fit`` under ``MultiWorkerMirroredStrategy``: Keras 3 (3.15 here) averages each replica's
logs with ``strategy.reduce("MEAN", v, axis=0)``, which fails on the scalar losses every
``train_step`` returns ("Invalid reduction dimension 0 for input with 0 dimensions";
tensorflow/tensorflow#72388). :func:`multi_worker_scalar_logs` averages scalars over the
replicas alone (``axis=None``) and leaves everything else to Keras.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def multi_worker_scalar_logs() -> None:
    """Patch Keras' TensorFlow trainer once per process (see the module's note)."""
    from keras.src.backend.tensorflow import trainer

    original = trainer.reduce_per_replica

    def reduce_per_replica(values: Any, strategy: Any, reduction: str) -> Any:
        if reduction not in ("auto", "mean") or not trainer._collective_all_reduce_multi_worker(
            strategy
        ):
            return original(values, strategy, reduction)

        def one(v: Any) -> Any:
            first = v.values[0] if trainer._is_per_replica_instance(v) else v
            if first.shape.rank == 0:
                return strategy.reduce("MEAN", v, axis=None)
            return original(v, strategy, reduction)

        from keras.src import tree

        return tree.map_structure(one, values)

    trainer.reduce_per_replica = reduce_per_replica
