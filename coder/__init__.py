"""coder: a keyboard-driven workbench for reflexive thematic analysis."""

__version__ = "0.1.0"
