"""Markdown to safe HTML for readers: CommonMark rendering, then an allow-list sanitiser."""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from django.utils.html import escape
from markdown_it import MarkdownIt

# A library image, a gallery or an embed, alone on its line (see README, "Pictures and embeds"):
#   [[image kim-putin-beijing]]
#   [[image kim-putin-beijing | caption: Kim and Putin in Beijing | credit: Jane Doe / Reuters]]
#   [[gallery parade-1, parade-2, parade-3 | caption: The parade]]
#   [[embed https://www.youtube.com/watch?v=…]]
MEDIA_KINDS = ("image", "gallery", "embed")
MEDIA_OPTIONS = ("caption", "alt", "credit")
_MEDIA_LINE = re.compile(r"\[\[(?P<kind>[a-z]+)[ \t]+(?P<rest>[^\n]*?)[ \t]*\]\]")
# How a reference travels in body_html until reading.py shows it: an empty <figure>.
MEDIA_ATTRIBUTES = {
    "kind": "data-media",
    "targets": "data-targets",
    "caption": "data-caption",
    "alt": "data-alt",
    "credit": "data-credit",
}


@dataclass(frozen=True)
class MediaReference:
    """What one [[…]] line asks for: its kind, the image references or embed address, and the
    texts given for this use only ("" where the library's apply)."""

    kind: str
    targets: tuple[str, ...]
    caption: str = ""
    alt: str = ""
    credit: str = ""
    line: int = 0  # counted from 1, for error messages


class MediaSyntaxError(ValueError):
    """A [[…]] line that is not a media reference: its kind or an option is unknown."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


def parse_media_line(text: str, line: int = 0) -> MediaReference | None:
    """The reference on `text` (one line), None if it is not a [[…]] line at all."""
    match = _MEDIA_LINE.fullmatch(text.strip())
    if match is None:
        return None
    kind = match["kind"]
    first, *options = (part.strip() for part in match["rest"].split("|"))
    if kind not in MEDIA_KINDS:
        raise MediaSyntaxError(f"unknown kind {kind!r}", line)
    if kind == "gallery":
        targets = tuple(target for target in re.split(r"[\s,]+", first) if target)
    else:
        targets = (first,) if first else ()
    if not targets:
        raise MediaSyntaxError(f"{kind} without a reference", line)
    texts = {}
    for option in options:
        name, colon, value = option.partition(":")
        name = name.strip().lower()
        if not colon or name not in MEDIA_OPTIONS:
            raise MediaSyntaxError(f"unknown option {name!r}", line)
        texts[name] = " ".join(value.split())
    return MediaReference(kind, targets, line=line, **texts)


def _media_block(state, start_line, end_line, silent):
    if state.sCount[start_line] - state.blkIndent >= 4:  # an indented code block
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    text = state.src[start : state.eMarks[start_line]]
    if not text.startswith("[["):
        return False
    try:
        reference = parse_media_line(text, start_line + 1)
    except MediaSyntaxError:
        return False  # shown as the text it is; the desk's form says what is wrong
    if reference is None:
        return False
    if not silent:
        token = state.push("media", "figure", 0)
        token.meta = {"reference": reference}
        token.map = [start_line, start_line + 1]
    state.line = start_line + 1
    return True


def _render_media(renderer, tokens, index, options, env):
    reference = tokens[index].meta["reference"]
    values = {
        "kind": reference.kind,
        "targets": " ".join(reference.targets),
        "caption": reference.caption,
        "alt": reference.alt,
        "credit": reference.credit,
    }
    attributes = "".join(
        f' {MEDIA_ATTRIBUTES[name]}="{escape(value)}"' for name, value in values.items() if value
    )
    return f"<figure{attributes}></figure>\n"


ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "q", "s", "strong",
    "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    # Only the media rule below writes these: raw HTML in a body is shown as text.
    "figure": set(MEDIA_ATTRIBUTES.values()),
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}

# Raw HTML in the source is shown as text, never passed through; the sanitiser is the second lock.
_markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
_markdown.block.ruler.before(
    "paragraph", "media", _media_block, {"alt": ["paragraph", "reference", "blockquote", "list"]}
)
_markdown.add_render_rule("media", _render_media)


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


# body_html is the sanitiser's output: attributes in double quotes, in the order written.
PLACEHOLDER = re.compile(r'<figure data-media="[^"]*"[^>]*></figure>')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
_NAMES = {attribute: name for name, attribute in MEDIA_ATTRIBUTES.items()}


def placeholders(body_html: str) -> list[MediaReference]:
    """The references a rendered body shows, in order (what media/figures.py expands)."""
    return [_reference(match.group(0)) for match in PLACEHOLDER.finditer(body_html or "")]


def _reference(placeholder: str) -> MediaReference:
    values = {
        _NAMES[attribute]: html.unescape(value)
        for attribute, value in _ATTRIBUTE.findall(placeholder)
        if attribute in _NAMES
    }
    kind = values.pop("kind")
    return MediaReference(kind, tuple(values.pop("targets", "").split()), **values)


def media_shown(body_html: str) -> str:
    """What library media a rendered body shows, as one line ("embed:https://… image:a"):
    stored with the text, so that a save that leaves it alone needs no look at the uses."""
    shown = {
        # An address has no spaces; one typed with a space in it still stays one entry.
        f"{'embed' if ref.kind == 'embed' else 'image'}:{target.replace(' ', '%20')}"
        for ref in placeholders(body_html)
        for target in ref.targets
    }
    return " ".join(sorted(shown))


def media_references(source: str) -> list[MediaReference]:
    """Every media reference a body shows, in order (not those inside code)."""
    tokens = _markdown.parse(source or "")
    return [token.meta["reference"] for token in tokens if token.type == "media"]


def media_syntax_errors(source: str) -> list[MediaSyntaxError]:
    """The [[…]] lines of a body that look like media references but are not valid ones."""
    errors = []
    for number, line in enumerate((source or "").splitlines(), start=1):
        if line.strip().startswith("[[") and line.strip().endswith("]]"):
            try:
                parse_media_line(line, number)
            except MediaSyntaxError as error:
                errors.append(error)
    return errors


SENTENCE_LIMIT = 300


def collapse_whitespace(text: str) -> str:
    return " ".join((text or "").split())


def truncate_on_word(text: str, limit: int) -> str:
    """`text` with collapsed whitespace, at most `limit` characters: cut on a word, with "…"."""
    text = collapse_whitespace(text)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–—-") + "…"


_BLOCK_TAGS = {
    "blockquote", "br", "div", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "li", "ol", "p", "pre", "table", "td", "th", "tr", "ul",
}  # fmt: skip


class _Blocks(HTMLParser):
    """The text of an HTML fragment, one string per block (paragraph, heading, list item…)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self._tag, self._text = "", []

    def _flush(self):
        text = collapse_whitespace("".join(self._text))
        if text:
            self.blocks.append((self._tag, text))
        self._text = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self._flush()
            self._tag = tag

    def handle_endtag(self, tag):
        if tag in _BLOCK_TAGS:
            self._flush()
            self._tag = ""

    def handle_data(self, data):
        # Plain text (or Markdown) separates paragraphs with blank lines.
        first, *rest = re.split(r"\n[ \t]*\n", data)
        self._text.append(first)
        for paragraph in rest:
            self._flush()
            self._text.append(paragraph)

    def close(self):
        super().close()
        self._flush()


def plain_text(html_or_text: str) -> str:
    """Text without tags or entities, whitespace collapsed; blocks joined by a space."""
    return " ".join(text for _tag, text in _blocks(html_or_text))


def _blocks(html_or_text: str) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(html_or_text or "")
    parser.close()
    return parser.blocks


# A period after these does not end a sentence (compared without the final period, ignoring case).
ABBREVIATIONS = {
    "dr", "mr", "mrs", "ms", "prof", "st", "jr", "sr", "gen", "gov", "sen", "rep", "rev", "lt",
    "col", "capt", "sgt", "mt", "ft", "nr", "vs", "approx", "ca", "u.s", "u.k", "u.n", "e.u",
    "z.b", "d.h", "u.a", "o.ä", "bzw", "vgl", "ggf", "evtl", "usw", "inkl", "hr", "fr", "str",
    "jh", "mio", "mrd",
}  # fmt: skip
# A candidate end of a sentence: . ! or ?, then any closing quotes or brackets, then a space or
# the end of the text.
_SENTENCE_END = re.compile(r"""[.!?]+["'”’»)\]]*(?=\s|$)""")
_OPENING_PUNCTUATION = "\"'“‘„»(["


def _ends_sentence(text: str, end: re.Match) -> bool:
    """Whether the candidate `end` closes a sentence: the text ends, or a capital follows."""
    following = text[end.end() :].lstrip().lstrip(_OPENING_PUNCTUATION)
    if following and not following[0].isupper():
        return False
    if following and text[end.start()] == ".":
        before = text[: end.start()].split()
        word = before[-1].lstrip(_OPENING_PUNCTUATION).rstrip(".").lower() if before else ""
        if word in ABBREVIATIONS:
            return False
        # Initials ("J. K. Rowling") and German ordinals ("am 3. Oktober"): a single letter, or a
        # number of one or two digits. The price: an English sentence ending in "aged 42." runs
        # on into the next one, until the length limit cuts it.
        if (len(word) == 1 and word.isalpha()) or re.fullmatch(r"\d{1,2}", word):
            return False
    return True


def opening_sentence(html_or_text: str) -> str:
    """The first sentence of a body (HTML or plain text), as plain text of at most 300 characters.

    Taken from the first paragraph rather than a subheading, so that teasers read as prose.
    """
    blocks = _blocks(html_or_text)
    paragraph = next((text for tag, text in blocks if tag == "p"), blocks[0][1] if blocks else "")
    for end in _SENTENCE_END.finditer(paragraph):
        if end.end() > SENTENCE_LIMIT:
            break
        if _ends_sentence(paragraph, end):
            return paragraph[: end.end()]
    return truncate_on_word(paragraph, SENTENCE_LIMIT)


# Dates and URLs ---------------------------------------------------------------------------------
