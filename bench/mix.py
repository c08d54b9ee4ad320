"""The live newsroom's readers: which pages they ask for, in which shares, as a wrk script.

    DATABASE_URL=… python bench/mix.py [--seed 0] [--tail-articles 1500]   → the mix as JSON

Chosen from the data the same way on any dataset (see build()): the home page in each site
language, the newest published articles (the hottest), and a long tail of article pages
(originals and their published translations), section pages and tag pages. Each request
draws a group by its share, then a page of the group, uniformly: every page of a group is
as likely as another. The editor of bench/live.py edits articles of the hot group and of the
long tail (`editor` in the mix).
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
# The share of requests each group gets: home pages, the hottest articles, the long tail.
SHARES = {"home": 0.15, "hot": 0.45, "tail": 0.40}
HOT_ARTICLES = 10
TAIL_ARTICLES = 1500
TAIL_TAGS = 300


def build(seed: int = 0, tail_articles: int = TAIL_ARTICLES, tail_tags: int = TAIL_TAGS) -> dict:
    """The mix for the current database: its groups of paths, their shares, and the primary
    keys of the articles the editor may edit. The same seed picks the same pages."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from articles.models import Article, ArticleTranslation, Section

    rng = random.Random(seed)
    published = Article.objects.published()
    hot = list(published.order_by("-published_at", "-pk").only("slug", "language")[:HOT_ARTICLES])
    if not hot:
        raise SystemExit("No published article: nothing for readers to read.")
    hot_pks = {article.pk for article in hot}

    others = sorted(set(published.values_list("pk", flat=True)) - hot_pks)
    tail_pks = sorted(rng.sample(others, min(tail_articles, len(others))))
    tail = [
        a.get_original_url() for a in published.filter(pk__in=tail_pks).only("slug", "language")
    ]
    translations = ArticleTranslation.objects.published().filter(article_id__in=tail_pks)
    tail += [t.get_absolute_url() for t in translations.only("slug", "language")]

    languages = [code for code, _name in settings.LANGUAGES]
    sections = Section.objects.filter(articles__in=published).distinct().order_by("slug")
    tags = sorted(published.tags().values_list("slug", flat=True))
    homes = []
    for language in languages:
        with translation.override(language):
            homes.append(reverse("articles:home"))
            tail += [section.get_absolute_url() for section in sections]
    with translation.override(languages[0]):
        tail += [
            reverse("articles:tag-detail", kwargs={"slug": slug})
            for slug in rng.sample(tags, min(tail_tags, len(tags)))
        ]
    return {
        "seed": seed,
        "shares": SHARES,
        "groups": {
            "home": homes,
            "hot": [article.get_original_url() for article in hot],
            "tail": sorted({quote(path, safe="/-_.~%") for path in tail}),
        },
        "editor": {"hot": sorted(hot_pks), "tail": tail_pks},
    }


def paths(mix: dict) -> list[str]:
    """Every distinct path of the mix."""
    return sorted({path for group in mix["groups"].values() for path in group})


def draw(mix: dict, rng: random.Random) -> tuple[str, str]:
    """One request of the mix, as the wrk script draws it: (group, path)."""
    number, below = rng.random(), 0.0
    chosen = list(mix["shares"])[-1]
    for group, share in mix["shares"].items():
        below += share
        if number < below:
            chosen = group
            break
    return chosen, rng.choice(mix["groups"][chosen])


def lua_string(text: str) -> str:
    if not text.isascii() or any(char in text for char in '"\\\n'):
        raise ValueError(f"Not a path wrk can send as it is: {text!r}")
    return f'"{text}"'


# Each wrk thread draws from its own generator, seeded from the mix's seed and the thread's
# number, so a run asks for the same pages in the same order as another. The requests are
# formatted once, in init(), not per request: that would cost wrk throughput.
LUA = """-- The live newsroom's readers (bench/mix.py): a group by its share, then a page of it.
local groups = {
%(groups)s
}
local seed = %(seed)d
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  math.randomseed(seed * 1000 + (thread_number or 0))
  requests = {}
  for g, group in ipairs(groups) do
    requests[g] = {}
    for i, path in ipairs(group.paths) do
      requests[g][i] = wrk.format("GET", path)
    end
  end
end

function request()
  local draw = math.random()
  local chosen = #groups
  local below = 0
  for g, group in ipairs(groups) do
    below = below + group.share
    if draw < below then
      chosen = g
      break
    end
  end
  local group = requests[chosen]
  return group[math.random(#group)]
end
"""


def lua_script(mix: dict) -> str:
    """A wrk script (`wrk -s`) that asks for the mix's pages in its shares."""
    groups = []
    for name, share in mix["shares"].items():
        listed = ",\n    ".join(lua_string(path) for path in mix["groups"][name])
        groups.append(
            f"  {{name = {lua_string(name)}, share = {share},\n   paths = {{\n    {listed}\n  }}}},"
        )
    return LUA % {"groups": "\n".join(groups), "seed": mix["seed"]}


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/mix.py", description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tail-articles", type=int, default=TAIL_ARTICLES)
    parser.add_argument("--tail-tags", type=int, default=TAIL_TAGS)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    json.dump(build(args.seed, args.tail_articles, args.tail_tags), sys.stdout)


if __name__ == "__main__":
    main()
