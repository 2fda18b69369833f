"""``ldcat-generation``: the response header naming the generation an answer was built from.

SPARQL answers, record pages, catalogue pages, VoID and the dumps carry it, so a client (or
the load test) can tell which published generation it read, and see that no answer mixes two.
"""

from __future__ import annotations

GENERATION_HEADER = "ldcat-generation"
