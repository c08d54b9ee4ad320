"""Markdown to safe HTML for readers: CommonMark rendering, then an allow-list sanitiser."""

import re
from html import unescape

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}

# Raw HTML in the source is shown as text, never passed through; the sanitiser is the second lock.
_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")


def _demote_h1(tokens):
    # The headline is the page's only <h1>; a "# " line in a body becomes a subheading.
    for token in tokens:
        if token.type in {"heading_open", "heading_close"} and token.tag == "h1":
            token.tag = "h2"
    return tokens


def render_markdown(source: str) -> str:
    """Render an editor's Markdown to HTML that is safe to show readers."""
    tokens = _demote_h1(_markdown.parse(source or ""))
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )


# Abbreviations whose full stop does not end a sentence (English and German newsroom usage).
_ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "lt", "col",
    "u.s", "u.k", "e.g", "i.e", "etc", "vs", "nr", "z.b", "bzw", "ca", "vgl", "u.a", "d.h",
    "jan", "feb", "aug", "sept", "oct", "nov", "dec",
}  # fmt: skip
_SENTENCE_END = re.compile(r"[.!?…][\"”’)]*\s+(?=[\"“„‘(]*[A-ZÄÖÜ0-9])")


def plain_text(html: str) -> str:
    """The text of an HTML fragment, tags removed, whitespace collapsed."""
    text = nh3.clean(html or "", tags=set())
    return " ".join(unescape(text).split())


def opening_sentence(html: str, limit: int = 300) -> str:
    """The first sentence of a rendered body, as plain text: a teaser when there is no dek."""
    text = plain_text(html)
    for match in _SENTENCE_END.finditer(text):
        candidate = text[: match.start() + 1]
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".").lower()
        if last_word in _ABBREVIATIONS or len(last_word) == 1:
            continue
        text = candidate.rstrip()
        break
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + "…"
    return text
