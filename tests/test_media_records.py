"""The library's pictures in fixtures, revisions and jobs: loaded by natural key with their
files, restored with an article's text, their renditions made by a job after a save."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from articles import editorial
from articles.jobs import make_renditions
from articles.models import Article, MediaImage, MediaUse

from .factories import make_article, make_image, make_staff, picture_file

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


@pytest.fixture
def fixture_media(settings):
    settings.FIXTURE_MEDIA_DIR = DATA / "media"


def stored(settings, name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


# Fixtures


def test_a_fixture_brings_a_picture_by_its_reference_with_its_file(settings, fixture_media):
    call_command("loaddata", DATA / "library_fixture.json", verbosity=0)

    image = MediaImage.objects.get_by_natural_key("test-card")
    assert (image.width, image.height, image.focal_x) == (1200, 800, 0.75)
    assert image.localizations.get(language="de").alt == "Ein rotes Quadrat auf graublauem Grund"
    assert (
        stored(settings, image.file.name).read_bytes()
        == (DATA / "media" / image.file.name).read_bytes()
    )


def test_an_article_in_a_fixture_shows_the_picture_it_names(
    client, settings, fixture_media, tmp_path
):
    article = make_article(slug="with-a-picture")
    articles = json.loads(
        _dumped(["articles.article"], pks=[article.pk])
    )  # an article as dumpdata writes it
    article.delete()
    articles[0]["fields"]["body"] = "Text.\n\n[[image test-card]]"
    articles[0]["fields"]["lead_picture"] = ["test-card"]
    path = tmp_path / "content.json"
    library = json.loads((DATA / "library_fixture.json").read_text())
    path.write_text(json.dumps(library + articles))

    call_command("loaddata", path, verbosity=0)

    article = Article.objects.get(slug="with-a-picture")
    image = MediaImage.objects.get(slug="test-card")
    assert article.lead_picture == image
    assert MediaUse.objects.filter(article=article, image=image).exists()
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.count('alt="A red square on a grey-blue ground"') == 2  # lead and body


def test_a_fixture_naming_a_file_it_does_not_carry_is_refused_whole(
    settings, fixture_media, tmp_path
):
    library = json.loads((DATA / "library_fixture.json").read_text())
    library[0]["fields"]["file"] = "library/2026/12/missing/nowhere.jpg"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(library))

    with pytest.raises(CommandError) as refusal:
        call_command("loaddata", path, verbosity=0)

    assert "library/2026/12/missing/nowhere.jpg" in str(refusal.value)
    assert "test-card" in str(refusal.value)
    assert not MediaImage.objects.exists()


def test_dumped_pictures_load_again_by_reference(settings, fixture_media, tmp_path):
    make_image(slug="harbour", file=picture_file(640, 480))
    dumped = _dumped(["articles.mediaimage"], natural=True)
    MediaImage.objects.all().delete()

    path = tmp_path / "library.json"
    path.write_text(dumped)
    call_command("loaddata", path, verbosity=0)

    assert MediaImage.objects.get(slug="harbour").width == 640


def _dumped(models, pks=None, natural=False) -> str:
    from io import StringIO

    out = StringIO()
    options = {"natural_foreign": True, "natural_primary": natural, "stdout": out}
    if pks:
        options["primary_keys"] = ",".join(map(str, pks))
    call_command("dumpdata", *models, **options)
    return out.getvalue()


# Revisions


def test_restoring_a_version_brings_back_its_lead_picture_and_media_lines():
    editor = make_staff("Editors")
    first, second = make_image(), make_image()
    article = make_article(lead_picture=first, body=f"[[image {first.slug}]]", unsigned=True)
    editorial.edit(Article, article.pk, editor, comment="First.", standfirst="One.")
    first_revision = Version.objects.get_for_object(article).first().revision_id
    editorial.edit(
        Article, article.pk, editor, lead_picture=second, body=f"[[image {second.slug}]]"
    )

    editorial.restore(Article, article.pk, first_revision, editor)

    article.refresh_from_db()
    assert article.lead_picture == first
    assert article.body == f"[[image {first.slug}]]"
    assert set(article.media_uses.values_list("image", flat=True)) == {first.pk}


# Jobs


def test_a_saved_picture_gets_every_rendition_from_a_job(
    settings, run_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        make_image(file=picture_file(2000, 1200))

    [attempt] = run_jobs()

    assert attempt.task_path == make_renditions.module_path
    renditions = list((Path(settings.MEDIA_ROOT) / "renditions").rglob("*.*"))
    assert {path.suffix for path in renditions} == {".avif", ".webp", ".jpg"}
    assert len(renditions) >= 30
    crop = next(p for p in renditions if "-16x9-1200w-" in p.name)
    with Image.open(crop) as opened:
        assert opened.size == (1200, 675)


def test_moving_the_focal_point_makes_new_crops(
    settings, run_jobs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        image = make_image(file=picture_file(2000, 1200))
    run_jobs()
    before = {p.name for p in (Path(settings.MEDIA_ROOT) / "renditions").rglob("*-1x1-*")}

    with django_capture_on_commit_callbacks(execute=True):
        image.focal_x = 0.9
        image.save()
    run_jobs()

    after = {p.name for p in (Path(settings.MEDIA_ROOT) / "renditions").rglob("*-1x1-*")}
    assert before < after


def stored_files(settings) -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()}


def test_a_picture_deleted_from_the_library_leaves_no_file_behind(
    client, settings, run_jobs, django_capture_on_commit_callbacks
):
    client.force_login(make_staff("Editors"))
    with django_capture_on_commit_callbacks(execute=True):
        image = make_image(file=picture_file(1200, 800))
    kept = make_image(file=picture_file(640, 480))
    run_jobs()
    assert any(name.startswith("renditions/") for name in stored_files(settings))

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:articles_mediaimage_delete", args=[image.pk]), {"post": "yes"})
    run_jobs()

    folder = image.file.name.rsplit("/", 1)[0]
    assert not any(folder in name for name in stored_files(settings))
    assert kept.file.name in stored_files(settings)
