"""Matplotlib in the window: every figure drawn on one renderer thread, and the guard that
fails loudly when any other thread touches matplotlib.
"""
