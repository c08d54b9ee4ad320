"""A backup made with the README's dumpdata command, restored into an emptied database with its
loaddata command, gives back every row of every table: same ids, same history, same links."""

import shlex
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import ProtectedError
from django.utils import timezone
from pytest_django.asserts import assertContains
from reversion.models import Version
from taggit.models import Tag

from articles import editorial
from articles.editorial import revisions, workflow
from articles.models import (
    Article,
    ArticleTranslation,
    Author,
    AuthorTranslation,
    Byline,
    BylineRole,
    Correction,
    CorrectionKind,
    Embed,
    MediaImage,
    MediaImageTranslation,
    MediaUse,
    Section,
    SectionTranslation,
    ShareLink,
    SlugRedirect,
    Status,
)
from tests.factories import (
    make_article,
    make_author,
    make_image,
    make_section,
    make_staff,
    picture_file,
)
from tests.rows import every_row

pytestmark = pytest.mark.django_db

README = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
BACKUP = (
    "dumpdata --all --natural-foreign --exclude contenttypes --exclude auth.permission "
    "--exclude sessions --output newsroom-backup.json.gz"
)
EMPTY = "flush --no-input"
RESTORE = "loaddata --restore-backup newsroom-backup.json.gz"
MOVE_OUT = (
    "dumpdata taggit.tag articles.section articles.sectiontranslation articles.author "
    "articles.authortranslation articles.mediaimage articles.mediaimagetranslation "
    "articles.embed articles.article articles.byline articles.taggedarticle "
    "articles.articletranslation --natural-foreign --natural-primary --indent 2 "
    "--output content.json"
)
MOVE_IN = "loaddata content.json"
FILES = {"newsroom-backup.json.gz", "content.json"}
# Logins are not part of a backup: after a restore everyone signs in again.
NOT_BACKED_UP = {"sessions.Session"}


def run(command: str, directory):
    """A README command line (after `manage.py`), with its files in `directory`."""
    args = [str(directory / arg) if arg in FILES else arg for arg in shlex.split(command)]
    call_command(*args, verbosity=0)
    # For the operator each command is a process of its own, committed when it ends: no cached
    # content type ids, and no foreign key checks still pending (PostgreSQL will not TRUNCATE,
    # as `flush` does, while they are).
    ContentType.objects.clear_cache()
    connection.check_constraints()


@pytest.fixture(autouse=True)
def _fresh_content_types():
    # `flush` numbers content types afresh; the rollback after the test brings the old ids back.
    yield
    ContentType.objects.clear_cache()


@pytest.fixture
def newsroom(settings):
    """A small newsroom with something in every table the desk and the readers' site use."""
    editor = make_staff("Editors", username="editor", first_name="Eda", email="eda@example.org")
    reporter = make_staff("Reporters", username="reporter")
    translator = make_staff("Translators", username="translator")
    night_desk = Group.objects.create(name="Night desk")
    night_desk.permissions.add(Permission.objects.get(codename="publish_article"))
    editor.groups.add(night_desk)
    reporter.user_permissions.add(Permission.objects.get(codename="view_logentry"))

    politics = make_section(name="Politics", slug="politics", position=1)
    SectionTranslation.objects.create(section=politics, language="de", name="Politik")
    world = make_section(name="World", slug="world")
    jane = make_author(name="Jane Doe", slug="jane-doe", job_title="Reporter", user=reporter)
    AuthorTranslation.objects.create(author=jane, language="de", job_title="Reporterin")
    wire = make_author(name="Wire", slug="wire")
    photo = make_image(
        slug="city-hall",
        file=picture_file(1600, 900, name="photo.jpg", colour="teal"),
        alt="A photo",
        credit="dpa",
        created_by=editor,
    )
    MediaImageTranslation.objects.create(image=photo, language="de", alt="Ein Foto")
    harbour = make_image(slug="harbour", file=picture_file(640, 480, name="harbour.jpg"))
    MediaImageTranslation.objects.create(image=harbour, language="de", alt="Der Hafen")
    video = Embed.objects.create(
        url="https://vimeo.com/76979871", provider="vimeo", provider_name="Vimeo", title="A film"
    )

    # A gap in the ids: a restore must keep them, not number the articles afresh.
    make_article(slug="deleted-later").delete()
    lead = make_article(
        slug="lead-story",
        headline="Lead story",
        section=politics,
        authors=[jane, wire],
        tags=["China", "🔥", "Über-Tag"],
        lead_picture=photo,
        created_by=reporter,
        updated_by=editor,
    )
    Byline.objects.filter(author=wire).update(role=BylineRole.PHOTOGRAPHER)
    draft = make_article(slug="a-draft", status=Status.DRAFT, published_at=None, section=world)
    scheduled = make_article(
        slug="later", published_at=timezone.now() + timedelta(days=1), section=world
    )
    lead.related_articles.add(draft, scheduled)

    # History: two desk saves, the second a new slug (the old one redirects).
    editorial.edit(Article, lead.pk, editor, comment="First edit", body="A body edited.")
    editorial.edit(Article, lead.pk, editor, comment="New address", slug="lead-story-renamed")
    lead.refresh_from_db()
    workflow.record(draft, Status.DRAFT, Status.IN_REVIEW, reporter)
    Correction.objects.create(
        article=lead, kind=CorrectionKind.CORRECTION, text="We *misspelled* a name."
    )
    Correction.objects.create(article=lead, kind=CorrectionKind.EDITORS_NOTE, text="A note.")

    german = ArticleTranslation.objects.create(
        article=lead,
        language="de",
        headline="Aufmacher",
        slug="aufmacher",
        body=f"Text.\n\n[[image {harbour.slug}]]\n\n[[embed {video.url}]]",
        status=Status.PUBLISHED,
        created_by=translator,
    )
    german.translators.add(jane)
    # Published work is an editor's to change.
    editorial.edit(
        ArticleTranslation, german.pk, editor, comment="Neue Adresse", slug="aufmacher-neu"
    )
    german.refresh_from_db()
    workflow.record(german, Status.DRAFT, Status.PUBLISHED, editor)
    ShareLink.objects.create(article=draft, created_by=editor)
    ShareLink.objects.create(
        article=lead, translation=german, created_by=editor, revoked_at=timezone.now()
    )
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Article),
        object_id=str(lead.pk),
        object_repr=str(lead),
        action_flag=ADDITION,
        change_message='[{"added": {}}]',
    )
    # Every table the backup is about has rows, so that the comparison below means something.
    for model in (SlugRedirect, Version, Correction, ShareLink, LogEntry, MediaImageTranslation):
        assert model.objects.exists(), model
    # The lead picture, and the picture and the embed the German text shows.
    assert MediaUse.objects.filter(article=lead).count() == 3
    return {"lead": lead, "draft": draft, "german": german}


def test_the_readme_gives_the_backup_and_restore_commands_tested_here():
    for command in (BACKUP, EMPTY, RESTORE, MOVE_OUT, MOVE_IN):
        assert f"manage.py {command}" in README


def test_a_restored_backup_reproduces_every_row_of_every_table(newsroom, tmp_path):
    before = every_row(leave_out=NOT_BACKED_UP)

    run(BACKUP, tmp_path)
    run(EMPTY, tmp_path)
    assert not Article.objects.exists()
    assert not User.objects.exists()
    assert not Group.objects.exists()
    run(RESTORE, tmp_path)

    assert every_row(leave_out=NOT_BACKED_UP) == before


def test_after_a_restore_links_history_and_new_work_carry_on(newsroom, tmp_path, client):
    lead, draft = newsroom["lead"], newsroom["draft"]
    share_url = ShareLink.objects.get(article=draft).get_absolute_url()
    versions = [v.field_dict["headline"] for v in revisions.history(lead)]

    run(BACKUP, tmp_path)
    run(EMPTY, tmp_path)
    run(RESTORE, tmp_path)

    # Share links sign the link's id, so a restore that kept ids keeps the addresses sent out.
    assert client.get(share_url).status_code == 200
    assert client.get("/en/articles/lead-story/").status_code == 301
    assert client.get("/en/articles/lead-story-renamed/").status_code == 200
    assert client.get("/de/articles/aufmacher-neu/").status_code == 200
    # The library comes back with its texts and uses; the files stayed where they were.
    page = client.get("/en/articles/lead-story-renamed/")
    assertContains(page, '<span class="credit">Photo: dpa</span>', html=True)
    assertContains(page, 'alt="A photo"')
    assertContains(client.get("/de/articles/aufmacher-neu/"), 'alt="Ein Foto"')
    with pytest.raises(ProtectedError):
        MediaImage.objects.get(slug="city-hall").delete()
    assert [v.field_dict["headline"] for v in revisions.history(lead)] == versions
    # New rows get new ids after the restored ones.
    newer = make_article(slug="after-the-restore")
    assert newer.pk > lead.pk
    assert User.objects.get(username="editor").groups.filter(name="Night desk").exists()


def remove_moved_content():
    """The other site: the same staff accounts, none of the content."""
    Article.objects.all().delete()
    for model in (Section, Author, Tag, MediaImage, Embed):
        model.objects.all().delete()


def test_moved_articles_arrive_beside_the_other_sites_content_and_leave_it_alone(
    newsroom, tmp_path
):
    run(MOVE_OUT, tmp_path)
    remove_moved_content()
    theirs = make_article(slug="their-story", section=make_section(slug="theirs"), tags=["Theirs"])
    their_rows = every_row()

    run(MOVE_IN, tmp_path)

    lead = Article.objects.get(slug="lead-story-renamed")
    assert lead.headline == "Lead story"
    assert [(b.author.slug, b.role) for b in lead.bylines.all()] == [
        ("jane-doe", BylineRole.REPORTER),
        ("wire", BylineRole.PHOTOGRAPHER),
    ]
    assert set(lead.tags.names()) == {"China", "🔥", "Über-Tag"}
    assert lead.created_by.username == "reporter"
    german = lead.translations.get()
    assert (german.slug, list(german.translators.values_list("slug", flat=True))) == (
        "aufmacher-neu",
        ["jane-doe"],
    )
    assert lead.section.localizations.get().name == "Politik"
    assert Author.objects.get(slug="jane-doe").localizations.get().job_title == "Reporterin"
    assert Author.objects.get(slug="jane-doe").user.username == "reporter"
    picture = lead.lead_picture
    assert (picture.slug, picture.alt, picture.credit) == ("city-hall", "A photo", "dpa")
    assert picture.localizations.get().alt == "Ein Foto"
    assert set(lead.media_uses.values_list("image__slug", "embed__url")) == {
        ("city-hall", None),
        ("harbour", None),
        (None, "https://vimeo.com/76979871"),
    }
    # What the other site had is as it was.
    after = every_row()
    for table, rows in their_rows.items():
        if table in {"articles_article", "taggit_tag", "articles_section"}:
            assert [r for r in after[table] if r[0] in {row[0] for row in rows}] == rows, table
    theirs.refresh_from_db()
    assert list(theirs.tags.names()) == ["Theirs"]


def test_moved_articles_naming_an_account_the_site_lacks_are_refused_naming_it(newsroom, tmp_path):
    run(MOVE_OUT, tmp_path)
    remove_moved_content()
    User.objects.filter(username="reporter").delete()
    before = every_row()

    with pytest.raises(CommandError, match=r'\["reporter"\] does not exist'):
        run(MOVE_IN, tmp_path)

    assert every_row() == before
