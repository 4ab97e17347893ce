"""Matinee: a static site generator for film-news blogs."""

__version__ = "0.1.0"
