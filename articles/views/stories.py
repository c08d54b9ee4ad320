"""A page's story, kept between versions: the part of a reader's page that shows content.

A page is its story (the article as the reader sees it, a list of teasers, with the page's
<head> data) inside the page around it (masthead, navigation, footer: base.html). The story
costs the queries and most of the templates; it is made once per version of what it shows and
kept (cache/fragments.py) under the page's address, with the surrogate keys the page names, so
a page the page cache lacks, or every page with the page cache off, renders only around it.
Previews and other answers (redirects, 404s, 410s) are never kept.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from .. import cache
from ..cache.fragments import kept
from ..context_processors import links_to, navigation_sections
from .mixins import SurrogateKeysMixin, page_number


@dataclass(frozen=True)
class Story:
    content: str  # the page's content, rendered (safe HTML)
    head: str  # what it adds to the page's <head>, rendered (safe HTML)
    page: dict  # what the page around it shows: its title, language links, navigation, …
    keys: frozenset  # the surrogate keys of what it shows
    modified: datetime | None  # Last-Modified, where the page has one date


def settled(value):
    """`value` with its lazy texts made plain, in the language of the story they are part of:
    a lazy text would be unpickled, with its class made anew, on every read."""
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dict):
        return {key: settled(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(settled(item) for item in value)
    return value


# More of what the page around every story shows of the whole site, made with the story and kept
# with it as the navigation is: {context name: function making it for the active language}.
# Apps on top of articles add theirs (pages/apps.py: the editors' menus); a change to what one
# shows must renew every page (cache.changed() of a model fanout.py does not list does).
SITE_PARTS: dict[str, Callable[[], object]] = {}


class KeptStoryMixin(SurrogateKeysMixin):
    """Render the story from `story_template` and the page around it from `template_name`
    (which shows `{{ story.content }}`), and keep the story between versions."""

    story_template: str
    story_head_template = "articles/stories/head.html"
    # Context the page around the story reads (base.html and the page's head block).
    page_context_names: tuple[str, ...] = ("meta",)
    keeps_story = True

    def dispatch(self, request, *args, **kwargs):
        if not self.keeps_story or request.method not in {"GET", "HEAD"}:
            return super().dispatch(request, *args, **kwargs)
        answered = {}

        def make():
            answered["response"] = response = super(KeptStoryMixin, self).dispatch(
                request, *args, **kwargs
            )
            story = getattr(self, "story", None)
            if story is None or response.status_code != 200 or self.asked_more(request):
                return None, None
            return story, story.keys

        story = kept(self.story_name(), make)
        if "response" in answered:  # made now
            return answered["response"]
        return self.page_around(story)

    def asked_more(self, request) -> bool:
        """Whether the address carries parameters other than a list's page: the story made for
        it is not kept (links such as the pagination's would carry them to every reader),
        though a story kept from a plain address serves it."""
        return any(name != getattr(self, "page_kwarg", None) for name in request.GET)

    def story_name(self) -> str:
        """What the story is kept under: the page's address and language, and for a list the
        number of its page (not the parameter as written: ?page=01 is page 1, and the made-up
        parameters an address may carry change nothing)."""
        request = self.request
        page = page_number(request, self.page_kwarg) if hasattr(self, "page_kwarg") else ""
        address = f"{request.scheme}://{request.get_host()}{request.path}"
        return f"story:{address}:{page}#{get_language()}"

    def render_to_response(self, context, **response_kwargs):
        self.story = self.tell(context)
        return self.page_around(self.story, **response_kwargs)

    def tell(self, context) -> Story:
        page = {name: context[name] for name in self.page_context_names if name in context}
        # The navigation changes only with the content token (sections are on every page),
        # on which the story depends too: kept with it, the page around makes no read for it.
        page["navigation_sections"] = navigation_sections()
        for name, make in SITE_PARTS.items():
            page[name] = make()
        if "language_links" not in page:
            page["language_links"] = links_to(self.request.path)
        return Story(
            content=render_to_string(self.story_template, context, self.request),
            head=self.render_head(context),
            page=settled(page),
            keys=frozenset(self.surrogate_keys(context)),
            modified=self.last_modified(context),
        )

    def render_head(self, context) -> str:
        # One element a line, as in base.html's own: the template's last line break dropped.
        head = render_to_string(self.story_head_template, context, self.request)
        return mark_safe(head.strip())  # a template's output, escaped by it

    def page_around(self, story: Story, **response_kwargs):
        cache.shows(self.request, *story.keys)
        response = TemplateResponse(
            self.request,
            self.template_name,
            {**story.page, "story": story},
            **response_kwargs,
        )
        if story.modified is not None:
            response.headers["Last-Modified"] = http_date(story.modified.timestamp())
        return response
