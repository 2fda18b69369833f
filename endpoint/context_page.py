"""``/-/context.jsonld``: ldcat's JSON-LD context, the one every record's JSON-LD refers to."""

from __future__ import annotations

import json
from functools import cache

from starlette.requests import Request
from starlette.responses import Response

from endpoint.conditional import entity_tag, is_not_modified
from endpoint.jsonld_context import LDCAT_CONTEXT


@cache
def _body() -> bytes:
    return json.dumps(LDCAT_CONTEXT.document(), ensure_ascii=False, indent=1).encode("utf-8")


async def context_document(request: Request) -> Response:
    """The context, cacheable for a day and revalidated by its entity tag."""
    body = _body()
    headers = {"etag": entity_tag(body.decode("utf-8")),
               "cache-control": "public, max-age=86400"}
    if is_not_modified(request.headers, headers["etag"], None):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/ld+json", headers=headers)
