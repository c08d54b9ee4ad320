"""The translation catalogs: complete, compiled, and actually used by the desk and the site."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
CATALOGS = sorted(LOCALE_DIR.rglob("*.po"))
COMPILE = (
    "DJANGO_DEBUG=true .venv/bin/python manage.py compilemessages -l {language} --ignore=.venv"
)


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    # LocaleMiddleware leaves a German request's language active in this thread; without this,
    # later tests would reverse() to /de/ URLs and read German pages.
    yield
    translation.deactivate()


def catalog_id(path: Path) -> str:
    return str(path.relative_to(LOCALE_DIR.parent))


def language_of(path: Path) -> str:
    # locale/<language>/LC_MESSAGES/<domain>.po
    return path.relative_to(LOCALE_DIR).parts[0]


def entry_keys(entries) -> set[tuple]:
    """What a catalog says, comparable between a .po and a .mo (the header left out)."""
    return {
        (
            entry.msgctxt,
            entry.msgid,
            entry.msgid_plural,
            entry.msgstr,
            tuple(sorted((int(n), text) for n, text in entry.msgstr_plural.items())),
        )
        for entry in entries
        if entry.msgid
    }


def test_every_site_language_but_the_source_has_a_catalog():
    languages = {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    assert languages, "the site offers no language besides the source language"
    assert languages <= {language_of(path) for path in CATALOGS}


@pytest.mark.parametrize("po_path", CATALOGS, ids=catalog_id)
def test_catalog_has_no_untranslated_or_fuzzy_entries(po_path):
    catalog = polib.pofile(str(po_path))

    assert not catalog.metadata_is_fuzzy, f"{catalog_id(po_path)}: the header is marked fuzzy"
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert not untranslated, f"{catalog_id(po_path)}: untranslated: {untranslated}"
    assert not fuzzy, f"{catalog_id(po_path)}: fuzzy: {fuzzy}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=catalog_id)
def test_compiled_catalog_is_in_step_with_its_source(po_path):
    mo_path = po_path.with_suffix(".mo")
    command = COMPILE.format(language=language_of(po_path))
    assert mo_path.exists(), f"{catalog_id(mo_path)} is missing: run `{command}`"

    # msgfmt leaves fuzzy and untranslated entries out of the .mo, so compare what it keeps.
    source = entry_keys(polib.pofile(str(po_path)).translated_entries())
    compiled = entry_keys(polib.mofile(str(mo_path)))

    only_in_po = sorted(key[1] for key in source - compiled)
    only_in_mo = sorted(key[1] for key in compiled - source)
    assert source == compiled, (
        f"{catalog_id(mo_path)} is out of step with its .po: run `{command}`. "
        f"Changed or new in the .po: {only_in_po[:5]}; stale in the .mo: {only_in_mo[:5]}"
    )


@pytest.mark.django_db
def test_german_editor_sees_the_desk_summary_in_german(client):
    client.force_login(User.objects.create_superuser("chefin", password="x"))

    response = client.get("/admin/", headers={"accept-language": "de"})

    assertContains(response, '<html lang="de"', status_code=200)
    assertContains(response, "<caption>Auf dem Desk</caption>", html=True)
    assertNotContains(response, "On the desk")


@pytest.mark.django_db
def test_german_readers_site_is_in_german(client):
    response = client.get("/de/")

    assertContains(
        response,
        '<a class="skip-link" href="#content">Zum Inhalt springen</a>',
        html=True,
        status_code=200,
    )
    assertNotContains(response, "Skip to content")
