"""Background work: the one Task API with its executors (:mod:`.workers`), the long-lived
thread of each model slot and the stall probe of the event loop.
"""
