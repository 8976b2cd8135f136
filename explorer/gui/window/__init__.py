"""The main window and what assembles it: the stage of views, the side docks, menus,
the slots and sampling logic, and the program's entry (:mod:`.app`). The only package that
knows the window; nothing else here imports it.
"""
