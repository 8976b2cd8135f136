"""The names of the built-in data sets (a leaf: the window and the option declarations read
them without importing the loaders)."""

BUILTIN = ("mnist-5k", "mnist", "fashion-mnist")
