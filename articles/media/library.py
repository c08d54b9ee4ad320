"""Which library images and embeds a text shows: its references resolved, the article's uses
recorded, and what the desk refuses (unknown references, pictures without alt text or credit)."""

from collections.abc import Iterable

from django.conf import settings
from django.core.files import File
from django.utils.translation import gettext as _

from ..images import oriented_size
from ..markdown import MediaReference, media_references, media_syntax_errors
from ..models import Article, ArticleTranslation, Embed, MediaImage, MediaUse


def measure(image: MediaImage, *, loading: bool = False) -> None:
    """Give `image` the size it is shown at (after EXIF orientation) when its file is new or
    its size unknown. `loading` a fixture: a file missing from storage is taken from
    fixtures/media/ under the same name, where fixtures keep the library's files."""
    file = image.file
    if not file:
        return
    if not file._committed:  # an upload, not stored yet
        image.width, image.height = oriented_size(file.file)
        return
    if loading and not file.storage.exists(file.name):
        kept = settings.FIXTURE_MEDIA_DIR / file.name
        if not kept.is_file():
            raise FileNotFoundError(
                f"The picture “{image.slug}” names the file {file.name}, which is neither in "
                f"the media storage nor in {settings.FIXTURE_MEDIA_DIR}."
            )
        with kept.open("rb") as stream:
            stored = file.storage.save(file.name, File(stream))
        if stored != file.name:  # the storage chose another name
            file.name = stored
    if not image.width or not image.height:
        with file.storage.open(file.name, "rb") as stream:
            image.width, image.height = oriented_size(stream)


def referenced(sources: Iterable[str]) -> tuple[set[str], set[str]]:
    """The image references and embed addresses the Markdown `sources` show."""
    slugs, urls = set(), set()
    for source in sources:
        for reference in media_references(source):
            (urls if reference.kind == "embed" else slugs).update(reference.targets)
    return slugs, urls


def record_uses(article) -> None:
    """Make the article's MediaUse rows say what it shows: its lead picture, and what its body
    and its translations' bodies show (their `media_shown`, derived when they are saved)."""
    lines = [article.media_shown, *article.translations.values_list("media_shown", flat=True)]
    shown = {entry.partition(":")[::2] for line in lines for entry in line.split()}
    slugs = {target for kind, target in shown if kind == "image"}
    urls = {target for kind, target in shown if kind == "embed"}
    images = MediaImage.objects.filter(slug__in=slugs).values_list("pk", flat=True)
    embeds = Embed.objects.filter(url__in=urls).values_list("pk", flat=True)
    wanted = {("image", pk) for pk in images} | {("embed", pk) for pk in embeds}
    if article.lead_picture_id is not None:
        wanted.add(("image", article.lead_picture_id))
    present = {}
    for use in MediaUse.objects.filter(article=article):
        present[("image", use.image_id) if use.image_id else ("embed", use.embed_id)] = use.pk
    gone = [pk for key, pk in present.items() if key not in wanted]
    if gone:
        MediaUse.objects.filter(pk__in=gone).delete()
    new = [
        MediaUse(article=article, **{f"{kind}_id": pk})
        for kind, pk in sorted(wanted - present.keys())
    ]
    if new:
        MediaUse.objects.bulk_create(new, ignore_conflicts=True)


def record_loaded_uses(saved) -> None:
    """After a fixture load: the uses of every article it saved, or saved a translation of
    (`saved`: (model, pk) pairs). Not while loading: a picture may come after the article
    showing it, and a backup carries the uses themselves."""
    pks = {pk for model, pk in saved if model is Article}
    translations = [pk for model, pk in saved if model is ArticleTranslation]
    if translations:
        pks |= set(
            ArticleTranslation.objects.filter(pk__in=translations).values_list(
                "article_id", flat=True
            )
        )
    for article in Article.objects.filter(pk__in=pks).only("pk", "media_shown", "lead_picture"):
        record_uses(article)


def reference_errors(source: str) -> list[str]:
    """Why the media lines of a body cannot be shown, one message each (empty: they can)."""
    errors = [
        _("Line %(line)s is not a media reference (%(problem)s). Write [[image reference]], "
          "[[gallery reference, reference]] or [[embed address]].")
        % {"line": error.line, "problem": error}
        for error in media_syntax_errors(source)
    ]  # fmt: skip
    slugs, _urls = referenced([source])
    known = set(MediaImage.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    errors += [
        _("There is no image “%(reference)s” in the library.") % {"reference": slug}
        for slug in sorted(slugs - known)
    ]
    return errors


def unknown_embeds(source: str) -> list[str]:
    """The embed addresses of a body that have not been fetched yet."""
    _slugs, urls = referenced([source])
    stored = set(Embed.objects.filter(url__in=urls).values_list("url", flat=True))
    return sorted(urls - stored)


def fetch_embeds(urls: Iterable[str]) -> list[Embed]:
    """Ask each provider about its address (oEmbed) and keep the answers; raises the first
    refusal (embeds.EmbedError, a ValidationError naming the problem)."""
    from .embeds import resolve  # reaches the network: only when an editor adds an embed

    return [store_embed(url, resolve(url)) for url in urls]


def store_embed(url: str, resolved) -> Embed:
    """Keep (or renew) what a provider said about `url`, as the body writes it."""
    embed, _created = Embed.objects.update_or_create(
        url=url,
        defaults={
            "provider": resolved.provider,
            "provider_name": resolved.provider_name,
            "title": resolved.title[:300],
            "author_name": resolved.author_name[:300],
            "frame_url": resolved.frame_url,
            "width": resolved.width,
            "height": resolved.height,
            "html": resolved.html,
            "fetched_at": resolved.fetched_at,
        },
    )
    return embed


def missing_credits(source: str, language: str, lead_pk: int | None = None) -> list[str]:
    """What readers of `language` would miss in the pictures a text shows (its lead picture
    `lead_pk`, and those its body shows): alt text or a credit, in the library or given in the
    body for this use. One message per picture."""
    problems = []
    references = [ref for ref in media_references(source) if ref.kind != "embed"]
    slugs = {slug for reference in references for slug in reference.targets}
    if lead_pk is not None:
        lead = MediaImage.objects.filter(pk=lead_pk).prefetch_related("localizations").first()
        if lead is not None:
            problems += _lacking(lead, language, MediaReference("image", (lead.slug,)))
    images = {
        image.slug: image
        for image in MediaImage.objects.filter(slug__in=slugs).prefetch_related("localizations")
    }
    seen = set()
    for reference in references:
        for slug in reference.targets:
            image = images.get(slug)
            if image is None or (slug, reference) in seen:
                continue
            seen.add((slug, reference))
            problems += _lacking(image, language, reference)
    return problems


def _lacking(image: MediaImage, language: str, reference: MediaReference) -> list[str]:
    lacks = []
    if not (reference.alt and reference.kind == "image") and not local_alt(image, language):
        lacks.append(_("alt text"))
    if not reference.credit and not image.credit:
        lacks.append(_("a credit"))
    if not lacks:
        return []
    return [
        _("The image “%(reference)s” needs %(missing)s before it can be published.")
        % {"reference": image.slug, "missing": _(" and ").join(lacks)}
    ]


def local_alt(image: MediaImage, language: str) -> str:
    """The image's alt text in `language`: its own if written in it, else a translation's."""
    if image.language == language:
        return image.alt
    for text in image.localizations.all():
        if text.language == language:
            return text.alt
    return ""
