"""Responsive image variants: measure each image the site shows once, and resize it once. (I/O)

An image is known by its path, size and mtime. What it measures and the variants made from it
live in .matinee-cache/images/ (index.json, plus one folder of files per image), so a build in
which no image changed only stats the files. New or changed images are resized with Pillow, in
worker processes when there are many. The variants go into the output like any other asset.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import shutil
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import seo
from .config import CONFIG_FILE as CONFIG_SOURCE
from .errors import MatineeError
from .fanout import cores, process_pool
from .links import resolve_path
from .memo import digest
from .model import Asset, ImageInfo, Site, Variant
from .progress import Progress, silent
from .words import plural

if TYPE_CHECKING:
    from PIL.Image import Image

WIDTHS = (480, 960, 1600)
WEBP_QUALITY = 80
JPEG_QUALITY = 82
# Part of every image's key: changing how variants are made makes them all again.
SETTINGS = f"variants 1 {WIDTHS} webp {WEBP_QUALITY} jpeg {JPEG_QUALITY}"
PARALLEL_FROM = 20  # images to resize; below this, starting worker processes costs more than it saves
INDEX_VERSION = 1
FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".gif": "gif"}
_RESIZED = frozenset({"jpeg", "png", "webp"})  # a GIF may be animated: it is measured, never resized
_EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")

log = logging.getLogger(__name__)

Measured = tuple[int, int, tuple[tuple[str, int, str], ...]]  # width, height, (file, width, format)...


@dataclass(frozen=True, slots=True)
class Images:
    """The local images the site shows: their sizes and variants, and the files to copy."""

    infos: Mapping[str, ImageInfo]  # site URL of the original -> its size and variants
    assets: tuple[Asset, ...]  # variant files, copied from the cache into the output
    made: int  # images resized by this build (0 when none changed)
    errors: tuple[MatineeError, ...] = ()  # missing or unreadable images, at the lines that show them


@dataclass(frozen=True, slots=True)
class Use:
    """One place the site shows an image: a hero image, a body `<img>` or a film poster."""

    written: str  # as the writer wrote it
    url: str | None  # the site URL it names; None when it names no file
    source: str  # the post or film file
    line: int | None


@dataclass(frozen=True, slots=True)
class _Job:
    """One image to resize: the file, the folder for its variants, and their base name."""

    path: Path
    folder: Path
    stem: str
    suffix: str


def prepare_images(
    site: Site, cache_dir: Path, progress: Progress = silent, cards: dict[str, Asset] | None = None
) -> Images:
    """Return the variants of every local image the site shows, making those not made before.

    A missing or unreadable image is a MatineeError at the line that shows it, in the result:
    the build reports it with the mistakes of the other stages. The other images are ready.
    `cards`: the share cards known to exist (serve keeps them), not statted again; extended.
    """
    by_url = {"/" + asset.rel_out: asset for asset in site.assets}
    uses = list(image_uses(site))
    shown = {use.url: by_url[use.url] for use in uses if use.url in by_url and _format(use.url)}
    folder = cache_dir / "images"
    index = _load_index(folder)
    keys = {url: _key(asset.path, asset.source) for url, asset in shown.items()}  # "": file gone
    todo = {key: shown[url] for url, key in keys.items() if key and not _is_made(folder, key, index)}
    made = _make_all(folder, todo, progress)
    index |= {
        key: {"source": todo[key].source, "measured": result}
        for key, result in made.items()
        if not isinstance(result, str)
    }
    # A file named relative to the post must exist. A site path ("/images/x.jpg") that no file
    # in content/ makes may be served from elsewhere on the host; `check` looks at those.
    errors = [_missing(use) for use in uses if use.url is None]
    for use in uses:
        if use.url in shown and keys[use.url] not in index:
            reason = made.get(keys[use.url], "the file is gone")
            message = f"image {shown[use.url].source} cannot be read: {reason}"
            errors.append(MatineeError(use.source, use.line, message))
    _save_index(folder, index, set(keys.values()), site.config.source, changed=bool(todo))
    infos, assets = {}, []
    for url, key in keys.items():
        if key in index:  # not an image that cannot be read (an error above)
            infos[url], copies = _info(url, shown[url], folder / key, _measured(index[key]))
            assets += copies
    if made:
        log.info("Made responsive variants of %s", plural(len(made), "image"))
    assets += share_card_assets(site, cache_dir / "share-cards", cards)
    return Images(infos, tuple(assets), len(made), tuple(errors))


CARD_SIZE = (1200, 630)
CARD_COLOURS = ((19, 18, 17), (58, 29, 26), (179, 38, 30), (236, 232, 225))  # the theme's dark bg, accent
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def share_card_assets(site: Site, folder: Path, known: dict[str, Asset] | None = None) -> list[Asset]:
    """Draw (once: the file's name is the digest of what it shows) the 1200x630 share card of
    every page without a picture to share: its title and the site's name on the theme's colours.
    `known` holds the cards that exist, by URL (not statted again); the others are added to it."""
    assets = []
    background: Image | None = None
    known = {} if known is None else known
    for url, title in seo.share_cards(site).items():
        card = known.get(url)
        if card is None:
            path = folder / posixpath.basename(url)
            if not path.exists():
                background = background or _card_background()  # drawn once: it was most of a card's cost
                folder.mkdir(parents=True, exist_ok=True)
                temporary = path.with_suffix(".tmp")
                # JPEG: measured 1.7 ms a card against 58 ms for an optimised PNG, at 56 KB
                draw_card(title, site.config.title, background).save(temporary, "JPEG", quality=88)
                temporary.replace(path)
            card = known[url] = Asset(path, CONFIG_SOURCE, url.lstrip("/"))
        assets.append(card)
    return assets


def _card_background() -> Image:
    """The cards' background: a gentle vertical gradient towards the accent's dark shade."""
    from PIL import Image as PILImage
    from PIL import ImageDraw

    dark, soft, _, _ = CARD_COLOURS
    background = PILImage.new("RGB", CARD_SIZE, dark)
    draw = ImageDraw.Draw(background)
    for y in range(CARD_SIZE[1]):
        t = y / CARD_SIZE[1]
        draw.line(
            [(0, y), (CARD_SIZE[0], y)], fill=tuple(round(a + (b - a) * t) for a, b in zip(dark, soft, strict=True))
        )
    return background


def draw_card(title: str, site_title: str, background: Image | None = None) -> Image:
    """A share card: the title, wrapped, large; the site's name below an accent rule."""
    from PIL import ImageDraw

    _, _, accent, light = CARD_COLOURS
    card = (background or _card_background()).copy()
    draw = ImageDraw.Draw(card)
    size = 76 if len(title) < 60 else 58
    face, small = _font(_FONTS[0], size), _font(_FONTS[1], 34)
    lines: list[str] = []
    for word in title.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=face) <= 1040:
            lines[-1] = trial
        else:
            lines.append(word)
    lines = lines[:5]
    y = 80
    for line in lines:
        draw.text((80, y), line, font=face, fill=light)
        y += round(size * 1.2)
    draw.rectangle((80, 510, 200, 518), fill=accent)
    draw.text((80, 540), site_title, font=small, fill=light)
    return card


def _font(path: str, size: int) -> Any:
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, size)
    except OSError:  # no DejaVu on this system: Pillow's own scalable font
        return ImageFont.load_default(size)


def image_uses(site: Site) -> Iterator[Use]:
    """Yield every local image the site shows: hero images, body images, film posters."""
    base = site.config.base_path
    sources = {"/" + asset.rel_out: asset.source for asset in site.assets}
    for post in site.posts:
        if post.image and not _EXTERNAL.match(post.image):
            yield Use(post.image, _site_url(post.image, "/"), post.source, post.lines.get("image"))
        lines = {resolve_path(post.source, target): post.link_lines.get(target) for target in post.links}
        for src in post.images:
            if _EXTERNAL.match(src):
                continue
            url = _site_url(src, base)
            line = lines.get(sources[url]) if url in sources else post.link_lines.get(src)
            yield Use(src, url, post.source, line)
    for writer in site.writers:
        photo = writer.profile.photo if writer.profile else None
        if writer.profile and photo and not _EXTERNAL.match(photo):
            yield Use(photo, _site_url(photo, "/"), writer.profile.source, writer.profile.lines.get("photo"))
    for taxonomy in site.taxonomies:
        for term in taxonomy.terms:
            person = term.person
            if person and person.photo and not _EXTERNAL.match(person.photo):
                yield Use(person.photo, _site_url(person.photo, "/"), person.source, person.lines.get("photo"))
    for film in site.films.values():
        if film.poster and not _EXTERNAL.match(film.poster):
            yield Use(film.poster, _site_url(film.poster, "/"), film.source, film.lines.get("poster"))


def make_variants(job: _Job) -> Measured | str:
    """Resize one image into job.folder; return its size and files, or why it cannot be read.

    Module-level, so worker processes can run it.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # loaded only when an image changed

    staging = job.folder.with_name(job.folder.name + f".new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with Image.open(job.path) as opened:
            image = ImageOps.exif_transpose(opened)  # width and height as the reader sees them
            width, height = image.size
            original = FORMATS[job.suffix]
            if original not in _RESIZED:
                return width, height, ()
            staging.mkdir(parents=True)
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
            files = []
            for target in [*(w for w in WIDTHS if w < width), width]:
                resized = (
                    image
                    if target == width
                    else image.resize(
                        (target, max(1, round(height * target / width))),
                        Image.Resampling.LANCZOS,
                        reducing_gap=3.0,
                    )
                )
                for kind in dict.fromkeys(("webp", original)):
                    if target == width and kind == original:
                        continue  # the original file itself
                    name = f"{job.stem}-{target}w{'.webp' if kind == 'webp' else job.suffix}"
                    _save(resized, staging / name, kind)
                    files.append((name, target, kind))
    except UnidentifiedImageError:
        shutil.rmtree(staging, ignore_errors=True)
        return f"it is not a {FORMATS[job.suffix].upper()} file, or it is damaged"
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        return (str(error) or type(error).__name__).replace(str(job.path), job.path.name)
    shutil.rmtree(job.folder, ignore_errors=True)
    staging.rename(job.folder)
    return width, height, tuple(files)


def _save(image: Image, path: Path, kind: str) -> None:
    if kind == "webp":
        image.save(path, "WEBP", quality=WEBP_QUALITY)
    elif kind == "jpeg":
        image.convert("RGB").save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(path, "PNG")


def _has_alpha(image: Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)


def _make_all(folder: Path, todo: Mapping[str, Asset], progress: Progress) -> dict[str, Measured | str]:
    """Resize every image in `todo`, in worker processes when there are many."""
    jobs = [
        _Job(asset.path, folder / key, PurePosixPath(asset.rel_out).stem, asset.path.suffix.lower())
        for key, asset in todo.items()
    ]
    workers = cores()
    if len(jobs) < PARALLEL_FROM or workers < 2:
        return _counted(todo, map(make_variants, jobs), progress)
    with process_pool(workers) as pool:
        return _counted(todo, pool.map(make_variants, jobs, chunksize=4), progress)


def _counted(
    todo: Mapping[str, Asset], results: Iterable[Measured | str], progress: Progress
) -> dict[str, Measured | str]:
    made = {}
    for key, result in zip(todo, results, strict=True):
        made[key] = result
        progress("Making image variants", len(made), len(todo))
    return made


def _info(url: str, asset: Asset, folder: Path, measured: Measured) -> tuple[ImageInfo, list[Asset]]:
    """Return an image's ImageInfo and the Assets that copy its variants beside the original."""
    width, height, files = measured
    url_dir, out_dir = posixpath.dirname(url), posixpath.dirname(asset.rel_out)
    variants = [Variant(posixpath.join(url_dir, name), target, kind) for name, target, kind in files]
    variants.append(Variant(url, width, FORMATS[asset.path.suffix.lower()]))
    variants.sort(key=lambda variant: (variant.width, variant.format != "webp"))
    assets = [Asset(folder / name, asset.source, posixpath.join(out_dir, name)) for name, _, _ in files]
    return ImageInfo(width, height, tuple(variants)), assets


def _key(path: Path, source: str) -> str:
    """An image's key: its path, size and mtime, and how variants are made ("": it is gone)."""
    try:
        stat = path.stat()
    except OSError:
        return ""
    return digest(source, stat.st_size, stat.st_mtime_ns, SETTINGS)


def _is_made(folder: Path, key: str, index: Mapping[str, dict[str, object]]) -> bool:
    entry = index.get(key)
    if entry is None:
        return False
    # Variants are written into a new folder that is renamed into place once all are there,
    # so the folder standing means its files do (one stat per image keeps warm builds cheap).
    return not _measured(entry)[2] or os.path.isdir(os.path.join(folder, key))


def _measured(entry: Mapping[str, object]) -> Measured:
    """Read a stored (width, height, files) back; raise ValueError/TypeError when malformed."""
    stored: Any = entry["measured"]
    width, height, files = stored
    return (
        int(width),
        int(height),
        tuple((str(name), int(target), str(kind)) for name, target, kind in files),
    )


def _load_index(folder: Path) -> dict[str, dict[str, object]]:
    """Return what earlier builds measured and made; an unreadable index means nothing."""
    try:
        stored = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        if stored.get("version") != INDEX_VERSION or not isinstance(stored.get("images"), dict):
            return {}
        return {key: entry for key, entry in stored["images"].items() if _valid(entry)}
    except (OSError, ValueError, AttributeError):
        return {}


def _valid(entry: object) -> bool:
    try:
        _measured(entry)  # type: ignore[arg-type]
        return isinstance(entry, dict) and isinstance(entry.get("source"), str)
    except (KeyError, TypeError, ValueError):
        return False


def _save_index(
    folder: Path,
    index: dict[str, dict[str, object]],
    used: set[str],
    root: Path,
    *,
    changed: bool,
) -> None:
    """Write the index, dropping images whose file changed or went away (and their variants)."""
    stale = [
        key
        for key, entry in index.items()
        if key not in used and _key(root / str(entry["source"]), str(entry["source"])) != key
    ]
    if not stale and not changed:
        return
    for key in stale:
        del index[key]
        shutil.rmtree(folder / key, ignore_errors=True)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / "index.json.tmp"
        temporary.write_text(json.dumps({"version": INDEX_VERSION, "images": index}), encoding="utf-8")
        temporary.replace(folder / "index.json")
    except OSError:
        pass  # the index only saves work next time


def _missing(use: Use) -> MatineeError:
    expected = resolve_path(use.source, use.written)
    return MatineeError(use.source, use.line, f"image {use.written!r} does not exist; put the file at {expected}")


def _site_url(src: str, base_path: str) -> str | None:
    """Return the site URL a local src names (None for a relative one no file was found for)."""
    path = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if path.startswith(base_path):
        return "/" + path[len(base_path) :]
    return path if path.startswith("/") else None


def _format(url: str | None) -> str | None:
    return FORMATS.get(PurePosixPath(url or "").suffix.lower())
