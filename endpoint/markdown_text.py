"""Markdown descriptions rendered to safe HTML.

markdown-it-py renders CommonMark with raw HTML switched off (tags in the text come out as
text) and refuses ``javascript:``-like link targets; nh3 (the Rust ``ammonia`` sanitiser)
then keeps only an allow-list of tags, attributes and URL schemes, as a second wall.

>>> str(render_markdown("**gras** <script>alert(1)</script> [x](javascript:alert(1))"))
'<p><strong>gras</strong> &lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))</p>\\n'
"""

from __future__ import annotations

import re
from functools import cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
                "a", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto"}


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


_HEADING = re.compile(r"<(/?)h([1-6])>")


def _demote_headings(html: str) -> str:
    """Headings of a description sit under the page's ``h1`` and its section ``h2``: shift
    them two levels down (``h1`` -> ``h3``, at most ``h6``)."""
    return _HEADING.sub(lambda match: f"<{match[1]}h{min(int(match[2]) + 2, 6)}>", html)


def render_markdown(text: str) -> Markup:
    """``text`` (Markdown) as sanitised HTML, safe to insert in a page."""
    html = _demote_headings(_parser().render(text))
    clean = nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel="nofollow noopener noreferrer ugc")
    return Markup(clean)  # sanitised by nh3 just above
