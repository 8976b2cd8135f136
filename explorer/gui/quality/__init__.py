"""The Quality view: what it asks and shows (:mod:`.quality_panel`), and one evaluation run
as a chain of tasks (:mod:`.quality_run`).
"""
