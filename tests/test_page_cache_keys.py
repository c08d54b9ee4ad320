"""What the page cache keeps a page under, and who gets it: made-up query strings and cookies
change nothing, the reader's language and the scheme do, and the file cache stays quick
however many pages it holds."""

import pickle
import threading
import time
from pathlib import Path

import pytest
from django.test import Client

from articles import sessions
from newsroom.cache_backends import FileCache

from .factories import make_article, make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]


def stored_pages(settings) -> int:
    directory = Path(settings.CACHES["default"]["LOCATION"])
    return len(list(directory.glob("*.djcache")))


def test_made_up_query_strings_do_not_multiply_the_pages_kept(client, settings):
    make_article(headline="One front page")
    assert client.get("/en/")["X-Page-Cache"] == "miss"
    # A 404 draws the navigation, kept once for every page without a story of its own.
    assert client.get("/en/?page=9999").status_code == 404
    kept = stored_pages(settings)

    answers = [client.get(f"/en/?utm_source=mail{n}&fbclid={n}") for n in range(30)]
    answers += [client.get(f"/en/?page={10_000 + n}") for n in range(30)]  # past the end: 404

    assert stored_pages(settings) == kept
    for answer in answers[:30]:
        assert answer.status_code == 200
        assert answer["X-Page-Cache"] == "hit", "answered from the page without the parameters"
        assert "One front page" in answer.content.decode()
    assert {answer.status_code for answer in answers[30:]} == {404}


def test_a_made_up_query_string_for_a_page_not_kept_yet_is_rendered_and_not_stored(
    client, settings
):
    make_article(headline="Not kept yet")
    before = stored_pages(settings)  # the generations the new article renewed

    first = client.get("/en/?ref=newsletter")
    second = client.get("/en/?ref=newsletter")

    assert first.status_code == second.status_code == 200
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "miss"
    # The content token, the next publication time, the navigation and the page's story
    # (kept under the page's own address, without the parameters), not the page.
    assert stored_pages(settings) <= before + 4
    others = [client.get(f"/en/?ref=newsletter{n}") for n in range(10)]
    assert {other["X-Page-Cache"] for other in others} == {"miss"}
    assert stored_pages(settings) <= before + 4
    assert client.get("/en/")["X-Page-Cache"] == "miss"
    assert client.get("/en/?ref=newsletter")["X-Page-Cache"] == "hit"


def test_the_query_parameters_pages_read_are_pages_of_their_own(client):
    make_article(headline="Harbour strike ends")
    make_article(headline="Budget passes")

    harbour = client.get("/en/search/?q=harbour")
    budget = client.get("/en/search/?q=budget")
    again = client.get("/en/search/?q=budget&utm_medium=social")

    assert "Harbour strike ends" in harbour.content.decode()
    assert "Budget passes" not in harbour.content.decode()
    assert budget["X-Page-Cache"] == "miss"
    assert "Budget passes" in budget.content.decode()
    assert again["X-Page-Cache"] == "hit"
    assert "Budget passes" in again.content.decode()


def test_a_made_up_session_cookie_still_gets_the_cached_page(client):
    make_article(headline="Read by everyone")
    client.get("/en/")

    for made_up in ("x", "abc123" * 6, "a" * 24 + "0123456789abcdef"):
        client.cookies["sessionid"] = made_up
        response = client.get("/en/")

        assert response["X-Page-Cache"] == "hit", made_up
        assert "Read by everyone" in response.content.decode()


def test_a_logged_in_editor_never_gets_a_cached_page_after_logging_in_on_the_desk(client):
    make_article(slug="story", headline="Story")
    client.get("/en/articles/story/")
    editor = make_staff("Editors")

    login = client.post("/admin/login/", {"username": editor.username, "password": "x"})
    response = client.get("/en/articles/story/")

    assert login.status_code == 302
    assert sessions.is_genuine_key(client.cookies["sessionid"].value)
    assert response.status_code == 200
    assert response.get("X-Page-Cache") is None


def test_a_session_key_names_a_session_only_with_the_sites_signature():
    store = sessions.SessionStore()
    store["kept"] = "yes"
    store.create()
    key = store.session_key
    forged = key[:-1] + ("0" if key[-1] != "0" else "1")

    assert sessions.is_genuine_key(key)
    assert sessions.SessionStore(key).get("kept") == "yes"
    assert not sessions.is_genuine_key(forged)
    assert sessions.SessionStore(forged).get("kept") is None


def test_a_404_outside_the_language_prefixes_answers_each_reader_in_their_language(client):
    german = client.get("/nothing-here", headers={"accept-language": "de"})
    english = client.get("/nothing-here", headers={"accept-language": "en"})
    german_again = client.get("/nothing-here", headers={"accept-language": "de-DE,de;q=0.9"})

    assert german.status_code == english.status_code == 404
    assert '<html lang="de">' in german.content.decode()
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="de">' in german_again.content.decode()
    assert german_again["X-Page-Cache"] == "hit"


def test_a_page_asked_for_over_https_keeps_its_links_to_itself(settings):
    settings.SITE_URL = ""  # links take the origin of each request
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    make_article(slug="story", headline="Story")
    reader = Client(headers={"host": "localhost"})  # as a proxy in front sends it

    secure = reader.get("/en/articles/story/", headers={"x-forwarded-proto": "https"})
    plain = reader.get("/en/articles/story/")

    assert '<link rel="canonical" href="https://localhost/en/articles/story/"' in (
        secure.content.decode()
    )
    assert plain["X-Page-Cache"] == "miss"
    assert '<link rel="canonical" href="http://localhost/en/articles/story/"' in (
        plain.content.decode()
    )
    assert "https://localhost" not in plain.content.decode()


@pytest.fixture
def file_cache(tmp_path):
    def make(**options):
        return FileCache(str(tmp_path / "files"), {"OPTIONS": options})

    return make


def test_the_file_cache_lists_its_directory_now_and_then_not_on_every_store(
    file_cache, monkeypatch
):
    cache = file_cache(MAX_ENTRIES=100_000)
    listings = []
    list_files = FileCache._list_cache_files
    monkeypatch.setattr(
        FileCache, "_list_cache_files", lambda self: listings.append(1) or list_files(self)
    )

    for n in range(640):
        cache.set(f"page-{n}", "x" * 100)

    # Django's lists it (to count the entries) on each of the 640 stores.
    assert len(listings) < 100


def test_the_file_cache_still_culls_when_it_is_full(file_cache):
    cache = file_cache(MAX_ENTRIES=50, CULL_CHECK_EVERY=4)

    for n in range(500):
        cache.set(f"page-{n}", "x")

    assert len(cache._list_cache_files()) < 150


def test_of_processes_adding_one_key_to_the_file_cache_at_once_one_succeeds(file_cache):
    cache = file_cache()
    rounds = []
    for attempt in range(40):
        start = threading.Barrier(8)
        successes = []

        def claim(key=f"rendering-{attempt}", successes=successes, start=start):
            start.wait()
            successes.append(cache.add(key, 1, 10))

        claimers = [threading.Thread(target=claim) for _ in range(8)]
        for claimer in claimers:
            claimer.start()
        for claimer in claimers:
            claimer.join()
        rounds.append(successes.count(True))

    assert rounds == [1] * 40
    assert cache.add("rendering-0", 2, 10) is False  # still held
    assert cache.get("rendering-0") == 1


def test_an_expired_entry_in_the_file_cache_can_be_added_again(file_cache):
    cache = file_cache()
    cache.set("rendering", "old", 10)
    path = Path(cache._key_to_file("rendering"))
    with path.open("r+b") as entry:  # the entry's expiry, as if its ten seconds had passed
        expiry = pickle.dumps(time.time() - 1, cache.pickle_protocol)
        assert len(expiry) == len(pickle.dumps(0.0, cache.pickle_protocol))
        entry.write(expiry)

    assert cache.add("rendering", "new", 10) is True
    assert cache.get("rendering") == "new"
