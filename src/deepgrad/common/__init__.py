"""Helpers every other package uses: seeds and generators, argument checks, registries."""
