"""Shared helpers below every layer: atomic writes, paths, heap handling, image and file export."""
