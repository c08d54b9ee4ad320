"""The benchmark harness keeps working: `bench/run.py --smoke`, as CI runs it, and the parts of
the live newsroom (`bench/live.py`): its readers' mix, its wrk script, its editor.

Tiny data, one-second loads, SQLite files of its own: it checks that every target answered and
was measured, never how fast.
"""

import importlib
import json
import random
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from articles.editorial.revisions import history
from articles.models import Article
from articles.synthetic import generate

from .factories import make_article, make_author

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS = {"static", "article", "home", "tag", "search", "rare search"}


# The smoke run makes SQLite databases of its own whatever DATABASE_URL says: once per CI run.
@pytest.mark.sqlite_only
def test_smoke_benchmark_measures_every_target_and_writes_its_record(tmp_path):
    finished = subprocess.run(
        [sys.executable, str(BASE_DIR / "bench" / "run.py"), "--smoke", "--output", str(tmp_path)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]

    [record] = tmp_path.glob("*.json")
    run = json.loads(record.read_text())
    assert run["smoke"] is True
    assert run["ceiling"]["start"]["status"] == 200
    assert run["ceiling"]["requests_per_second"] > 0
    assert "seed" in run["datasets"]
    measured = {(r["dataset"], r["mode"], r["target"]) for r in run["results"]}
    assert measured == {
        (dataset, mode, target)
        for dataset in run["datasets"]
        for mode in ("rendered", "cold", "warm")
        for target in TARGETS
    }
    for result in run["results"]:
        assert result["error"] is None, result
        assert result["status"] == 200, result
        assert result["requests"] > 0, result
        assert result["p50_ms"] <= result["p99_ms"], result
    warm_pages = [r for r in run["results"] if r["mode"] == "warm" and r["target"] != "static"]
    assert {r["page_cache"] for r in warm_pages} == {"hit"}
    assert run["goals"], "the goals are checked (and reported) even when not met"
    assert run["problems"] == []

    section = (tmp_path / "performance.md").read_text()
    assert f"<!-- bench-run {run['timestamp']} -->" in section
    assert not (BASE_DIR / "docs" / f"performance-{run['timestamp']}.png").exists()
    assert not (BASE_DIR / "bench" / "results" / record.name).exists()


# The live newsroom (bench/live.py): its readers' mix, its wrk script and its editor ----------


def bench_module(name: str):
    """A module of bench/, which imports its siblings by name."""
    sys.path.insert(0, str(BASE_DIR / "bench"))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BASE_DIR / "bench"))


@pytest.mark.django_db
def test_the_readers_mix_gives_home_hottest_and_long_tail_their_shares_and_every_page_is_200(
    client,
):
    generate(articles=60, authors=8, tags=20, sections=3, translated=0.3, seed=3)
    mix = bench_module("mix")

    built = mix.build(seed=0, tail_articles=30, tail_tags=10)

    assert built["shares"] == {"home": 0.15, "hot": 0.45, "tail": 0.40}
    groups = built["groups"]
    assert groups["home"] == ["/en/", "/de/"]
    newest = Article.objects.published().order_by("-published_at", "-pk")[:10]
    assert groups["hot"] == [article.get_original_url() for article in newest]
    assert sorted(built["editor"]["hot"]) == sorted(article.pk for article in newest)
    tail = groups["tail"]
    assert not set(tail) & set(groups["hot"])
    assert len([path for path in tail if "/articles/" in path]) >= 30  # and translations
    assert len([path for path in tail if "/tags/" in path]) == 10
    assert {"/en/sections/", "/de/sections/"} <= {path[:13] for path in tail}
    assert len(built["editor"]["tail"]) == 30
    assert not set(built["editor"]["tail"]) & set(built["editor"]["hot"])
    answers = {path: client.get(path).status_code for path in mix.paths(built)}
    assert set(answers.values()) == {200}, {p: s for p, s in answers.items() if s != 200}


class PathRecorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
    # Each answer in one write, sent at once: else every request waits for a delayed ACK.
    wbufsize = -1
    disable_nagle_algorithm = True
    paths: list[str] = []

    def do_GET(self):
        self.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def wrk_paths(script: Path) -> list[str]:
    """The paths one wrk thread on one connection asks for in a second, with `script`."""
    load = bench_module("load")
    PathRecorder.paths = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), PathRecorder)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        measured = load.run_wrk(
            f"http://127.0.0.1:{server.server_port}/", duration=1, connections=1, script=script
        )
    finally:
        server.shutdown()
        server.server_close()
    assert measured.non_2xx_3xx == 0
    return list(PathRecorder.paths)


def test_the_wrk_script_asks_for_the_mix_pages_in_their_shares_in_the_same_order_each_run(
    tmp_path,
):
    mix = bench_module("mix")
    built = {
        "seed": 0,
        "shares": mix.SHARES,
        "groups": {
            "home": ["/en/", "/de/"],
            "hot": [f"/en/articles/hot-{n}/" for n in range(10)],
            "tail": [f"/de/tags/t%C3%BCr-{n}/" for n in range(300)],
        },
    }
    script = tmp_path / "mix.lua"
    script.write_text(mix.lua_script(built))

    first, second = wrk_paths(script), wrk_paths(script)

    assert len(first) >= 400, len(first)
    assert set(first) <= set(mix.paths(built))
    # The first 400 requests: the same in every run (the seed), whatever wrk's speed.
    shares = {
        name: sum(path in paths for path in first[:400]) / 400
        for name, paths in built["groups"].items()
    }
    assert shares == pytest.approx(mix.SHARES, abs=0.05)
    assert len(set(first) & set(built["groups"]["tail"])) > 100  # the tail is long
    same = min(len(first), len(second))
    assert first[:same] == second[:same]


def test_the_sampler_draws_its_pages_from_the_groups_in_the_mix_shares():
    mix = bench_module("mix")
    groups = {"home": ["/en/"], "hot": ["/en/articles/a/"], "tail": ["/en/tags/t/"]}
    built = {"seed": 0, "shares": mix.SHARES, "groups": groups}
    rng = random.Random(0)

    draws = [mix.draw(built, rng) for _ in range(4000)]

    assert all(path in groups[group] for group, path in draws)
    shares = {name: sum(group == name for group, _ in draws) / 4000 for name in groups}
    assert shares == pytest.approx(mix.SHARES, abs=0.03)


def test_a_path_wrk_cannot_send_as_it_is_is_refused_when_the_script_is_written():
    mix = bench_module("mix")
    built = {"seed": 0, "shares": {"home": 1.0}, "groups": {"home": ['/en/"quoted"/']}}

    with pytest.raises(ValueError, match="Not a path wrk can send"):
        mix.lua_script(built)


@pytest.mark.django_db
@pytest.mark.usefixtures("page_cache_on")
def test_the_live_editor_saves_through_the_editorial_actions_and_readers_see_it_at_once(
    client, django_capture_on_commit_callbacks
):
    live_editor = bench_module("live_editor")
    article = make_article(body="The council met on Tuesday.", authors=[make_author()])
    page = article.get_absolute_url()
    client.get(page)
    assert client.get(page)["X-Page-Cache"] == "hit"
    editor = live_editor.ensure_editor()

    with django_capture_on_commit_callbacks(execute=True):
        live_editor.save_once(article.pk, editor, 1)
        live_editor.save_once(article.pk, editor, 2)

    response = client.get(page)
    assert response["X-Page-Cache"] == "miss"
    text = response.content.decode()
    assert "The council met on Tuesday." in text
    assert "Updated by the live newsroom benchmark: save 2 at" in text
    assert "save 1 at" not in text
    article.refresh_from_db()
    assert article.version == 3
    assert article.updated_by == editor
    assert [v.revision.user for v in history(article)][:2] == [editor, editor]
    assert editor.groups.get().name == "Editors"


def test_a_live_run_goes_under_live_newsroom_before_the_runs_and_is_replaced_when_rewritten(
    tmp_path,
):
    live_report = bench_module("live_report")
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n\n## Summary\n\nFast.\n\n## Runs\n\n<!-- bench-run A -->\n")

    def section(stamp, words):
        return f"<!-- live-run {stamp} -->\n{words}\n<!-- /live-run {stamp} -->\n"

    live_report.update_doc(doc, section("1", "first"), "1")
    live_report.update_doc(doc, section("2", "run two"), "2")
    live_report.update_doc(doc, section("1", "first, again"), "1")

    text = doc.read_text()
    assert text.startswith("# Performance\n\n## Summary\n\nFast.\n\n## Live newsroom\n\n")
    assert text.count("## Live newsroom") == 1
    assert "first\n" not in text
    order = ["## Summary", "## Live newsroom", "first, again", "run two", "## Runs", "bench-run A"]
    positions = [text.index(marker) for marker in order]
    assert positions == sorted(positions)
