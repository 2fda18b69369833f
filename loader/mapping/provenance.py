"""The provenance of a harvest: one graph per source, ``{base}/sources/{key}``.

The graph describes the source as a ``prov:Collection`` whose members (``prov:hadMember``) are
the records taken from it, derived (``prov:wasDerivedFrom``) from the URL the user gave and
from every page read. The key is a hash of the source's location, so loading the same source
again gives the same graph IRI; the graph holds no harvest time (the load report and the
generation's manifest do), so an unchanged source gives the same graph and content hash.

>>> source_key("http://127.0.0.1:8000/catalog")
'a4a3d3b223f8d238'
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from loader.mapping.nquads import GraphWriter
from ontology.namespaces import DCT, PROV


def source_key(location: str) -> str:
    """A short stable key for a source location (URL, or file path as given)."""
    return hashlib.sha256(location.encode("utf-8")).hexdigest()[:16]


def source_graph(base: str, location: str) -> str:
    """The IRI of the provenance graph of the source at ``location``."""
    return f"{base}/sources/{source_key(location)}"


def map_source(base: str, location: str, url: bool, pages: list[str],
               members: list[str]) -> GraphWriter:
    """The provenance graph of one harvested source (see the module docstring)."""
    iri = source_graph(base, location)
    writer = GraphWriter(iri)
    writer.type(iri, PROV.Collection, PROV.Entity)
    name = location if url else Path(location).name
    writer.literal(iri, DCT.title, f"Records harvested from {name}")
    if url:
        writer.iri(iri, PROV.wasDerivedFrom, location)
        for page in pages:
            writer.iri(iri, PROV.wasDerivedFrom, page)
    else:
        writer.literal(iri, DCT.source, name)
    for member in sorted(members):
        writer.iri(iri, PROV.hadMember, member)
    return writer
