"""Find markup that a browser would run, by parsing a page the way a browser does (html5lib).

`executable_markup(html)` lists what an attacker could have put there: scripts other than our
own, event handler attributes, javascript:/vbscript:/data: addresses, frames, plugins, <base>,
refreshes and forms that are not ours. An empty list means the page runs only what we wrote.
"""

import json
import re
from xml.etree import ElementTree

import html5lib
from django.conf import settings

# Attributes whose value a browser loads or navigates to.
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "{http://www.w3.org/1999/xlink}href",
    "poster", "data", "background", "lowsrc", "dynsrc", "ping", "srcdoc", "codebase", "cite",
    "longdesc", "manifest", "icon", "archive", "classid", "usemap", "profile", "itemtype",
}  # fmt: skip
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
NEVER_OURS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "math"}
# JSON carried in <script> (JSON-LD, the admin's configuration) is data, not code.
DATA_SCRIPT_TYPES = {"application/ld+json", "application/json"}
# Browsers drop tabs and line breaks anywhere in a URL, and C0 controls and spaces around it.
_URL_NOISE = re.compile(r"[\t\n\r]")


def parse(html: str):
    """The document as a browser builds it (elements named without the XHTML namespace)."""
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def local_name(element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()


def url_scheme_is_dangerous(value: str) -> bool:
    url = _URL_NOISE.sub("", value).lstrip("".join(map(chr, range(0x21)))).lower()
    return url.startswith(DANGEROUS_SCHEMES)


def _our_script(element) -> bool:
    src = element.get("src")
    if src is not None:
        return src.startswith(settings.STATIC_URL) or src.endswith("/jsi18n/")
    if (element.get("type") or "").lower() in DATA_SCRIPT_TYPES:
        try:
            json.loads(element.text or "")
        except ValueError:
            return False
        return True
    return False


def _our_form(element) -> bool:
    # Our forms post with a CSRF token (which nobody else can know) or are the search forms.
    if any(
        local_name(field) == "input" and field.get("name") == "csrfmiddlewaretoken"
        for field in element.iter()
    ):
        return True
    if element.get("id") in {"changelist-search", "logout-form"}:
        return True
    return "search-form" in (element.get("class") or "") and (element.get("method") == "get")


def _our_svg(element) -> bool:
    # The admin's icons: symbols drawn with paths, and <use> of a symbol on the page.
    for child in element.iter():
        if child is element:
            continue
        if local_name(child) not in {"use", "symbol", "path"}:
            return False
        hrefs = [value for key, value in child.attrib.items() if key.endswith("href")]
        if any(not href.startswith("#") for href in hrefs):
            return False
    return True


def _our_frame(element) -> bool:
    # The desk's writing view previews the body in a frame of its own (markdown_preview.html):
    # served empty, with no address and no document, which desk.js writes from the form.
    return (
        local_name(element) == "iframe"
        and element.get("class") == "markdown-preview__frame"
        and not {"src", "srcdoc"} & {key.rsplit("}", 1)[-1].lower() for key in element.attrib}
    )


def executable_markup(html: str) -> list[str]:
    """What in `html` would run script or take the reader elsewhere, that we did not write."""
    problems = []
    for element in parse(html).iter():
        name = local_name(element)
        if not name:
            continue
        if name in NEVER_OURS and not _our_frame(element):
            problems.append(f"<{name}> element")
        if name == "script" and not _our_script(element):
            problems.append(f"<script> {element.attrib!r}: {(element.text or '')[:80]!r}")
        if name == "svg" and not _our_svg(element):
            problems.append("<svg> element")
        if name == "form" and not _our_form(element):
            problems.append(f"<form> {element.attrib!r}")
        if name == "meta" and element.get("http-equiv") is not None:
            problems.append(f"<meta http-equiv> {element.attrib!r}")
        for attribute, value in element.attrib.items():
            attribute_name = attribute.rsplit("}", 1)[-1].lower()
            if attribute_name.startswith("on"):
                problems.append(f"<{name} {attribute}={value!r}> event handler")
            if (
                attribute.lower() in URL_ATTRIBUTES or attribute_name in URL_ATTRIBUTES
            ) and url_scheme_is_dangerous(value):
                problems.append(f"<{name} {attribute}={value!r}> dangerous address")
            if attribute_name == "srcset" and any(
                url_scheme_is_dangerous(candidate.strip()) for candidate in value.split(",")
            ):
                problems.append(f"<{name} srcset={value!r}> dangerous address")
            if attribute_name == "style" and re.search(
                r"expression\s*\(|javascript:|url\s*\(", value, re.IGNORECASE
            ):
                problems.append(f"<{name} style={value!r}> active style")
    return problems


def json_ld(html: str) -> list:
    """The JSON-LD blocks of a page, parsed."""
    return [
        json.loads(element.text or "")
        for element in parse(html).iter()
        if local_name(element) == "script" and element.get("type") == "application/ld+json"
    ]


def text_of(html: str, tag: str, **attributes) -> list[str]:
    """The text content of every <tag> with these attribute values, as a browser shows it."""
    found = []
    for element in parse(html).iter():
        if local_name(element) != tag:
            continue
        if all(element.get(key) == value for key, value in attributes.items()):
            found.append("".join(element.itertext()))
    return found


def attribute_values(html: str, tag: str, attribute: str, **attributes) -> list[str]:
    return [
        element.get(attribute)
        for element in parse(html).iter()
        if local_name(element) == tag
        and element.get(attribute) is not None
        and all(element.get(key) == value for key, value in attributes.items())
    ]


def xml_document(content: bytes):
    """A feed or sitemap as an XML parser reads it; raises if it is not well-formed."""
    return ElementTree.fromstring(content)


def xml_local_name(element) -> str:
    return element.tag.rsplit("}", 1)[-1]
