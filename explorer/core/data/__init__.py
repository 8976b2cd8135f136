"""Data sets: the Dataset type, its sources (bundled, Keras cache, arrays, folders), the
tf.data pipeline and the decoded-image cache."""
