"""Training in the window: the form, the panel with its loss curves, the controller and its
queue, and the worker that runs a training in a child process.
"""
