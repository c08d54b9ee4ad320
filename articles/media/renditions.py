"""Renditions of library images: AVIF, WebP and JPEG copies at several widths and crops, made
once and kept in the source's storage.

    source = Source(image.file, image.width, image.height, image.focal_x, image.focal_y)
    picture(source, ratio="16:9")     # what <picture> needs: templates/includes/picture.html
    social_crops(source)["1:1"].url   # og:image, JSON-LD
    make_all(source)                  # the background job after an image is saved

Built on imagekit: each rendition is an `ImageSpec` handed to an `ImageCacheFile`, so its cache
file backend saves it and remembers per process which names exist (IMAGEKIT_CACHE_BACKEND)
while the storage stays the truth. Two parts are our own. Names: imagekit's namers hash pickled
processors, so the spec names itself from the values that decide the pixels. Modes: pilkit's
autoconvert flattens AVIF's transparency and drops LA's alpha, so pixels are prepared here.

Names are `renditions/<source's folder>/<stem>-<ratio>-<width>w-<digest>.<ext>`, e.g.
`renditions/media/2026/12/Xk3…/harbour-16x9-960w-3fa9c1e2b07d.avif`: the source's folder is
random, so renditions are as hard to guess; the digest covers the source's name, the crop box,
the size, the format and its encoder settings, so a new focal point makes new files and pages
cached with the old names keep working.

`Source.width` and `height` are the picture's size as shown, after EXIF orientation
(`images.oriented_size` reads it from a file's header): crops and sizes are planned from them
without opening the file, and a source that disagrees is refused when it is decoded.
"""

import hashlib
import json
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from io import BytesIO
from typing import Any

from imagekit.cachefiles import ImageCacheFile
from imagekit.cachefiles.backends import CacheFileState
from imagekit.specs import ImageSpec
from PIL import Image, ImageCms, ImageOps
from pilkit.utils import save_image

RATIOS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1)}
# The widths in every picture's srcset: a phone, a tablet or narrow column, a wide screen.
WIDTHS = (480, 960, 1600)
# Social cards ask for 1200 × 675 at 16:9.
SOCIAL_WIDTH = 1200
# Part of every digest: raise it when the pixels change for the same parameters (resampling,
# colour handling), so that new files are made instead of old ones being kept.
PIPELINE = 1


@dataclass(frozen=True)
class Encoder:
    pillow_format: str
    mime_type: str
    extension: str
    options: dict


FORMATS = {
    # Speed 7 encodes a detailed 1600 px picture in about a second on one core; libavif's
    # default (6) takes twice as long for files a few per cent smaller.
    "avif": Encoder("AVIF", "image/avif", ".avif", {"quality": 60, "speed": 7}),
    "webp": Encoder("WEBP", "image/webp", ".webp", {"quality": 80, "method": 4}),
    "jpeg": Encoder(
        "JPEG", "image/jpeg", ".jpg", {"quality": 82, "optimize": True, "progressive": True}
    ),
}
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Source:
    """A stored picture: `file` has `.name` and `.storage` (a FieldFile does); the size is as
    shown, after EXIF orientation; the focal point is a fraction of it, 0.5/0.5 the centre."""

    file: Any
    width: int
    height: int
    focal_x: float = 0.5
    focal_y: float = 0.5


@dataclass(frozen=True)
class Rendition:
    url: str
    name: str
    width: int
    height: int
    mime_type: str


@dataclass(frozen=True)
class Picture:
    """What a <picture> needs: `sources` are (MIME type, srcset) pairs for its <source>s, best
    first; `src`, `srcset`, `width` and `height` are the JPEG <img>'s, at its largest width."""

    sources: tuple[tuple[str, str], ...]
    src: str
    srcset: str
    width: int
    height: int


def crop_box(
    width: int, height: int, ratio: str | None, focal_x: float = 0.5, focal_y: float = 0.5
) -> tuple[int, int, int, int]:
    """The largest (left, top, right, bottom) box of `ratio` inside the picture, centred on the
    focal point as far as the edges allow; the whole picture when `ratio` is None."""
    if ratio is None:
        return 0, 0, width, height
    across, down = _ratio(ratio)
    if width * down > height * across:
        box_width, box_height = min(width, max(1, round(height * across / down))), height
    else:
        box_width, box_height = width, min(height, max(1, round(width * down / across)))
    left = min(max(round(focal_x * width - box_width / 2), 0), width - box_width)
    top = min(max(round(focal_y * height - box_height / 2), 0), height - box_height)
    return left, top, left + box_width, top + box_height


def rendition(
    source: Source, *, width: int, ratio: str | None = None, format: str = "jpeg"
) -> Rendition:
    """The picture (or its crop to `ratio`) at `width` or its own width if narrower, made now
    unless it exists."""
    return _make(source, [_plan(source, width, ratio, format)])[0]


def picture(source: Source, *, ratio: str | None = None, widths: Iterable[int] = WIDTHS) -> Picture:
    """The AVIF, WebP and JPEG renditions a <picture> offers, made now where they are missing."""
    box = crop_box(source.width, source.height, ratio, source.focal_x, source.focal_y)
    # A narrower source gives its own width once, instead of the wider widths it cannot fill.
    used = sorted({min(width, box[2] - box[0]) for width in widths})
    made = _make(source, [_plan(source, w, ratio, f) for f in FORMATS for w in used])
    by_format = {f: made[i * len(used) : (i + 1) * len(used)] for i, f in enumerate(FORMATS)}
    jpeg = by_format.pop("jpeg")
    return Picture(
        sources=tuple((FORMATS[f].mime_type, _srcset(r)) for f, r in by_format.items()),
        src=jpeg[-1].url,
        srcset=_srcset(jpeg),
        width=jpeg[-1].width,
        height=jpeg[-1].height,
    )


def social_crops(source: Source) -> dict[str, Rendition]:
    """Each ratio's crop as a JPEG up to SOCIAL_WIDTH wide, for og:image and JSON-LD."""
    made = _make(source, [_plan(source, SOCIAL_WIDTH, ratio, "jpeg") for ratio in RATIOS])
    return dict(zip(RATIOS, made, strict=True))


def make_all(source: Source) -> list[Rendition]:
    """Every rendition that `picture()` (whole and cropped) and `social_crops()` ask for by
    default, decoding the source at most once."""
    plans = [
        _plan(source, width, ratio, format)
        for ratio in (None, *RATIOS)
        for format in FORMATS
        for width in WIDTHS
    ]
    plans += [_plan(source, SOCIAL_WIDTH, ratio, "jpeg") for ratio in RATIOS]
    return list(dict.fromkeys(_make(source, plans)))


@dataclass(frozen=True)
class _Plan:
    box: tuple[int, int, int, int]
    width: int
    height: int
    encoder: Encoder
    name: str


def forget(storage, name: str) -> list[str]:
    """Delete the picture stored as `name` and every rendition of it; returns what was deleted.
    Its renditions share a folder of their own (`renditions/<the picture's folder>/`)."""
    folder = posixpath.join("renditions", posixpath.dirname(name))
    try:
        _folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        files = []
    deleted = []
    for stored in [name, *(posixpath.join(folder, file) for file in files)]:
        if storage.exists(stored):
            storage.delete(stored)
            deleted.append(stored)
    return deleted


def _ratio(ratio: str) -> tuple[int, int]:
    try:
        return RATIOS[ratio]
    except KeyError:
        raise ValueError(f"Unknown ratio {ratio!r}; use one of {', '.join(RATIOS)}.") from None


def _plan(source: Source, width: int, ratio: str | None, format: str) -> _Plan:
    if format not in FORMATS:
        raise ValueError(f"Unknown format {format!r}; use one of {', '.join(FORMATS)}.")
    encoder = FORMATS[format]
    box = crop_box(source.width, source.height, ratio, source.focal_x, source.focal_y)
    box_width, box_height = box[2] - box[0], box[3] - box[1]
    out_width = max(1, min(width, box_width))
    across, down = _ratio(ratio) if ratio else (box_width, box_height)
    out_height = max(1, round(out_width * down / across))
    # json, not pickle: the same parameters must give the same name after any upgrade.
    key = [source.file.name, box, out_width, out_height, encoder.pillow_format]
    key += [encoder.options, PIPELINE]
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    folder, filename = posixpath.split(source.file.name)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "", posixpath.splitext(filename)[0])[:60] or "image"
    label = ratio.replace(":", "x") if ratio else "full"
    name = f"{stem}-{label}-{out_width}w-{digest}{encoder.extension}"
    return _Plan(box, out_width, out_height, encoder, posixpath.join("renditions", folder, name))


class _Decoded:
    """The source's pixels, decoded when first needed and shared by the renditions of one call."""

    def __init__(self, source: Source):
        self.source = source

    @cached_property
    def image(self) -> Image.Image:
        file = self.source.file
        with file.storage.open(file.name, "rb") as stream:
            # A loaded copy, turned as shown; an animation gives its first frame.
            image = ImageOps.exif_transpose(Image.open(stream))
        if image.size != (self.source.width, self.source.height):
            raise ValueError(
                f"{file.name} is {image.size[0]}×{image.size[1]} as shown, not the "
                f"{self.source.width}×{self.source.height} of its Source."
            )
        return _plain_pixels(image)


def _plain_pixels(image: Image.Image) -> Image.Image:
    """RGB, or RGBA where some pixel is see-through, in sRGB, with no metadata."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    mode = "RGBA" if has_alpha else "RGB"
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        # Dropping a profile without converting dulls wide-gamut photos and garbles CMYK ones.
        try:
            source_profile = ImageCms.ImageCmsProfile(BytesIO(profile))
            image = ImageCms.profileToProfile(image, source_profile, SRGB, outputMode=mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    image = image.convert(mode)
    if mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    # EXIF (GPS, camera serials), XMP, comments and the profile: none of it belongs online.
    image.info = {}
    return image


class _RenditionSpec(ImageSpec):
    autoconvert = False  # _plain_pixels prepared the modes

    def __init__(self, source: Source, plan: _Plan, decoded: _Decoded):
        self.plan, self.decoded = plan, decoded
        self.format, self.options = plan.encoder.pillow_format, plan.encoder.options
        self.cachefile_storage = source.file.storage
        super().__init__(source=source.file)

    @property
    def cachefile_name(self) -> str:
        return self.plan.name

    def generate(self) -> BytesIO:
        plan = self.plan
        image = self.decoded.image.resize(
            (plan.width, plan.height), Image.Resampling.LANCZOS, box=plan.box, reducing_gap=3.0
        )
        if image.mode == "RGBA" and self.format == "JPEG":
            opaque = Image.new("RGB", image.size, "white")
            opaque.paste(image, mask=image.getchannel("A"))
            image = opaque
        return save_image(image, BytesIO(), self.format, self.options, autoconvert=False)


def _make(source: Source, plans: list[_Plan]) -> list[Rendition]:
    decoded, made = _Decoded(source), {}
    for plan in plans:
        if plan.name not in made:
            file = ImageCacheFile(_RenditionSpec(source, plan, decoded))
            try:
                file.generate()  # a no-op when the backend knows, or the storage says, it exists
            except Exception:
                # imagekit leaves the name marked "generating" for IMAGEKIT_CACHE_TIMEOUT (ever,
                # by default): this process would never try again, and say the file exists.
                file.cachefile_backend.set_state(file, CacheFileState.DOES_NOT_EXIST)
                raise
            made[plan.name] = Rendition(
                url=file.storage.url(plan.name),
                name=plan.name,
                width=plan.width,
                height=plan.height,
                mime_type=plan.encoder.mime_type,
            )
    return [made[plan.name] for plan in plans]


def _srcset(renditions: list[Rendition]) -> str:
    return ", ".join(f"{r.url} {r.width}w" for r in renditions)
