"""Wiring: the composition roots that build each capability's adapters from settings (the top layer of shared/)."""
