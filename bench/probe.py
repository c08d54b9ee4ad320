"""What the benchmark asks of a dataset, answered inside Django with that dataset's settings.

    DATABASE_URL=… python bench/probe.py count   → {"synthetic": N, "published": N}
    DATABASE_URL=… python bench/probe.py info    → the counts and
                                                   "targets": {"article": url, "tag": url, …}

The targets are chosen from the data, the same way on any dataset, so that runs compare:
the lead story of the English home page, the tag on the most published articles (the largest
tag page), a search for the commonest word in recent English headlines (many matches) and one
for the rarest (on the synthetic dataset, a place from its long tail: few matches).
"""

import json
import os
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
STOPWORDS = {"about", "after", "again", "against", "their", "there", "these", "those", "which"}


def count() -> dict[str, int]:
    from articles.models import Article

    return {
        "synthetic": Article.objects.filter(slug__startswith="synthetic-").count(),
        "published": Article.objects.published().count(),
    }


def targets() -> dict[str, str]:
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import translation

    from articles.models import Article, TaggedArticle

    translation.activate("en")
    published = Article.objects.published()
    lead = published.filter(language="en").order_by("-published_at", "-pk").first()
    if lead is None:
        raise SystemExit("No published English article to benchmark.")
    top_tag = (
        TaggedArticle.objects.filter(content_object__in=published)
        .values("tag__slug")
        .annotate(articles=Count("pk"))
        .order_by("-articles", "tag__slug")
        .first()
    )
    if top_tag is None:
        raise SystemExit("No tag on a published article to benchmark.")
    headlines = published.filter(language="en").order_by("-published_at", "-pk")
    words = Counter(
        word
        for headline in headlines.values_list("headline", flat=True)[:200]
        for word in re.findall(r"[a-z]{5,}", headline.lower())
        if word not in STOPWORDS
    )
    common = min(words.items(), key=lambda item: (-item[1], item[0]))[0] if words else "news"
    # The rarest word of recent bodies: most of the archive's words are in most bodies.
    in_bodies = Counter(
        word
        for body in headlines.values_list("body", flat=True)[:50]
        for word in re.findall(r"[a-z]{5,}", body.lower())
        if word not in STOPWORDS
    )
    rare = min(in_bodies.items(), key=lambda item: (item[1], item[0]))[0] if in_bodies else common
    search = reverse("articles:search")
    return {
        "article": lead.get_absolute_url(),
        "tag": reverse("articles:tag-detail", kwargs={"slug": top_tag["tag__slug"]}),
        "search": f"{search}?q={quote(common)}",
        "rare search": f"{search}?q={quote(rare)}",
    }


def main() -> None:
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    answers = {"count": count, "info": lambda: {**count(), "targets": targets()}}
    if len(sys.argv) != 2 or sys.argv[1] not in answers:
        raise SystemExit(f"usage: probe.py {{{','.join(answers)}}}")
    json.dump(answers[sys.argv[1]](), sys.stdout)


if __name__ == "__main__":
    main()
