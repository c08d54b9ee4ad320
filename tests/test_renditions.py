"""Renditions of library images (articles/media/renditions.py): crops, sizes, formats, made once."""

import secrets
import struct
from io import BytesIO

import pytest
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.template.loader import render_to_string
from django.test.html import parse_html
from PIL import ExifTags, Image, ImageCms, ImageDraw

from articles.images import oriented_size
from articles.media.renditions import (
    RATIOS,
    WIDTHS,
    Source,
    crop_box,
    make_all,
    picture,
    rendition,
    social_crops,
)

RED, GREY, BLUE = (220, 0, 0), (128, 128, 128), (0, 0, 220)


class CountingStorage(FileSystemStorage):
    """Media storage that counts the files it writes and opens."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.saved, self.opened = [], []

    def _save(self, name, content):
        self.saved.append(name)
        return super()._save(name, content)

    def open(self, name, mode="rb"):
        self.opened.append(name)
        return super().open(name, mode)


class StoredFile:
    """What Source needs of a FieldFile."""

    def __init__(self, name, storage):
        self.name, self.storage = name, storage


@pytest.fixture
def storage(tmp_path):
    return CountingStorage(location=tmp_path / "media", base_url="/media/")


def store(storage, image, *, filename="harbour.jpg", format="JPEG", **save_options):
    content = BytesIO()
    image.save(content, format, **save_options)
    folder = f"media/2026/12/{secrets.token_urlsafe(12)}"
    name = storage.save(f"{folder}/{filename}", ContentFile(content.getvalue()))
    storage.saved.clear()
    return StoredFile(name, storage)


def red_square_at(focal_x, focal_y, size=(2400, 1600)):
    """A grey picture with a red square around the focal point."""
    image = Image.new("RGB", size, GREY)
    x, y = round(focal_x * size[0]), round(focal_y * size[1])
    ImageDraw.Draw(image).rectangle((x - 60, y - 60, x + 60, y + 60), fill=RED)
    return image


def opened(storage, made):
    with storage.open(made.name) as file:
        image = Image.open(file)
        image.load()
    return image


def is_close(colour, expected, tolerance=40):
    return all(abs(a - b) <= tolerance for a, b in zip(colour[:3], expected, strict=True))


# crop_box, a pure function


def test_a_crop_is_the_largest_box_of_its_ratio_inside_the_picture():
    assert crop_box(2400, 1600, "16:9") == (0, 125, 2400, 1475)
    assert crop_box(2400, 1600, "4:3") == (134, 0, 2267, 1600)
    assert crop_box(2400, 1600, "1:1") == (400, 0, 2000, 1600)
    assert crop_box(1000, 3000, "16:9") == (0, 1219, 1000, 1781)


def test_no_ratio_is_the_whole_picture_wherever_the_focal_point_is():
    assert crop_box(2400, 1600, None, 0.1, 0.9) == (0, 0, 2400, 1600)


@pytest.mark.parametrize(("focal_x", "focal_y"), [(0.5, 0.5), (0.4, 0.45), (0.6, 0.55)])
def test_a_crop_is_centred_on_the_focal_point_when_the_edges_allow(focal_x, focal_y):
    left, top, right, bottom = crop_box(2400, 1600, "1:1", focal_x, focal_y)
    assert right - left == bottom - top == 1600
    assert abs((left + right) / 2 - focal_x * 2400) <= 1
    left, top, right, bottom = crop_box(2400, 1600, "16:9", focal_x, focal_y)
    assert abs((top + bottom) / 2 - focal_y * 1600) <= 1


@pytest.mark.parametrize(
    ("ratio", "focal_x", "focal_y", "expected"),
    [
        ("1:1", 0, 0, (0, 0, 1600, 1600)),
        ("1:1", 1, 0, (800, 0, 2400, 1600)),
        ("1:1", 1, 1, (800, 0, 2400, 1600)),
        ("16:9", 0, 0, (0, 0, 2400, 1350)),
        ("16:9", 0, 1, (0, 250, 2400, 1600)),
        ("16:9", 1, 1, (0, 250, 2400, 1600)),
        ("4:3", -0.5, 2.0, (0, 0, 2133, 1600)),
    ],
)
def test_a_focal_point_in_a_corner_gives_a_crop_touching_that_corner(
    ratio, focal_x, focal_y, expected
):
    assert crop_box(2400, 1600, ratio, focal_x, focal_y) == expected


def test_an_unknown_ratio_or_format_is_refused(storage):
    with pytest.raises(ValueError, match="ratio"):
        crop_box(100, 100, "3:2")
    source = Source(store(storage, Image.new("RGB", (100, 100))), 100, 100)
    with pytest.raises(ValueError, match="format"):
        rendition(source, width=50, format="png")


# rendition(): pixels, sizes, formats


@pytest.mark.parametrize(("focal_x", "focal_y"), [(0.4, 0.3), (0.6, 0.7), (0.5, 0.5)])
def test_a_cropped_rendition_shows_the_focal_point_at_its_centre(storage, focal_x, focal_y):
    source = Source(store(storage, red_square_at(focal_x, focal_y)), 2400, 1600, focal_x, focal_y)
    image = opened(storage, rendition(source, width=480, ratio="1:1"))
    # The square spans full height, so the focal point's row is kept where it was.
    row = round(focal_y * 480)
    assert is_close(image.getpixel((240, row)), RED)
    assert not is_close(image.getpixel((180, row)), RED)
    assert not is_close(image.getpixel((300, row)), RED)


def test_a_crop_stops_at_the_edge_nearest_a_focal_point_near_it(storage):
    source = Source(store(storage, red_square_at(0.1, 0.5)), 2400, 1600, 0.1, 0.5)
    image = opened(storage, rendition(source, width=480, ratio="1:1"))
    # The crop is the left 1600 px: the square, at x = 240 of 2400, is at 72 of 480.
    assert is_close(image.getpixel((72, 240)), RED)
    assert not is_close(image.getpixel((240, 240)), RED)


def test_a_focal_point_at_the_top_edge_keeps_the_top_of_the_picture(storage):
    image = Image.new("RGB", (2400, 1600), GREY)
    ImageDraw.Draw(image).rectangle((0, 0, 2399, 99), fill=BLUE)
    file = store(storage, image)
    top = opened(storage, rendition(Source(file, 2400, 1600, 0.5, 0), width=480, ratio="16:9"))
    bottom = opened(storage, rendition(Source(file, 2400, 1600, 0.5, 1), width=480, ratio="16:9"))
    assert is_close(top.getpixel((240, 2)), BLUE)
    assert is_close(bottom.getpixel((240, 2)), GREY)


@pytest.mark.parametrize(
    ("format", "pillow_format", "mime_type", "extension"),
    [
        ("avif", "AVIF", "image/avif", ".avif"),
        ("webp", "WEBP", "image/webp", ".webp"),
        ("jpeg", "JPEG", "image/jpeg", ".jpg"),
    ],
)
def test_each_format_is_stored_as_that_format(storage, format, pillow_format, mime_type, extension):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    made = rendition(source, width=960, format=format)
    image = opened(storage, made)
    assert (image.format, image.size) == (pillow_format, (960, 640))
    assert (made.mime_type, made.width, made.height) == (mime_type, 960, 640)
    assert made.name.endswith(extension)
    assert made.url == f"/media/{made.name}"


def test_a_rendition_is_never_wider_than_its_source(storage):
    source = Source(store(storage, Image.new("RGB", (300, 200), GREY)), 300, 200)
    made = rendition(source, width=960)
    assert (made.width, made.height) == (300, 200)
    assert opened(storage, made).size == (300, 200)
    cropped = rendition(source, width=960, ratio="1:1")
    assert (cropped.width, cropped.height) == (200, 200)


@pytest.mark.parametrize("ratio", RATIOS)
def test_a_renditions_height_follows_its_ratio(storage, ratio):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600, 0.3, 0.3)
    made = rendition(source, width=960, ratio=ratio)
    across, down = RATIOS[ratio]
    assert made.width == 960
    assert abs(made.height - 960 * down / across) <= 1
    assert opened(storage, made).size == (made.width, made.height)


def exif_with(**tags):
    """EXIF data with the named tags, e.g. exif_with(Orientation=6)."""
    exif = Image.Exif()
    for tag, value in tags.items():
        exif[ExifTags.Base[tag]] = value
    return exif.tobytes()


def test_the_exif_orientation_is_applied_before_cropping(storage):
    # Stored 200 × 100, left half red; orientation 6 shows it turned a quarter clockwise, so
    # readers see it 100 × 200 with the red half on top.
    image = Image.new("RGB", (200, 100), BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 99, 99), fill=RED)
    file = store(storage, image, exif=exif_with(Orientation=6))
    with storage.open(file.name) as stream:
        assert oriented_size(stream) == (100, 200)
    made = opened(storage, rendition(Source(file, 100, 200), width=100))
    assert made.size == (100, 200)
    assert is_close(made.getpixel((50, 20)), RED)
    assert is_close(made.getpixel((50, 180)), BLUE)
    square = opened(storage, rendition(Source(file, 100, 200, 0.5, 0), width=100, ratio="1:1"))
    assert is_close(square.getpixel((50, 90)), RED)


def test_a_source_whose_size_is_not_the_picture_as_shown_is_refused(storage):
    file = store(storage, Image.new("RGB", (200, 100)), exif=exif_with(Orientation=6))
    with pytest.raises(ValueError, match="as shown"):
        rendition(Source(file, 200, 100), width=100)


@pytest.mark.parametrize("format", ["avif", "webp", "jpeg"])
def test_metadata_is_stripped(storage, format):
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    file = store(
        storage,
        red_square_at(0.5, 0.5, size=(400, 300)),
        exif=exif_with(Make="Camera", BodySerialNumber="123456"),
        icc_profile=profile,
    )
    with storage.open(file.name) as stream:
        original = Image.open(stream)
        assert original.info.get("icc_profile") and original.getexif()
    image = opened(storage, rendition(Source(file, 400, 300), width=200, format=format))
    assert not image.getexif()
    assert not image.info.get("icc_profile")
    assert not image.info.get("exif")


def profile_swapping_red_and_green():
    """sRGB's ICC profile with its red and green primaries swapped: red pixels in it are green."""
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack_from(">I", profile, 128)
    tags = {bytes(profile[132 + 12 * i : 136 + 12 * i]): 132 + 12 * i for i in range(count)}
    red, green = tags[b"rXYZ"] + 4, tags[b"gXYZ"] + 4
    profile[red : red + 8], profile[green : green + 8] = (
        profile[green : green + 8],
        profile[red : red + 8],
    )
    return bytes(profile)


def test_colours_are_converted_into_srgb_from_the_embedded_profile(storage):
    image = Image.new("RGB", (100, 100), RED)
    file = store(
        storage, image, filename="p.png", format="PNG", icc_profile=profile_swapping_red_and_green()
    )
    made = opened(storage, rendition(Source(file, 100, 100), width=100))
    assert is_close(made.getpixel((50, 50)), (0, 220, 0))


def see_through_picture():
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((100, 100, 300, 200), fill=(*RED, 255))
    return image


def test_a_jpeg_of_a_see_through_picture_has_a_white_background(storage):
    source = Source(
        store(storage, see_through_picture(), filename="logo.png", format="PNG"), 400, 300
    )
    image = opened(storage, rendition(source, width=400))
    assert image.mode == "RGB"
    assert is_close(image.getpixel((10, 10)), (255, 255, 255), tolerance=5)
    assert is_close(image.getpixel((200, 150)), RED)


@pytest.mark.parametrize("format", ["avif", "webp"])
def test_avif_and_webp_keep_transparency(storage, format):
    source = Source(
        store(storage, see_through_picture(), filename="logo.png", format="PNG"), 400, 300
    )
    image = opened(storage, rendition(source, width=400, format=format))
    assert image.mode == "RGBA"
    assert image.getpixel((10, 10))[3] == 0
    assert image.getpixel((200, 150))[3] == 255


def grey_with_one_opaque_pixel():
    image = Image.new("LA", (100, 100), (90, 0))
    image.putpixel((50, 50), (90, 255))
    return image


@pytest.mark.parametrize(
    ("image", "pillow_format", "mode", "centre"),
    [
        (grey_with_one_opaque_pixel(), "PNG", "RGBA", (90, 90, 90)),
        (Image.new("CMYK", (100, 100), (0, 255, 255, 0)), "JPEG", "RGB", (255, 0, 0)),
        (Image.new("RGB", (100, 100), RED).convert("P"), "GIF", "RGB", RED),
    ],
    ids=["grey-with-alpha", "cmyk", "palette"],
)
def test_grey_palette_and_cmyk_pictures_become_rgb_or_rgba(
    storage, image, pillow_format, mode, centre
):
    file = store(storage, image, filename=f"picture.{pillow_format.lower()}", format=pillow_format)
    made = opened(storage, rendition(Source(file, 100, 100), width=100, format="webp"))
    assert made.mode == mode
    assert is_close(made.getpixel((50, 50)), centre)


def test_an_animated_gif_gives_its_first_frame(storage):
    frames = [Image.new("RGB", (120, 80), colour) for colour in (RED, BLUE)]
    content = BytesIO()
    frames[0].save(content, "GIF", save_all=True, append_images=frames[1:], duration=100)
    name = storage.save("media/2026/12/AbC/animation.gif", ContentFile(content.getvalue()))
    made = rendition(Source(StoredFile(name, storage), 120, 80), width=120)
    assert is_close(opened(storage, made).getpixel((60, 40)), RED)


# Made once and kept


def test_the_same_rendition_is_written_once_and_the_source_decoded_once(storage):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    first = rendition(source, width=480, ratio="4:3", format="webp")
    storage.opened.clear()
    assert rendition(source, width=480, ratio="4:3", format="webp") == first
    assert storage.saved == [first.name]
    assert storage.opened == []


def test_the_storage_is_the_truth_when_the_process_forgets(storage):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    made = rendition(source, width=480)
    caches["imagekit"].clear()
    rendition(source, width=480)
    assert storage.saved == [made.name]
    storage.delete(made.name)
    caches["imagekit"].clear()
    rendition(source, width=480)
    assert storage.saved == [made.name, made.name]
    assert storage.exists(made.name)


def test_a_rendition_that_failed_to_save_is_made_on_the_next_call(storage, monkeypatch):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    save = storage._save

    def full_disk(name, content):
        raise OSError("No space left on device")

    monkeypatch.setattr(storage, "_save", full_disk)
    with pytest.raises(OSError, match="No space"):
        rendition(source, width=480)
    monkeypatch.setattr(storage, "_save", save)
    made = rendition(source, width=480)
    assert storage.exists(made.name)


def test_a_new_focal_point_gives_new_crops_and_keeps_the_old_files(storage):
    file = store(storage, red_square_at(0.5, 0.5))
    before = rendition(Source(file, 2400, 1600, 0.2, 0.5), width=480, ratio="1:1")
    after = rendition(Source(file, 2400, 1600, 0.8, 0.5), width=480, ratio="1:1")
    assert after.name != before.name
    assert storage.exists(before.name)
    # The whole picture does not depend on the focal point, so it is not made again.
    whole = rendition(Source(file, 2400, 1600, 0.2, 0.5), width=480)
    assert rendition(Source(file, 2400, 1600, 0.8, 0.5), width=480).name == whole.name


def test_names_differ_by_width_ratio_and_format_and_live_beside_the_source(storage):
    file = store(storage, red_square_at(0.5, 0.5))
    source = Source(file, 2400, 1600)
    names = {
        rendition(source, width=480).name,
        rendition(source, width=960).name,
        rendition(source, width=480, ratio="16:9").name,
        rendition(source, width=480, format="webp").name,
    }
    assert len(names) == 4
    folder = file.name.rsplit("/", 1)[0]
    assert all(name.startswith(f"renditions/{folder}/harbour-") for name in names)


def test_make_all_decodes_once_and_covers_pictures_and_social_crops(storage):
    source = Source(store(storage, red_square_at(0.3, 0.6)), 2400, 1600, 0.3, 0.6)
    storage.opened.clear()
    made = make_all(source)
    assert storage.opened == [source.file.name]
    assert sorted(storage.saved) == sorted(r.name for r in made)
    # Whole, 16:9, 4:3 and 1:1 at each width in three formats, and the three social JPEGs.
    assert len(made) == 4 * len(WIDTHS) * 3 + 3
    storage.opened.clear()
    for ratio in (None, *RATIOS):
        picture(source, ratio=ratio)
    social_crops(source)
    assert len(storage.saved) == len(made)
    assert storage.opened == []


# picture() and its template


def test_a_picture_offers_avif_and_webp_sources_and_a_jpeg_image(storage):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    whole = picture(source)
    assert [mime for mime, _ in whole.sources] == ["image/avif", "image/webp"]
    for mime, srcset in whole.sources:
        assert [c.rsplit(" ", 1)[1] for c in srcset.split(", ")] == ["480w", "960w", "1600w"]
        assert srcset.count(".avif" if mime == "image/avif" else ".webp") == 3
    assert [c.rsplit(" ", 1)[1] for c in whole.srcset.split(", ")] == ["480w", "960w", "1600w"]
    assert whole.src.endswith(".jpg") and f"{whole.src} 1600w" in whole.srcset
    assert (whole.width, whole.height) == (1600, 1067)
    cropped = picture(source, ratio="16:9")
    assert (cropped.width, cropped.height) == (1600, 900)


def test_a_picture_of_a_small_source_offers_its_own_width_and_no_wider(storage):
    source = Source(store(storage, Image.new("RGB", (700, 400), GREY)), 700, 400)
    small = picture(source)
    assert [c.rsplit(" ", 1)[1] for c in small.srcset.split(", ")] == ["480w", "700w"]
    assert (small.width, small.height) == (700, 400)
    square = picture(source, ratio="1:1", widths=(300, 480, 960))
    assert [c.rsplit(" ", 1)[1] for c in square.srcset.split(", ")] == ["300w", "400w"]
    assert (square.width, square.height) == (400, 400)


def test_social_crops_are_jpegs_up_to_1200_wide(storage):
    source = Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600)
    crops = social_crops(source)
    sizes = {ratio: (r.width, r.height, r.mime_type) for ratio, r in crops.items()}
    assert sizes == {
        "16:9": (1200, 675, "image/jpeg"),
        "4:3": (1200, 900, "image/jpeg"),
        "1:1": (1200, 1200, "image/jpeg"),
    }
    assert opened(storage, crops["16:9"]).size == (1200, 675)


@pytest.mark.django_db
def test_a_lead_picture_is_offered_at_the_librarys_widths():
    from articles.media.figures import figure

    from .factories import make_article, make_image, picture_file

    article = make_article(lead_picture=make_image(file=picture_file(2000, 1000)))

    shown = figure(article.lead_picture, article.language).picture
    assert [candidate.rsplit(" ", 1)[1] for candidate in shown.srcset.split(", ")] == [
        f"{width}w" for width in WIDTHS
    ]


@pytest.fixture
def stored_picture(storage):
    return picture(Source(store(storage, red_square_at(0.5, 0.5)), 2400, 1600), ratio="4:3")


def test_the_picture_include_renders_sized_sources_and_image(stored_picture):
    html = render_to_string(
        "includes/picture.html", {"picture": stored_picture, "alt": "A harbour", "lazy": True}
    )
    page = parse_html(html)
    sizes = "(min-width: 48rem) 45rem, 100vw"
    for mime, srcset in stored_picture.sources:
        source = f'<source type="{mime}" srcset="{srcset}" sizes="{sizes}">'
        assert page.count(parse_html(source)) == 1
    img = (
        f'<img src="{stored_picture.src}" srcset="{stored_picture.srcset}" sizes="{sizes}" '
        'width="1600" height="1200" alt="A harbour" loading="lazy" decoding="async">'
    )
    assert page.count(parse_html(img)) == 1
    assert html.strip().startswith("<picture>") and "style" not in html


def test_an_eager_picture_asks_for_high_priority_and_takes_other_sizes(stored_picture):
    context = {"picture": stored_picture, "alt": "", "sizes": "50vw"}
    html = render_to_string("includes/picture.html", context)
    assert 'fetchpriority="high"' in html and 'loading="lazy"' not in html
    assert html.count('sizes="50vw"') == 3
    assert 'alt=""' in html


def test_the_picture_include_escapes_the_alt_text(stored_picture):
    alt = 'Fish & "chips" <script>alert(1)</script>'
    html = render_to_string("includes/picture.html", {"picture": stored_picture, "alt": alt})
    assert 'alt="Fish &amp; &quot;chips&quot; &lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "<script>" not in html


def test_an_image_fields_file_is_a_source(settings):
    from django.core.files.storage import default_storage

    from articles.models import MediaImage

    content = BytesIO()
    red_square_at(0.5, 0.5, size=(800, 600)).save(content, "JPEG")
    name = default_storage.save("library/2026/12/Qw3/harbour.jpg", ContentFile(content.getvalue()))
    made = rendition(Source(MediaImage(file=name).file, 800, 600), width=480, ratio="1:1")
    assert (made.width, made.height) == (480, 480)
    assert made.name.startswith("renditions/library/2026/12/Qw3/harbour-1x1-480w-")
    assert made.url == f"{settings.MEDIA_URL}{made.name}"
    assert (settings.MEDIA_ROOT / made.name).is_file()
