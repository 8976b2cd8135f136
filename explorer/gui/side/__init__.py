"""The side docks: the model slots (with their value ranges) and the sampler."""
