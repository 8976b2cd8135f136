"""The names of the built-in data sets (a leaf: the window and the option declarations read
them without importing the loaders)."""

DEFAULT_DATASET = "mnist-5k"  # bundled (resources/mnist_5k.npz): the default everywhere
BUILTIN = (DEFAULT_DATASET, "mnist", "fashion-mnist")
