"""Sub-commands of ``latent-explorer``; each module has ``add_parser(sub)`` and ``run(args)``."""
