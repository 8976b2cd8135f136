"""Training: the options of a training (one declaration each: flag, check, widget, record),
the training loop with its events, checkpoints and TensorBoard files, the accelerator
options, multi-worker placement, and a training run in a child process."""
