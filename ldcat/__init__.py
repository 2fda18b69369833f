"""ldcat: a linked-data publishing endpoint for national open-data catalogues."""

__version__ = "0.1.0"
