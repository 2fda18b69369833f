"""Typed records: what every reader produces and every mapping module consumes.

Values are already checked and normalised by the readers: dates are canonical
``xsd:dateTime`` / ``xsd:date`` lexical forms, URLs are valid IRIs, lists are lists.
A field the source did not give (or gave wrongly, with a report line) is ``None`` or empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a record came from: file and first line of its row (1-based)."""

    file: str
    line: int


@dataclass(slots=True)
class OrganizationRecord:
    """A publishing organisation (udata ``organizations`` export, or named by a dataset)."""

    id: str
    name: str
    source: SourceRef
    acronym: str = ""
    slug: str = ""
    page: str | None = None
    description: str = ""
    logo: str | None = None
    badges: list[str] = field(default_factory=list)
    created_at: str | None = None
    last_modified: str | None = None
    business_number_id: str = ""
    deleted: bool = False


@dataclass(slots=True)
class UserRecord:
    """A person publishing under their own name (dataset ``owner`` without organisation)."""

    id: str
    name: str
    source: SourceRef
    page: str | None = None


@dataclass(slots=True)
class Checksum:
    """A file checksum as udata records it."""

    algorithm: str
    value: str


@dataclass(slots=True)
class ResourceRecord:
    """A resource (file, API, documentation) of a dataset: a DCAT distribution."""

    id: str
    dataset_id: str
    url: str | None
    source: SourceRef
    title: str = ""
    description: str = ""
    filetype: str = ""
    type: str = ""
    format: str = ""
    mime: str = ""
    filesize: int | None = None
    checksum: Checksum | None = None
    created_at: str | None = None
    modified: str | None = None
    schema_name: str = ""
    dataset_license: str = ""
    dataset_private: bool = False


@dataclass(slots=True)
class DatasetRecord:
    """A dataset, as the udata ``datasets`` export or API describes it."""

    id: str
    title: str
    source: SourceRef
    slug: str = ""
    acronym: str = ""
    page: str | None = None
    organization_id: str = ""
    organization_name: str = ""
    owner_id: str = ""
    owner_name: str = ""
    description: str = ""
    frequency: str = ""
    license: str = ""
    temporal_start: str | None = None
    temporal_end: str | None = None
    spatial_granularity: str = ""
    spatial_zones: list[str] = field(default_factory=list)
    featured: bool = False
    created_at: str | None = None
    last_modified: str | None = None
    tags: list[str] = field(default_factory=list)
    archived: str | None = None
    resources_count: int | None = None
    resources_formats: list[str] = field(default_factory=list)
    harvest_backend: str = ""
    harvest_domain: str = ""
    harvest_remote_url: str | None = None
    harvest_uri: str | None = None
    harvest_dct_identifier: str = ""
    quality_score: str | None = None
    badges: list[str] = field(default_factory=list)
    private: bool = False
    deleted: bool = False
    resources: list[ResourceRecord] = field(default_factory=list)
    """Resources carried by the record itself (API JSON); CSV resources come separately."""

    @property
    def hidden(self) -> bool:
        """Private or deleted records never enter the public store."""
        return self.private or self.deleted

    @property
    def is_hvd(self) -> bool:
        """Marked as a high-value dataset (udata's ``hvd`` tag or badge)."""
        return "hvd" in self.tags or "hvd" in self.badges


@dataclass(slots=True)
class ReuseRecord:
    """A reuse (application, visualisation, article...) of datasets."""

    id: str
    title: str
    source: SourceRef
    slug: str = ""
    page: str | None = None
    type: str = ""
    description: str = ""
    remote_url: str | None = None
    organization_id: str = ""
    organization_name: str = ""
    owner_id: str = ""
    owner_name: str = ""
    image: str | None = None
    created_at: str | None = None
    last_modified: str | None = None
    archived: str | None = None
    topic: str = ""
    tags: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    private: bool = False
    deleted: bool = False


@dataclass(slots=True)
class DataserviceRecord:
    """An API described on the portal: a ``dcat:DataService``."""

    id: str
    title: str
    source: SourceRef
    slug: str = ""
    acronym: str = ""
    page: str | None = None
    description: str = ""
    base_api_url: str | None = None
    machine_documentation_url: str | None = None
    technical_documentation_url: str | None = None
    business_documentation_url: str | None = None
    authorization_request_url: str | None = None
    availability: str | None = None
    rate_limiting: str = ""
    access_type: str = ""
    license: str = ""
    organization_id: str = ""
    organization_name: str = ""
    owner_id: str = ""
    owner_name: str = ""
    created_at: str | None = None
    modified: str | None = None
    archived: str | None = None
    tags: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    private: bool = False
    deleted: bool = False

    @property
    def is_hvd(self) -> bool:
        """Marked as a high-value API (udata's ``hvd`` tag)."""
        return "hvd" in self.tags


Record = (
    DatasetRecord
    | ResourceRecord
    | OrganizationRecord
    | UserRecord
    | ReuseRecord
    | DataserviceRecord
)
