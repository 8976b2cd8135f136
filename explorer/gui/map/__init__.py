"""The latent map: the projection panel and its live map widget (painting, input, the
selection and point details beside it).
"""
