"""The accessibility checks (``--check-urls``): do access and download URLs answer?

Each distinct URL is asked once, with ``HEAD`` (``GET``, body unread, when a server refuses
``HEAD``), at most ``concurrency`` at a time, following redirects; a status below 400 counts
as answering. URLs under the catalogue's own base IRI are ldcat's own pages (a distribution
without an access URL of its own gets its IRI) and count as answering without a request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from loader.quality.measure import _iri, _select
from loader.search_index import Queryable
from ontology.quality import INDICATORS_BY_KEY

_URLS = """
SELECT ?d ?x ?access ?download WHERE { GRAPH ?g {
  ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://www.w3.org/ns/dcat#distribution> ?x
  OPTIONAL { ?x <http://www.w3.org/ns/dcat#accessURL> ?access }
  OPTIONAL { ?x <http://www.w3.org/ns/dcat#downloadURL> ?download } } }"""


@dataclass(slots=True)
class DistributionUrls:
    """Per dataset, per distribution, its access and download URLs."""

    datasets: dict[str, dict[str, tuple[set[str], set[str]]]] = field(default_factory=dict)

    def add(self, dataset: str, distribution: str, access: str | None,
            download: str | None) -> None:
        """Note one row."""
        access_urls, download_urls = self.datasets.setdefault(dataset, {}).setdefault(
            distribution, (set(), set()))
        if access:
            access_urls.add(access)
        if download:
            download_urls.add(download)

    def urls(self) -> set[str]:
        """Every URL named."""
        found: set[str] = set()
        for distributions in self.datasets.values():
            for access, download in distributions.values():
                found |= access | download
        return found


def distribution_urls(store: Queryable) -> DistributionUrls:
    """Read every dataset's distribution URLs."""
    result = DistributionUrls()
    for row in _select(store, _URLS):
        dataset, distribution = _iri(row["d"]), _iri(row["x"])
        if dataset is not None and distribution is not None:
            result.add(dataset, distribution, _iri(row["access"]), _iri(row["download"]))
    return result


async def _answers(client: httpx.AsyncClient, url: str) -> bool:
    try:
        response = await client.head(url)
        if response.status_code in (405, 501):
            async with client.stream("GET", url) as streamed:
                return streamed.status_code < 400
        return response.status_code < 400
    except (httpx.HTTPError, ValueError):
        return False


async def _check_all(urls: list[str], concurrency: int, timeout: float) -> dict[str, bool]:
    limit = asyncio.Semaphore(concurrency)
    results: dict[str, bool] = {}
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True,
                                 headers={"User-Agent": "ldcat-quality/1"}) as client:
        async def one(url: str) -> None:
            async with limit:
                results[url] = await _answers(client, url)
        await asyncio.gather(*(one(url) for url in urls))
    return results


def check_urls(urls: Iterable[str], own_base: str, concurrency: int = 16,
               timeout: float = 10.0) -> dict[str, bool]:
    """URL -> whether it answers (own pages under ``own_base`` answer by definition)."""
    wanted = sorted(set(urls))
    own = {url: True for url in wanted if url.startswith(f"{own_base}/")}
    remote = [url for url in wanted if url not in own]
    return {**own, **asyncio.run(_check_all(remote, concurrency, timeout))}


def url_points(found: DistributionUrls, answers: dict[str, bool]
               ) -> dict[str, Callable[[str, int], float]]:
    """The points functions of the two network indicators, for :func:`measure`."""
    def share(dataset: str, pick: int) -> float:
        distributions = found.datasets.get(dataset, {})
        if not distributions:
            return 0.0
        good = sum(1 for urls in distributions.values()
                   if urls[pick] and all(answers.get(url, False) for url in urls[pick]))
        return good / len(distributions)

    access = INDICATORS_BY_KEY["access-url-status"].points
    download = INDICATORS_BY_KEY["download-url-status"].points
    return {
        "access-url-status": lambda dataset, _: round(access * share(dataset, 0), 2),
        "download-url-status": lambda dataset, _: round(download * share(dataset, 1), 2),
    }
