"""Media in an S3-compatible bucket (DJANGO_MEDIA_S3_*): moto's S3 API server on 127.0.0.1
stands in for AWS, MinIO or R2, and the site stores and links pictures through django-storages
exactly as it would there.

How the tests point the site at the bucket: `settings.STORAGES` is overridden with the storage
newsroom/settings.py makes from the environment (read in a fresh interpreter). Overriding
STORAGES sends `setting_changed`, on which Django empties its `storages` handler and
`default_storage`. MediaImage.file names no storage, so its storage *is* `default_storage`, a
lazy object: the next file operation builds the S3 storage. `bucket` checks that it does.
"""

import json
import re
import urllib.request
import uuid

import boto3
import pytest
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.urls import reverse
from moto.server import ThreadedMotoServer
from storages.backends.s3 import S3Storage

from articles.models import MediaImage

from .factories import make_article, make_image, make_staff, picture_file
from .test_settings import PRODUCTION_KEY, read_settings, run_python

pytestmark = pytest.mark.django_db

REGION = "eu-central-1"
# What moto's server accepts; a real endpoint wants a key of the bucket's.
KEYS = {"aws_access_key_id": "newsroom", "aws_secret_access_key": "not-a-secret"}
CDN = "media.example.org"
A_YEAR = "public, max-age=31536000, immutable"


def storage_settings(endpoint: str = "", **env: str) -> dict:
    """STORAGES["default"] as newsroom/settings.py makes it from these variables."""
    if endpoint:
        env = {
            "DJANGO_MEDIA_S3_ENDPOINT_URL": endpoint,
            "DJANGO_MEDIA_S3_REGION": REGION,
            "DJANGO_MEDIA_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
            "DJANGO_MEDIA_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
            **env,
        }
    return read_settings("STORAGES", DJANGO_SECRET_KEY=PRODUCTION_KEY, **env)["STORAGES"]["default"]


@pytest.fixture(scope="module")
def s3_api():
    """The address of moto's S3 API, on a port the system chose, for this module's tests."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(scope="module")
def bucket_storage(s3_api):
    return storage_settings(s3_api, DJANGO_MEDIA_S3_BUCKET="newsroom-media")


@pytest.fixture(scope="module")
def cdn_storage(s3_api):
    return storage_settings(
        s3_api, DJANGO_MEDIA_S3_BUCKET="newsroom-media", DJANGO_MEDIA_S3_CUSTOM_DOMAIN=CDN
    )


def public_read(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


class Bucket:
    """A fresh bucket of the test's own, seen from outside the site (boto3)."""

    def __init__(self, endpoint: str):
        self.endpoint, self.name = endpoint, f"media-{uuid.uuid4().hex[:12]}"
        self.client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION, **KEYS)
        self.client.create_bucket(
            Bucket=self.name, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        # What docs/media-storage.md asks of a bucket: anyone may read its objects.
        self.client.put_bucket_policy(Bucket=self.name, Policy=json.dumps(public_read(self.name)))
        # Every write makes a version, even one rewriting a file with the same bytes.
        self.client.put_bucket_versioning(
            Bucket=self.name, VersioningConfiguration={"Status": "Enabled"}
        )

    def keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def writes(self) -> list[tuple[str, str]]:
        """Every version and delete marker ever written: (key, version id)."""
        listed = self.client.list_object_versions(Bucket=self.name)
        entries = listed.get("Versions", []) + listed.get("DeleteMarkers", [])
        return sorted((entry["Key"], entry["VersionId"]) for entry in entries)

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=key)


def use_bucket(settings, storage: dict, bucket: Bucket) -> None:
    """Make `storage` (from storage_settings) the site's, on `bucket`."""
    options = {**storage["OPTIONS"], "bucket_name": bucket.name}
    settings.STORAGES = {**settings.STORAGES, "default": {**storage, "OPTIONS": options}}
    field_storage = MediaImage._meta.get_field("file").storage
    assert field_storage is default_storage
    assert isinstance(field_storage, S3Storage) and field_storage.bucket_name == bucket.name


@pytest.fixture
def bucket(settings, s3_api, bucket_storage):
    """The site's media storage is a bucket of this test's own on the S3 API."""
    bucket = Bucket(s3_api)
    use_bucket(settings, bucket_storage, bucket)
    return bucket


def picture_urls(html: str) -> list[str]:
    """Every address of a picture the page's <img>s and <source>s name."""
    urls = []
    for tag in re.findall(r"<(?:img|source) [^>]+>", html):
        for attribute, value in re.findall(r'\b(src|srcset)="([^"]+)"', tag):
            candidates = value.split(", ") if attribute == "srcset" else [value]
            urls += [candidate.split(" ")[0] for candidate in candidates]
    return urls


# Uploads


def test_a_picture_added_at_the_desk_is_stored_in_the_bucket_under_library(
    client, settings, bucket
):
    client.force_login(make_staff("Editors"))

    response = client.post(
        reverse("admin:articles_mediaimage_add"),
        {
            "title": "Harbour",
            "slug": "harbour",
            "file": picture_file(800, 600, name="harbour.jpg"),
            "focal_x": "0.5",
            "focal_y": "0.5",
            "language": "en",
            "alt": "Boats in a harbour",
            "credit": "Jane Doe / Reuters",
            "localizations-TOTAL_FORMS": "0",
            "localizations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    image = MediaImage.objects.get(slug="harbour")
    assert re.fullmatch(r"library/\d{4}/\d{2}/[\w-]{16}/harbour\.jpg", image.file.name)
    assert bucket.keys() == [image.file.name]
    stored = bucket.head(image.file.name)
    assert (stored["ContentType"], stored["CacheControl"]) == ("image/jpeg", A_YEAR)
    assert (image.width, image.height) == (800, 600)
    assert not any(settings.MEDIA_ROOT.rglob("*"))


# What readers get


def test_readers_get_avif_webp_and_jpeg_renditions_from_the_bucket_at_plain_addresses(
    client, bucket
):
    harbour = make_image(file=picture_file(2000, 1000))
    article = make_article(body=f"[[image {harbour.slug}]]")

    html = client.get(article.get_absolute_url()).content.decode()

    urls = picture_urls(html)
    prefix = f"{bucket.endpoint}/{bucket.name}/renditions/library/"
    assert urls and all(url.startswith(prefix) for url in urls), urls
    keys = {url.removeprefix(f"{bucket.endpoint}/{bucket.name}/") for url in urls}
    assert keys <= set(bucket.keys())
    assert {key.rsplit(".", 1)[1] for key in keys} == {"avif", "webp", "jpg"}
    # Unsigned, so anyone can fetch them, and a cached page's addresses never expire.
    types = {"avif": "image/avif", "webp": "image/webp", "jpg": "image/jpeg"}
    for url in set(urls):
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.headers["Content-Type"] == types[url.rsplit(".", 1)[1]]
            assert answer.headers["Cache-Control"] == A_YEAR


def test_showing_a_page_again_writes_nothing_to_the_bucket_even_from_a_new_process(client, bucket):
    harbour = make_image()
    article = make_article(body=f"[[image {harbour.slug}]]")
    first = client.get(article.get_absolute_url()).content.decode()
    written = bucket.writes()

    again = client.get(article.get_absolute_url()).content.decode()
    # Another worker has not seen these renditions: it asks the bucket, and finds them there.
    caches["imagekit"].clear()
    elsewhere = client.get(article.get_absolute_url()).content.decode()

    assert len(written) > 1  # the original, then its renditions
    assert bucket.writes() == written
    assert picture_urls(first) == picture_urls(again) == picture_urls(elsewhere)


def test_with_a_cdn_in_front_pages_link_to_the_cdn(client, settings, s3_api, cdn_storage):
    bucket = Bucket(s3_api)
    use_bucket(settings, cdn_storage, bucket)
    harbour = make_image()
    article = make_article(body=f"[[image {harbour.slug}]]")

    urls = picture_urls(client.get(article.get_absolute_url()).content.decode())

    assert urls and all(url.startswith(f"https://{CDN}/renditions/library/") for url in urls)
    assert {url.removeprefix(f"https://{CDN}/") for url in urls} <= set(bucket.keys())


# Settings


def test_media_go_to_the_bucket_only_when_one_is_named(bucket_storage, s3_api):
    assert storage_settings() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert bucket_storage == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "newsroom-media",
            "endpoint_url": s3_api,
            "region_name": REGION,
            "custom_domain": None,
            "access_key": KEYS["aws_access_key_id"],
            "secret_key": KEYS["aws_secret_access_key"],
            "querystring_auth": False,
            "file_overwrite": False,
            "object_parameters": {"CacheControl": A_YEAR},
        },
    }


def test_a_bucket_alone_leaves_the_endpoint_region_and_keys_to_boto3():
    options = storage_settings(DJANGO_MEDIA_S3_BUCKET="newsroom-media")["OPTIONS"]

    assert [options[name] for name in ("endpoint_url", "region_name", "custom_domain")] == [
        None,
        None,
        None,
    ]
    assert options["access_key"] is None and options["secret_key"] is None


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DJANGO_MEDIA_S3_ENDPOINT_URL", "minio.internal:9000", "must start with https://"),
        ("DJANGO_MEDIA_S3_CUSTOM_DOMAIN", "https://media.example.org/", "is a host name"),
    ],
)
def test_a_malformed_endpoint_or_cdn_domain_is_a_clear_error(variable, value, message):
    result = run_python(
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'newsroom.settings'\n"
        "from django.conf import settings; settings.STORAGES",
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DJANGO_MEDIA_S3_BUCKET="newsroom-media",
        **{variable: value},
    )

    assert result.returncode != 0
    assert f"{variable} {message}" in result.stderr
