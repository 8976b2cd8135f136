"""Small widgets and helpers the packages above share: object names, folders of the file
dialogs, settings, parameter fields, task controls, the image grid, debounced calls.
"""
