"""Shared TUI widgets: literal text, a line-API reader, a virtual list, the codebook panel
and the small modal dialogs the phases share."""
