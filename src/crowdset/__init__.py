"""Crowdset: crowd annotation, quality control and high-quality dataset platform."""

__version__ = "0.1.0"
