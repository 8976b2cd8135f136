"""The stage's views of one or two models: sample grids, histograms, reconstructions,
diagnostics and the k-means sweep. Each is a widget the window puts on the stage.
"""
