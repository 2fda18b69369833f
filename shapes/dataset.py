"""The data a validation runs on: a generation or an RDF file, plus background vocabularies.

A published generation is never written to. Validation works on a RocksDB checkpoint of it
(hard links, made in seconds) inside the store folder, adds the vocabularies there, and deletes
the checkpoint afterwards. The vocabularies go into the store's *default* graph: ldcat's record
graphs are all named, queries see the union of both, and ``GRAPH ?g`` patterns (ldcat's own
graph rules) see only the record graphs.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

from shapes.sets import HVD_LEGISLATION

FILE_GRAPH = "https://w3id.org/ldcat/graphs/file"

_FORMATS = {".ttl": RdfFormat.TURTLE, ".nt": RdfFormat.N_TRIPLES, ".nq": RdfFormat.N_QUADS,
            ".trig": RdfFormat.TRIG, ".rdf": RdfFormat.RDF_XML, ".xml": RdfFormat.RDF_XML,
            ".owl": RdfFormat.RDF_XML, ".jsonld": RdfFormat.JSON_LD}


class DataError(ValueError):
    """The data to validate cannot be read."""


def rdf_format(path: Path) -> RdfFormat:
    suffixes = [s for s in path.suffixes if s != ".gz"]
    fmt = _FORMATS.get(suffixes[-1] if suffixes else "")
    if fmt is None:
        known = " ".join(sorted(_FORMATS))
        raise DataError(f"{path}: unknown RDF file type (expected one of {known})")
    return fmt


def add_background(store: Store, files: list[Path]) -> None:
    """Load vocabulary files into the default graph."""
    for path in files:
        try:
            store.bulk_load(path=str(path), format=rdf_format(path), to_graph=DefaultGraph())
        except (SyntaxError, OSError) as error:
            raise DataError(f"{path}: background vocabulary does not load: {error}") from error


def load_file(path: Path, store: Store) -> None:
    """An RDF file into ``store``: quads keep their graphs, triples go to :data:`FILE_GRAPH`."""
    fmt = rdf_format(path)
    graph = None if fmt in {RdfFormat.N_QUADS, RdfFormat.TRIG} else NamedNode(FILE_GRAPH)
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                store.bulk_load(handle.read(), format=fmt, to_graph=graph)
        else:
            store.bulk_load(path=str(path), format=fmt, to_graph=graph)
    except SyntaxError as error:
        raise DataError(f"{path}: {error}") from error
    except OSError as error:
        raise DataError(f"{path}: cannot read: {error.strerror or error}") from error


@contextmanager
def generation_checkpoint(generation: Path, scratch_parent: Path) -> Iterator[Path]:
    """The path of a checkpoint of a published generation (writable), removed on exit."""
    scratch = Path(tempfile.mkdtemp(prefix=".validate-", dir=scratch_parent))
    try:
        Store.read_only(str(generation)).backup(str(scratch / "store"))
        yield scratch / "store"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def hvd_subset(store: Store) -> Store:
    """A new in-memory store with the high-value records and what they reference.

    The HVD shapes target every dataset, distribution and data service of the graph they see,
    so they are run on the record graphs of datasets and data services under the HVD
    regulation, the graphs of their publishers, the catalogue graphs (concept typing) and the
    background vocabularies (the default graph).
    """
    legislation = f"<http://data.europa.eu/r5r/applicableLegislation> <{HVD_LEGISLATION}>"
    query = f"""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT DISTINCT ?g WHERE {{
          {{ GRAPH ?g {{ ?r {legislation} ; a ?kind .
                         FILTER(?kind IN (dcat:Dataset, dcat:DataService)) }} }}
          UNION {{ GRAPH ?h {{ ?r {legislation} ; <http://purl.org/dc/terms/publisher> ?g }} }}
          UNION {{ GRAPH ?g {{ ?c a dcat:Catalog }} }}
        }}"""
    subset = Store()
    subset.extend(store.quads_for_pattern(None, None, None, DefaultGraph()))
    for solution in store.query(query):  # type: ignore[union-attr]
        graph = solution["g"]
        assert isinstance(graph, NamedNode)
        subset.extend(Quad(q.subject, q.predicate, q.object, q.graph_name)
                      for q in store.quads_for_pattern(None, None, None, graph))
    return subset
