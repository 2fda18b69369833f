"""HTML pages of records: server-rendered (Jinja2), readable without JavaScript.

Each page is built from the record's document plus a few quad-pattern lookups (the names of
linked records, the reuses of a dataset, the datasets of an organisation or theme, paged).
Every text from the catalogue is escaped by the templates; descriptions are Markdown rendered
by :mod:`endpoint.markdown_text`; links from the data are kept only with an http(s) or mailto
scheme; the embedded schema.org JSON-LD cannot close its ``<script>``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from pyoxigraph import Literal, NamedNode, Triple

from endpoint.jsonld_context import SCHEMA_CONTEXT
from endpoint.jsonld_frame import frame
from endpoint.labels import vocabulary_label
from endpoint.markdown_text import render_markdown
from endpoint.profiles import PROFILES
from endpoint.quality_view import read_quality
from endpoint.record_documents import RecordDocument, parse_datetime
from endpoint.record_formats import RECORD_FORMATS
from endpoint.schema_org import to_schema_org
from loader.generations import Generation
from loader.repo import Repo
from ontology.namespaces import (
    ADMS,
    ADMS_STATUS,
    DCAT,
    DCATAP,
    DCT,
    FOAF,
    IANA_MEDIA_TYPES,
    LDC,
    PROV,
    RDFS,
    SKOS,
)

PAGE_SIZE = 20
STATIC_PATH = "/-/static"
SAFE_SCHEMES = ("http://", "https://", "mailto:")
_NAME_PREDICATES = (DCT.title, FOAF.name, SKOS.prefLabel, RDFS.label)


@cache
def environment() -> Environment:
    """The templates of the record pages (autoescaped, strict about undefined names)."""
    env = Environment(loader=PackageLoader("endpoint", "templates"),
                      autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["safe_href"] = safe_href
    return env


def safe_href(url: str | None) -> str:
    """``url`` if its scheme is http(s) or mailto, else ``""`` (the template shows no link)."""
    if url and url.strip().lower().startswith(SAFE_SCHEMES):
        return url
    return ""


def script_json(value: Any) -> Markup:
    """JSON safe inside ``<script>``: ``<``, ``>`` and ``&`` as ``\\u`` escapes."""
    text = json.dumps(value, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # no markup character is left unescaped


@dataclass(slots=True)
class Link:
    """Something to show as a link (``href`` empty: shown as text)."""

    label: str
    href: str = ""


@dataclass(slots=True)
class Facts:
    """The document's triples by subject and predicate."""

    values: dict[str, dict[str, list[NamedNode | Literal]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list)))

    @classmethod
    def of(cls, triples: list[Triple]) -> Facts:
        facts = cls()
        for triple in triples:
            if isinstance(triple.subject, NamedNode) and isinstance(
                    triple.object, NamedNode | Literal):
                facts.values[triple.subject.value][triple.predicate.value].append(triple.object)
        return facts

    def all(self, subject: str, predicate: str) -> list[NamedNode | Literal]:
        return sorted(self.values.get(subject, {}).get(predicate, []), key=str)

    def text(self, subject: str, predicate: str) -> str:
        values = self.all(subject, predicate)
        french = [value for value in values if isinstance(value, Literal)
                  and value.language == "fr"]
        return (french or values)[0].value if values else ""

    def iris(self, subject: str, predicate: str) -> list[str]:
        return [value.value for value in self.all(subject, predicate)
                if isinstance(value, NamedNode)]


class PageBuilder:
    """Builds the template context of one record's page."""

    def __init__(self, repo: Repo, generation: Generation, document: RecordDocument,
                 params: Mapping[str, str]) -> None:
        self.repo = repo
        self.base = generation.base_iri
        self.document = document
        self.iri = document.iri
        self.facts = Facts.of(document.triples)
        self.params = params

    def local(self, iri: str) -> str:
        """A record IRI as a path on this server (other IRIs unchanged)."""
        return iri[len(self.base):] if iri.startswith(self.base + "/") else iri

    def name_of(self, iri: str) -> str:
        """The title or name of a record or concept, from the document, else the store."""
        for predicate in _NAME_PREDICATES:
            if self.facts.text(iri, predicate):
                return self.facts.text(iri, predicate)
        if iri.startswith(self.base + "/"):
            for predicate in _NAME_PREDICATES:
                found = [triple.object for triple in self.repo.match(
                    NamedNode(iri), NamedNode(predicate), None)
                    if isinstance(triple.object, Literal)]
                if found:
                    return found[0].value
        return vocabulary_label(iri)

    def record_link(self, iri: str) -> Link:
        return Link(self.name_of(iri), self.local(iri))

    def external(self, iri: str, label: str | None = None) -> Link:
        return Link(label or iri, safe_href(iri))

    def dates(self, subject: str) -> dict[str, str]:
        result = {"issued": "", "modified": ""}
        for key, predicate in (("issued", DCT.issued), ("modified", DCT.modified)):
            moment = parse_datetime(self.facts.text(subject, predicate))
            if moment is not None:
                result[key] = moment.strftime("%d/%m/%Y")
        return result

    def page_number(self, total: int) -> tuple[int, int]:
        """The page the request asks for (clamped) and the number of pages of ``total``."""
        try:
            page = max(1, int(self.params.get("page", "1")))
        except ValueError:
            page = 1
        pages = max(1, -(-total // PAGE_SIZE))
        return min(page, pages), pages

    def paged(self, iris: list[str]) -> tuple[list[Link], dict[str, Any]]:
        """One page of record links sorted by name, and the pager's numbers."""
        links = sorted((self.record_link(iri) for iri in set(iris)),  # href breaks ties: the
                       key=lambda link: (link.label.casefold(), link.href))  # same page anywhere
        page, pages = self.page_number(len(links))
        window = links[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        return window, {"page": page, "pages": pages, "total": len(links)}

    def common(self) -> dict[str, Any]:
        path = self.local(self.iri)
        alternates = [Link(f"{record_format.label} · {profile.label}",
                           f"{path}{record_format.suffix}"
                           + ("" if profile == PROFILES[0] else f"?_profile={profile.token}"))
                      for record_format in RECORD_FORMATS if record_format.rdf_format
                      or record_format.name == "jsonld" for profile in PROFILES]
        schema = frame(to_schema_org(self.document.triples, self.iri), self.iri,
                       SCHEMA_CONTEXT, SCHEMA_CONTEXT.document()["@context"])
        description = self.facts.text(self.iri, DCT.description)
        return {
            "iri": self.iri, "path": path, "kind": self.document.kind,
            "title": self.name_of(self.iri),
            "description": render_markdown(description) if description else "",
            "identifier": self.facts.text(self.iri, DCT.identifier),
            "dates": self.dates(self.iri),
            "keywords": [value.value for value in self.facts.all(self.iri, DCAT.keyword)],
            "alternates": alternates, "schema_json": script_json(schema),
            "static": STATIC_PATH,
            "archived": ADMS_STATUS.Deprecated in self.facts.iris(self.iri, ADMS.status),
        }

    def agents(self, predicate: str) -> list[Link]:
        return [self.record_link(iri) for iri in self.facts.iris(self.iri, predicate)]

    def licence(self, subject: str) -> list[Link]:
        links = [self.external(iri, vocabulary_label(iri))
                 for iri in self.facts.iris(subject, DCT.license)]
        for rights in self.facts.iris(subject, DCT.rights):
            label = self.facts.text(rights, RDFS.label)
            if label:
                links.append(Link(label))
        return links

    def distribution(self, iri: str) -> dict[str, Any]:
        facts = self.facts
        media = [value[len(IANA_MEDIA_TYPES):] for value in facts.iris(iri, DCAT.mediaType)
                 if value.startswith(IANA_MEDIA_TYPES)]
        formats = [vocabulary_label(value) for value in facts.iris(iri, DCT.format)]
        formats += [value.value for value in facts.all(iri, LDC.format)]
        size = facts.text(iri, DCAT.byteSize)
        urls = facts.iris(iri, DCAT.downloadURL) or facts.iris(iri, DCAT.accessURL)
        return {
            "link": Link(facts.text(iri, DCT.title) or self.local(iri), self.local(iri)),
            "format": ", ".join(formats or media) or "—",
            "media_type": ", ".join(media),
            "size": human_size(int(size)) if size.isdigit() else "",
            "url": self.external(urls[0], "Télécharger" if facts.iris(iri, DCAT.downloadURL)
                                 else "Accéder") if urls else None,
            "modified": self.dates(iri)["modified"],
            "description": facts.text(iri, DCT.description),
        }

    def dataset(self) -> dict[str, Any]:
        facts, iri = self.facts, self.iri
        reuses = [triple.object.value for triple in self.repo.match(
            NamedNode(iri), NamedNode(DCT.isReferencedBy), None)
            if isinstance(triple.object, NamedNode)]
        catalogs = [triple.subject.value for triple in self.repo.match(
            None, NamedNode(DCAT.dataset), NamedNode(iri))
            if isinstance(triple.subject, NamedNode) and "/themes/" in triple.subject.value]
        temporal = [(facts.text(period, DCAT.startDate), facts.text(period, DCAT.endDate))
                    for period in facts.iris(iri, DCT.temporal)]
        return {
            "alternative": facts.text(iri, DCT.alternative),
            "publishers": self.agents(DCT.publisher),
            "themes": [Link(vocabulary_label(theme)) for theme in facts.iris(iri, DCAT.theme)],
            "catalogs": [self.record_link(catalog) for catalog in sorted(catalogs)],
            "licences": self.licence(iri) or self.licence(
                (facts.iris(iri, DCAT.distribution) or [""])[0]),
            "frequency": [vocabulary_label(value)
                          for value in facts.iris(iri, DCT.accrualPeriodicity)],
            "temporal": temporal,
            "spatial": [self.name_of(place) for place in facts.iris(iri, DCT.spatial)],
            "landing_page": [self.external(page) for page in facts.iris(iri, DCAT.landingPage)],
            "distributions": [self.distribution(item)
                              for item in facts.iris(iri, DCAT.distribution)],
            "reuses": [self.record_link(reuse) for reuse in sorted(reuses)],
            "hvd": bool(facts.iris(iri, DCATAP.hvdCategory)),
            "quality": facts.text(iri, LDC.qualityScore),
            "mqa": read_quality(self.repo, iri, self.base),
        }

    def agent(self) -> dict[str, Any]:
        datasets = [triple.subject.value for triple in self.repo.match(
            None, NamedNode(DCT.publisher), NamedNode(self.iri))
            if isinstance(triple.subject, NamedNode) and "/datasets/" in triple.subject.value]
        window, pager = self.paged(datasets)
        return {"acronym": self.facts.text(self.iri, SKOS.altLabel),
                "homepage": [self.external(page)
                             for page in self.facts.iris(self.iri, FOAF.homepage)],
                "datasets": window, "pager": pager,
                "mqa": read_quality(self.repo, self.iri, self.base)}

    def reuse(self) -> dict[str, Any]:
        facts, iri = self.facts, self.iri
        return {"creators": self.agents(DCT.creator),
                "reuse_type": facts.text(iri, LDC.reuseType),
                "topic": facts.text(iri, LDC.topic),
                "pages": [self.external(page) for page in facts.iris(iri, FOAF.page)],
                "datasets": [self.record_link(dataset)
                             for dataset in facts.iris(iri, DCT.references)]}

    def dataservice(self) -> dict[str, Any]:
        facts, iri = self.facts, self.iri
        return {"publishers": self.agents(DCT.publisher),
                "endpoint": [self.external(url) for url in facts.iris(iri, DCAT.endpointURL)],
                "documentation": [self.external(url) for url in
                                  facts.iris(iri, DCAT.endpointDescription)
                                  + facts.iris(iri, FOAF.page)],
                "licences": self.licence(iri),
                "access": [vocabulary_label(value)
                           for value in facts.iris(iri, DCT.accessRights)],
                "datasets": [self.record_link(dataset)
                             for dataset in facts.iris(iri, DCAT.servesDataset)]}

    def theme(self) -> dict[str, Any]:
        datasets = [triple.object.value for triple in self.repo.match(
            NamedNode(self.iri), NamedNode(DCAT.dataset), None)
            if isinstance(triple.object, NamedNode)]
        window, pager = self.paged(datasets)
        return {"homepage": [self.external(page)
                             for page in self.facts.iris(self.iri, FOAF.homepage)],
                "datasets": window, "pager": pager}

    def source(self) -> dict[str, Any]:
        """A harvest's provenance graph: where from, the pages read, the records taken (in IRI
        order, named from the store: a harvest can take thousands, only a page is looked up).
        Records keep their source's IRIs, so their links lead to the source."""
        facts, iri = self.facts, self.iri
        members = sorted(set(facts.iris(iri, PROV.hadMember)))
        page, pages = self.page_number(len(members))
        window = members[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        derived = facts.iris(iri, PROV.wasDerivedFrom)
        return {"file": facts.text(iri, DCT.source),
                "pages": [self.external(url) for url in derived[:PAGE_SIZE]],
                "page_count": len(derived),
                "records": [Link(self.stored_name(member) or member, safe_href(member))
                            for member in window],
                "pager": {"page": page, "pages": pages, "total": len(members)}}

    def stored_name(self, iri: str) -> str:
        """The title or name the store gives ``iri`` (any IRI, not only this base's)."""
        for predicate in _NAME_PREDICATES:
            for triple in self.repo.match(NamedNode(iri), NamedNode(predicate), None):
                if isinstance(triple.object, Literal):
                    return triple.object.value
        return ""

    def resource(self) -> dict[str, Any]:
        datasets = [triple.subject.value for triple in self.repo.match(
            None, NamedNode(DCAT.distribution), NamedNode(self.iri))
            if isinstance(triple.subject, NamedNode)]
        return {"distribution": self.distribution(self.iri),
                "datasets": [self.record_link(dataset) for dataset in datasets],
                "licences": self.licence(self.iri)}


TEMPLATES = {
    "datasets": ("dataset.html", PageBuilder.dataset),
    "organizations": ("agent.html", PageBuilder.agent),
    "users": ("agent.html", PageBuilder.agent),
    "reuses": ("reuse.html", PageBuilder.reuse),
    "dataservices": ("dataservice.html", PageBuilder.dataservice),
    "themes": ("theme.html", PageBuilder.theme),
    "resources": ("resource.html", PageBuilder.resource),
    "sources": ("source.html", PageBuilder.source),
}


def human_size(size: int) -> str:
    """A byte count for people, in French units.

    >>> human_size(2901334)
    '2,8 Mo'
    """
    value = float(size)
    for unit in ("octets", "Ko", "Mo", "Go"):
        if value < 1024 or unit == "Go":
            text = f"{value:.0f}" if unit == "octets" else f"{value:.1f}".replace(".", ",")
            return f"{text} {unit}"
        value /= 1024
    return f"{size} octets"


def render_html(repo: Repo, generation: Generation, document: RecordDocument,
                params: Mapping[str, str]) -> bytes:
    """The record's page (UTF-8 bytes)."""
    template, build = TEMPLATES[document.kind]
    builder = PageBuilder(repo, generation, document, params)
    context = builder.common()
    context.update(build(builder))
    return environment().get_template(template).render(**context).encode("utf-8")
