"""Responsive image variants: measure each image the site shows once, and resize it once. (I/O)

An image is known by its path and the fingerprint of its bytes (so a fresh checkout, whose files
have new mtimes, finds the variants a restored cache holds). What it measures and the variants
made from it live in .matinee-cache/images/ (index.json, plus one folder of files per image); the
index also keeps each file's signature beside its fingerprint, so a build in which no image
changed only stats the files. New or changed images are resized with Pillow, in
worker processes when there are many. The variants go into the output like any other asset;
so do the share cards of pages without a picture, drawn as they are written (share_cards.py).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import shutil
import time
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import seo
from .content import RACY_NS, signature
from .errors import MatineeError
from .fanout import cores, process_pool
from .links import resolve_path
from .memo import digest, fingerprint
from .model import Asset, ImageInfo, Post, Site, Variant
from .progress import Progress, silent
from .share_cards import card_assets, share_card_assets
from .words import plural

if TYPE_CHECKING:
    from PIL.Image import Image

WIDTHS = (480, 960, 1600)
WEBP_QUALITY = 80
# libwebp's effort (0-6; quality stays WEBP_QUALITY): 0 encodes a 1600x900 picture in a third
# of the default's (4) time, for files ~5% larger at the same quality.
WEBP_METHOD = 0
JPEG_QUALITY = 82
# Part of every image's key: changing how variants are made makes them all again.
SETTINGS = f"variants 2 {WIDTHS} webp {WEBP_QUALITY} method {WEBP_METHOD} jpeg {JPEG_QUALITY} cascade"
PARALLEL_FROM = 20  # images to resize; below this, starting worker processes costs more than it saves
INDEX_VERSION = 2
FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp", ".gif": "gif"}
_RESIZED = frozenset({"jpeg", "png", "webp"})  # a GIF may be animated: it is measured, never resized
_EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//)")

log = logging.getLogger(__name__)

Measured = tuple[int, int, tuple[tuple[str, int, str], ...]]  # width, height, (file, width, format)...


@dataclass(frozen=True, slots=True)
class Images:
    """The local images the site shows: their sizes and variants, and the files they add to the site."""

    infos: Mapping[str, ImageInfo]  # site URL of the original -> its size and variants
    assets: tuple[Asset, ...]  # variant files, copied from the cache into the output, and share cards, drawn there
    made: int  # images resized by this build (0 when none changed)
    errors: tuple[MatineeError, ...] = ()  # missing or unreadable images, at the lines that show them
    card_users: Mapping[str, int] | None = field(
        default=None, repr=False
    )  # card URL -> posts showing it; None: not counted


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


def prepare_images(site: Site, cache_dir: Path, progress: Progress = silent) -> Images:
    """Return the variants of every local image the site shows, making those not made before,
    and the share cards of the pages that show none (drawn as they are written: share_cards.py).

    A missing or unreadable image is a MatineeError at the line that shows it, in the result:
    the build reports it with the mistakes of the other stages. The other images are ready.
    """
    by_url = {"/" + asset.rel_out: asset for asset in site.assets}
    uses = list(image_uses(site))
    shown = {use.url: by_url[use.url] for use in uses if use.url in by_url and _format(use.url)}
    folder = cache_dir / "images"
    index, seen = _load_index(folder)
    known = dict(seen)
    keys = {url: _key(asset.path, asset.source, seen) for url, asset in shown.items()}  # "": file gone
    todo = {key: shown[url] for url, key in keys.items() if key and not _is_made(folder, key, index)}
    made = _make_all(folder, todo, progress)
    shutil.rmtree(cache_dir / "share-cards", ignore_errors=True)  # cards were kept there before they were drawn
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
    _save_index(folder, index, seen, set(keys.values()), site.config.source, changed=bool(todo) or seen != known)
    infos, assets = {}, []
    for url, key in keys.items():
        if key in index:  # not an image that cannot be read (an error above)
            infos[url], copies = _info(url, shown[url], folder / key, _measured(index[key]))
            assets += copies
    if made:
        log.info("Made responsive variants of %s", plural(len(made), "image"))
    assets += share_card_assets(site)
    return Images(infos, tuple(assets), len(made), tuple(errors))


def image_uses(site: Site) -> Iterator[Use]:
    """Yield every local image the site shows: hero images, body images, film posters."""
    base = site.config.base_path
    sources = {"/" + asset.rel_out: asset.source for asset in site.assets}
    for post in site.posts:
        yield from _post_uses(post, base, sources)
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


def _post_uses(post: Post, base: str, sources: dict[str, str]) -> Iterator[Use]:
    """Yield the local images one post shows: its hero image and its body images."""
    if post.image and not _EXTERNAL.match(post.image):
        yield Use(post.image, _site_url(post.image, "/"), post.source, post.lines.get("image"))
    lines = {resolve_path(post.source, target): post.link_lines.get(target) for target in post.links}
    for src in post.images:
        if _EXTERNAL.match(src):
            continue
        url = _site_url(src, base)
        line = lines.get(sources[url]) if url in sources else post.link_lines.get(src)
        yield Use(src, url, post.source, line)


@dataclass(frozen=True, slots=True)
class Swapped:
    """The images of a site whose posts were swapped in place, and what that changed of the
    files to copy (write.write_tree's `unchanged`)."""

    images: Images
    added: tuple[Asset, ...]  # assets the last build did not have (a retitled post's new card)
    gone: tuple[str, ...]  # output paths of the last build's assets no longer needed


def swap_images(last: Images, before: Site, site: Site, swapped: Collection[str]) -> Swapped | None:
    """The last build's images for `site`, `before` with the posts `swapped` replaced in
    place (swap.swap_posts), if those posts show the same pictures as before; else None
    (prepare_images looks at the whole site again). A post whose new title needs a new
    share card gets it (drawn as it is written); the old one goes unless another post shows it.

    This looks at the swapped posts alone: their places, films and the site's assets are
    as before, so every other post's pictures and cards are too.
    """
    if last.errors:
        return None
    olds = {source: before.posts[before.places[source]] for source in swapped}
    news = {source: site.posts[site.places[source]] for source in swapped}
    sources = {"/" + asset.rel_out: asset.source for asset in site.assets}
    base, config = site.config.base_path, site.config
    users = last.card_users
    moves: list[tuple[str | None, str | None]] = []
    for source, new in news.items():
        old = olds.get(source)
        if old is None:
            return None
        shown = {use.url for use in _post_uses(new, base, sources)}
        if None in shown or shown != {use.url for use in _post_uses(old, base, sources)}:
            return None
        before_card = None if seo.post_picture(before, old) else seo.card_url(config, old.title)
        after_card = None if seo.post_picture(site, new) else seo.card_url(config, new.title)
        if before_card != after_card:
            moves.append((before_card, after_card))
    if not moves:
        return Swapped(last, (), ())
    if users is None:  # counted once, on the first retitling
        users = Counter(seo.card_url(config, post.title) for post in before.posts if not seo.post_picture(before, post))
        if not config.image:
            users[seo.card_url(config, config.title)] += 1
    users = Counter(users)
    for before_card, after_card in moves:
        if before_card is not None:
            users[before_card] -= 1
        if after_card is not None:
            users[after_card] += 1
    titles = {seo.card_url(config, post.title): post.title for post in news.values()}
    gone_urls = {url for url, _ in moves if url is not None and users[url] <= 0}
    wanted = {url for _, url in moves if url is not None and users[url] == 1}
    cards = {"/" + asset.rel_out for asset in last.assets if asset.rel_out.startswith(seo.CARD_FOLDER.lstrip("/"))}
    new_urls = {url: titles[url] for url in wanted if url not in cards and url not in gone_urls}
    added = card_assets(new_urls, config)
    gone = tuple(url.lstrip("/") for url in gone_urls)
    assets = tuple(asset for asset in last.assets if asset.rel_out not in gone) + tuple(added)
    for url in gone_urls:
        users.pop(url, None)
    images = Images(last.infos, assets, 0, (), {url: count for url, count in users.items() if count > 0})
    return Swapped(images, tuple(added), gone)


def make_variants(job: _Job) -> Measured | str:
    """Resize one image into job.folder; return its size and files, or why it cannot be read.

    Module-level, so worker processes can run it.
    """
    from PIL import Image, UnidentifiedImageError  # loaded only when an image changed

    staging = job.folder.with_name(job.folder.name + f".new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with Image.open(job.path) as opened:
            image = _upright(opened)  # width and height as the reader sees them
            width, height = image.size
            original = FORMATS[job.suffix]
            if original not in _RESIZED:
                return width, height, ()
            mode = "RGBA" if _has_alpha(image) else "RGB"
            image = image if image.mode == mode else image.convert(mode)
            staging.mkdir(parents=True)
            files = []
            # Widest first, each made from the one before: a smaller picture is cheaper to shrink.
            for target in [width, *sorted((w for w in WIDTHS if w < width), reverse=True)]:
                if target != width:
                    # Halving a picture that was just smoothed by LANCZOS: averaging 2x2 blocks is as
                    # good (PSNR > 45 dB against LANCZOS from the original) at a tenth of the cost.
                    gap = 1.0 if image.width == 2 * target else 3.0
                    size = (target, max(1, round(height * target / width)))
                    image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=gap)
                for kind in dict.fromkeys(("webp", original)):
                    if target == width and kind == original:
                        continue  # the original file itself
                    name = f"{job.stem}-{target}w{'.webp' if kind == 'webp' else job.suffix}"
                    _save(image, staging / name, kind)
                    files.append((name, target, kind))
    except UnidentifiedImageError:
        shutil.rmtree(staging, ignore_errors=True)
        return f"it is not a {FORMATS[job.suffix].upper()} file, or it is damaged"
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as error:
        shutil.rmtree(staging, ignore_errors=True)
        return (str(error) or type(error).__name__).replace(str(job.path), job.path.name)
    shutil.rmtree(job.folder, ignore_errors=True)
    staging.rename(job.folder)
    files.sort(key=lambda file: file[1])
    return width, height, tuple(files)


def _upright(opened: Image) -> Image:
    """The picture turned as its EXIF orientation says; itself when upright (most are: no copy)."""
    from PIL import ImageOps

    orientation = opened.getexif().get(0x0112, 1)  # ExifTags.Base.Orientation
    return ImageOps.exif_transpose(opened) if orientation != 1 else opened


def _save(image: Image, path: Path, kind: str) -> None:
    if kind == "webp":
        image.save(path, "WEBP", quality=WEBP_QUALITY, method=WEBP_METHOD)
    elif kind == "jpeg":
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        rgb.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
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
        return _counted(todo, pool.map(make_variants, jobs, chunksize=4), progress)  # the longest tasks first


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
    assets = [
        Asset(folder / name, asset.source, posixpath.join(out_dir, name), named_by_content=True) for name, _, _ in files
    ]
    return ImageInfo(width, height, tuple(variants)), assets


def _key(path: Path, source: str, seen: dict[str, list[Any]]) -> str:
    """An image's key: its path, the fingerprint of its bytes, and how variants are made ("": it
    is gone). The file is read only when its signature is not the one `seen` has for it; the
    fingerprint is noted there (when the stat can vouch for the bytes: see content.RACY_NS)."""
    try:
        status = path.stat()
        mark = [*signature(status)]
        known = seen.get(source)
        if known and known[:4] == mark:
            return digest(source, known[4], SETTINGS)
        printed = fingerprint(path.read_bytes())
    except OSError:
        return ""
    if time.time_ns() - status.st_mtime_ns > RACY_NS:
        seen[source] = [*mark, printed]
    else:
        seen.pop(source, None)
    return digest(source, printed, SETTINGS)


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


def _load_index(folder: Path) -> tuple[dict[str, dict[str, object]], dict[str, list[Any]]]:
    """Return what earlier builds measured and made, and the images' signatures and fingerprints
    (source -> [size, mtime, ctime, inode, fingerprint]); an unreadable index means nothing."""
    try:
        stored = json.loads((folder / "index.json").read_text(encoding="utf-8"))
        if stored.get("version") != INDEX_VERSION or not isinstance(stored.get("images"), dict):
            return {}, {}
        images = {key: entry for key, entry in stored["images"].items() if _valid(entry)}
        seen = {
            source: mark
            for source, mark in stored.get("seen", {}).items()
            if isinstance(mark, list) and len(mark) == 5 and isinstance(mark[4], str)
        }
        return images, seen
    except (OSError, ValueError, AttributeError):
        return {}, {}


def _valid(entry: object) -> bool:
    try:
        _measured(entry)  # type: ignore[arg-type]
        return isinstance(entry, dict) and isinstance(entry.get("source"), str)
    except (KeyError, TypeError, ValueError):
        return False


def _save_index(
    folder: Path,
    index: dict[str, dict[str, object]],
    seen: dict[str, list[Any]],
    used: set[str],
    root: Path,
    *,
    changed: bool,
) -> None:
    """Write the index, dropping images whose file changed or went away (and their variants)."""
    stale = [
        key
        for key, entry in index.items()
        if key not in used and _key(root / str(entry["source"]), str(entry["source"]), seen) != key
    ]
    if not stale and not changed:
        return
    for key in stale:
        del index[key]
        shutil.rmtree(folder / key, ignore_errors=True)
    sources = {entry["source"] for entry in index.values()}
    kept = {source: mark for source, mark in seen.items() if source in sources}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / "index.json.tmp"
        stored = {"version": INDEX_VERSION, "images": index, "seen": kept}
        temporary.write_text(json.dumps(stored), encoding="utf-8")
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
