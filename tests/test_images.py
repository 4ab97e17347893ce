"""Responsive images: variants on disk, <picture> markup, the cache, and path:line errors."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
from conftest import REPO, build_site, errors_of, image_bytes, make_site, post
from PIL import Image

from matinee import fanout, share_cards
from matinee.model import ImageInfo, Variant
from matinee.picture import image_sources, lookup_for, rewrite_images

HERO = "content/posts/2024/dune/index.md"
PROSE_SIZES = "(min-width: 44.5rem) 42rem, calc(100vw - 2.5rem)"
MISSING = "does not exist; put the file at"


def parse(path: Path) -> ET.Element:
    return html5lib.parse(path.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)


def article(out: Path, url: str) -> ET.Element:
    found = parse(out / url.strip("/") / "index.html").find(".//article")
    assert found is not None
    return found


def srcset(element: ET.Element) -> dict[str, int]:
    """Return srcset as URL -> stated width."""
    entries = [entry.split() for entry in (element.get("srcset") or "").split(",")]
    return {url: int(width.rstrip("w")) for url, width in entries}


def hero_site(tmp_path: Path, **files: bytes | str) -> Path:
    body = "Intro.\n\n![Sand in the wind](sand.png)\n\nMore.\n\n![Sand again](sand.png)\n"
    return make_site(
        tmp_path,
        {
            HERO: post("Dune", date="2024-03-01", image="still.jpg", image_alt="Paul", body=body),
            "content/posts/2024/dune/still.jpg": image_bytes(2000, 1000, "JPEG"),
            "content/posts/2024/dune/sand.png": image_bytes(600, 400, "PNG"),
            **files,
        },
    )


def variant_sizes(out: Path, folder: str) -> dict[str, tuple[int, int]]:
    sizes = {}
    for path in sorted((out / folder).iterdir()):
        if path.suffix in {".jpg", ".png", ".webp"}:
            with Image.open(path) as opened:
                sizes[path.name] = opened.size
    return sizes


def test_variants_exist_at_the_stated_widths_in_webp_and_the_original_format(
    tmp_path: Path,
) -> None:
    out = build_site(hero_site(tmp_path))
    assert variant_sizes(out, "2024/03/dune") == {
        "still.jpg": (2000, 1000),
        "still-480w.jpg": (480, 240),
        "still-480w.webp": (480, 240),
        "still-960w.jpg": (960, 480),
        "still-960w.webp": (960, 480),
        "still-1600w.jpg": (1600, 800),
        "still-1600w.webp": (1600, 800),
        "still-2000w.webp": (2000, 1000),
        "sand.png": (600, 400),  # narrower than 960: never upscaled
        "sand-480w.png": (480, 320),
        "sand-480w.webp": (480, 320),
        "sand-600w.webp": (600, 400),
    }
    with Image.open(out / "2024/03/dune/still-960w.webp") as opened:
        assert opened.format == "WEBP"


def test_the_hero_is_a_picture_with_srcset_sizes_and_its_size(tmp_path: Path) -> None:
    out = build_site(hero_site(tmp_path))
    hero = article(out, "/2024/03/dune/").find(".//figure[@class='hero']/picture")
    assert hero is not None
    source, img = hero.find("source"), hero.find("img")
    assert source is not None and img is not None
    assert source.get("type") == "image/webp"
    assert srcset(source) == {
        "/2024/03/dune/still-480w.webp": 480,
        "/2024/03/dune/still-960w.webp": 960,
        "/2024/03/dune/still-1600w.webp": 1600,
        "/2024/03/dune/still-2000w.webp": 2000,
    }
    assert srcset(img) == {
        "/2024/03/dune/still-480w.jpg": 480,
        "/2024/03/dune/still-960w.jpg": 960,
        "/2024/03/dune/still-1600w.jpg": 1600,
        "/2024/03/dune/still.jpg": 2000,
    }
    assert source.get("sizes") == img.get("sizes") == PROSE_SIZES
    assert (img.get("src"), img.get("alt"), img.get("width"), img.get("height")) == (
        "/2024/03/dune/still.jpg",
        "Paul",
        "2000",
        "1000",
    )
    assert img.get("loading") == "eager" and img.get("fetchpriority") == "high"
    for url in [*srcset(source), *srcset(img)]:
        assert (out / url.lstrip("/")).is_file()


def test_body_images_below_a_hero_load_lazily_with_their_size(tmp_path: Path) -> None:
    out = build_site(hero_site(tmp_path))
    prose = article(out, "/2024/03/dune/").find(".//div[@class='prose']")
    assert prose is not None
    images = list(prose.iter("img"))
    assert [img.get("alt") for img in images] == ["Sand in the wind", "Sand again"]
    for img in images:
        assert (img.get("width"), img.get("height")) == ("600", "400")
        assert (img.get("loading"), img.get("decoding")) == ("lazy", "async")
        assert srcset(img) == {"/2024/03/dune/sand-480w.png": 480, "/2024/03/dune/sand.png": 600}
    (webp,) = {source.get("srcset") for source in prose.iter("source")}
    assert webp == "/2024/03/dune/sand-480w.webp 480w, /2024/03/dune/sand-600w.webp 600w"


def built_with_one_image(tmp_path: Path, name: str, width: int, height: int) -> Path:
    """Build a post in a folder of its own (/2024/01/x/) showing one image, `name`; return the output."""
    files: dict[str, str | bytes] = {
        "content/posts/x/index.md": post("X", body=f"![A still](<{name}>)\n"),
        f"content/posts/x/{name}": image_bytes(width, height),
    }
    return build_site(make_site(tmp_path, files))


def test_an_image_narrower_than_every_width_offers_its_one_webp_copy(tmp_path: Path) -> None:
    out = built_with_one_image(tmp_path, "a.png", 300, 200)
    (picture,) = article(out, "/2024/01/x/").iter("picture")
    source, img = picture.find("source"), picture.find("img")
    assert source is not None and img is not None
    assert (source.get("type"), source.get("srcset")) == ("image/webp", "/2024/01/x/a-300w.webp")
    assert (out / "2024/01/x/a-300w.webp").is_file()
    assert (img.get("src"), img.get("srcset"), img.get("width")) == ("/2024/01/x/a.png", None, "300")


def test_without_a_hero_the_first_body_image_loads_at_once(tmp_path: Path) -> None:
    body = "![One](a.png)\n\n![Two](a.png)\n"
    root = make_site(
        tmp_path,
        {
            "content/posts/x/index.md": post("X", body=body),
            "content/posts/x/a.png": image_bytes(900, 300),
        },
    )
    images = list(article(build_site(root), "/2024/01/x/").iter("img"))
    assert [img.get("loading") for img in images] == ["eager", "lazy"]


def test_variants_honour_a_base_path(tmp_path: Path) -> None:
    root = hero_site(tmp_path)
    out = build_site(root, base_url="https://example.org/blog/")
    img = article(out, "/2024/03/dune/").find(".//figure/picture/img")
    assert img is not None and img.get("src") == "/blog/2024/03/dune/still.jpg"
    assert all(url.startswith("/blog/2024/03/dune/still") for url in srcset(img))


def test_a_second_build_processes_no_image(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = hero_site(tmp_path)
    caplog.set_level(logging.INFO, logger="matinee.images")
    build_site(root)
    assert "Made responsive variants of 2 images" in caplog.messages
    cached = {path: path.stat().st_mtime_ns for path in (root / ".matinee-cache/images").rglob("*.*")}
    caplog.clear()
    out = build_site(root)
    assert not [message for message in caplog.messages if message.startswith("Made")]
    assert {path: path.stat().st_mtime_ns for path in (root / ".matinee-cache/images").rglob("*.*")} == cached
    assert (out / "2024/03/dune/still-960w.webp").is_file()


def test_a_replaced_image_is_resized_again_and_its_page_shows_the_new_size(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = hero_site(tmp_path)
    build_site(root)
    (root / "content/posts/2024/dune/still.jpg").write_bytes(image_bytes(1200, 900, "JPEG"))
    caplog.set_level(logging.INFO, logger="matinee.images")
    out = build_site(root)
    assert "Made responsive variants of 1 image" in caplog.messages
    img = article(out, "/2024/03/dune/").find(".//figure/picture/img")
    assert img is not None and (img.get("width"), img.get("height")) == ("1200", "900")
    assert not (out / "2024/03/dune/still-1600w.jpg").exists()
    with Image.open(out / "2024/03/dune/still-960w.jpg") as opened:
        assert opened.size == (960, 720)


def test_many_images_are_resized_in_worker_processes(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {}
    for number in range(24):  # PARALLEL_FROM is 20
        files[f"content/posts/p{number}/index.md"] = post(f"P{number}", image="still.png")
        files[f"content/posts/p{number}/still.png"] = image_bytes(500 + number, 250)
    out = build_site(make_site(tmp_path, files))
    for number in range(24):
        with Image.open(out / f"2024/01/p{number}/still-480w.webp") as opened:
            assert opened.size == (480, round(250 * 480 / (500 + number)))
        img = article(out, f"/2024/01/p{number}/").find(".//figure/picture/img")
        assert img is not None and img.get("width") == str(500 + number)


def test_a_film_poster_is_responsive_on_the_film_page(tmp_path: Path) -> None:
    film = "---\ntitle: Dune\nposter: dune.jpg\n---\nAbout Dune.\n"
    root = make_site(
        tmp_path,
        {"content/films/dune.md": film, "content/films/dune.jpg": image_bytes(1000, 1500, "JPEG")},
    )
    out = build_site(root)
    img = parse(out / "films/dune/index.html").find(".//figure[@class='poster']/picture/img")
    assert img is not None
    assert (img.get("src"), img.get("width"), img.get("height")) == (
        "/films/dune.jpg",
        "1000",
        "1500",
    )
    assert srcset(img) == {
        "/films/dune-480w.jpg": 480,
        "/films/dune-960w.jpg": 960,
        "/films/dune.jpg": 1000,
    }


def test_a_missing_hero_image_names_its_front_matter_line(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", image="nope.jpg")})
    assert errors_of(root) == [f"content/posts/a.md:3: image 'nope.jpg' {MISSING} content/posts/nope.jpg"]


def test_a_missing_body_image_names_its_line(tmp_path: Path) -> None:
    body = "Intro.\n\nMore.\n\n![Gone](gone.png)\n"
    root = make_site(tmp_path, {"content/posts/a.md": post("A", body=body)})
    assert errors_of(root) == [f"content/posts/a.md:9: image 'gone.png' {MISSING} content/posts/gone.png"]


def test_a_site_path_no_file_makes_is_left_for_the_host_and_loads_lazily(tmp_path: Path) -> None:
    body = "Intro.\n\n![Still](/images/stills/00042.jpg)\n"
    root = make_site(tmp_path, {"content/posts/a.md": post("A", body=body)})
    (img,) = article(build_site(root), "/2024/01/a/").iter("img")
    assert (img.get("src"), img.get("loading"), img.get("width")) == (
        "/images/stills/00042.jpg",
        "eager",
        None,
    )


def test_an_unreadable_image_is_an_error_at_each_line_showing_it(tmp_path: Path) -> None:
    body = "![Broken](broken.jpg)\n"
    root = make_site(
        tmp_path,
        {
            "content/posts/a.md": post("A", image="broken.jpg", body=body),
            "content/posts/broken.jpg": b"not a JPEG at all",
        },
    )
    message = "image content/posts/broken.jpg cannot be read: it is not a JPEG file, or it is damaged"
    assert errors_of(root) == [
        f"content/posts/a.md:3: {message}",
        f"content/posts/a.md:6: {message}",
    ]
    assert not (root / "site").exists()


def test_the_cli_reports_a_missing_image_as_path_line_and_exits_1(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/a.md": post("A", image="nope.jpg")})
    done = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "build", "--source", str(root)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (f"content/posts/a.md:3: image 'nope.jpg' {MISSING} content/posts/nope.jpg")
    assert "Traceback" not in done.stderr


# --- the pure transform ---------------------------------------------------------------------

INFO = ImageInfo(
    800,
    400,
    (
        Variant("/a/still-480w.webp", 480, "webp"),
        Variant("/a/still-480w.jpg", 480, "jpeg"),
        Variant("/a/still-800w.webp", 800, "webp"),
        Variant("/a/still.jpg", 800, "jpeg"),
    ),
)


def rewrite(body: str, eager_first: bool = False) -> str:
    lookup = lookup_for({"/a/still.jpg": INFO}, "/")
    return rewrite_images(body, lookup, link=lambda url: url, eager_first=eager_first)


def test_rewrite_keeps_the_writers_attributes_and_escaping() -> None:
    html = rewrite('<p><img alt="Tom &amp; Jerry" src="/a/still.jpg" title="A &quot;still&quot;"></p>')
    assert html == (
        '<p><picture><source type="image/webp" '
        f'srcset="/a/still-480w.webp 480w, /a/still-800w.webp 800w" sizes="{PROSE_SIZES}">'
        '<img src="/a/still.jpg" srcset="/a/still-480w.jpg 480w, /a/still.jpg 800w" '
        f'sizes="{PROSE_SIZES}" width="800" height="400" alt="Tom &amp; Jerry" '
        'title="A &quot;still&quot;" loading="lazy" decoding="async"></picture></p>'
    )


def test_rewrite_gives_a_single_webp_copy_a_srcset_of_its_own() -> None:
    small = ImageInfo(300, 200, (Variant("/a/small-300w.webp", 300, "webp"), Variant("/a/small.png", 300, "png")))
    lookup = lookup_for({"/a/small.png": small}, "/")
    html = rewrite_images('<img src="/a/small.png" alt="">', lookup, link=lambda url: url)
    assert html == (
        '<picture><source type="image/webp" srcset="/a/small-300w.webp">'
        '<img src="/a/small.png" width="300" height="200" alt="" loading="lazy" decoding="async"></picture>'
    )


def test_rewrite_leaves_hand_sized_images_and_code_samples_alone() -> None:
    body = '<img src="/a/still.jpg" width="300"><code>&lt;img src="/a/still.jpg"&gt;</code>'
    assert rewrite(body) == body


def test_unknown_images_still_load_lazily_and_the_first_can_be_eager() -> None:
    html = rewrite('<img src="https://cdn.example/x.jpg" alt=""><img src="/b.svg" alt="">', True)
    assert html == (
        '<img src="https://cdn.example/x.jpg" alt="" loading="eager" fetchpriority="high">'
        '<img src="/b.svg" alt="" loading="lazy" decoding="async">'
    )


def test_image_sources_lists_each_src_once_in_order() -> None:
    body = '<img src="b.png"><p><img alt="x" src="a&amp;b.png"/></p><img src="b.png">'
    assert image_sources(body) == ("b.png", "a&b.png")


def test_an_image_named_with_spaces_and_accents_has_an_encoded_src_that_exists(tmp_path: Path) -> None:
    out = built_with_one_image(tmp_path, "my still é.png", 1200, 600)
    image = article(out, "2024/01/x/").find(".//img")
    assert image is not None
    assert image.get("src") == "/2024/01/x/my%20still%20%C3%A9.png"
    assert (out / "2024/01/x/my still é.png").is_file()


def grainy(width: int, height: int, seed: int = 1) -> Image.Image:
    """A photo-like picture (soft shapes under film grain): as hard to resize and encode as a still."""
    import random

    from PIL import ImageDraw, ImageFilter

    rng = random.Random(seed)
    picture = Image.new("RGB", (width, height), (90, 60, 40))
    draw = ImageDraw.Draw(picture)
    for _ in range(30):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse((x, y, x + rng.randrange(20, 400), y + rng.randrange(20, 300)), fill=(rng.randrange(256), 90, 160))
    grain = Image.effect_noise((width, height), 60).convert("RGB")
    return Image.blend(picture.filter(ImageFilter.GaussianBlur(4)), grain, 0.1)


def made(tmp_path: Path, picture: Image.Image, name: str, **save: object) -> dict[str, tuple[tuple[int, int], str]]:
    """Run make_variants on `picture` saved as `name`; return each file's size and format."""
    from matinee import images

    source = tmp_path / name
    tmp_path.mkdir(exist_ok=True)
    picture.save(source, **save)  # type: ignore[arg-type]
    suffix = source.suffix.lower()
    result = images.make_variants(images._Job(source, tmp_path / "made", source.stem, suffix))
    assert not isinstance(result, str), result
    found = {}
    for file, _, kind in result[2]:
        with Image.open(tmp_path / "made" / file) as opened:
            assert opened.format == kind.upper()
            found[file] = (opened.size, opened.format)
    return found


@pytest.mark.parametrize(("width", "height"), [(1600, 900), (1999, 1333), (1001, 563), (3333, 1111), (961, 3)])
def test_each_variant_has_the_size_of_one_resize_from_the_original(tmp_path: Path, width: int, height: int) -> None:
    """Variants are made from each other now: their sizes must still be those of the original's ratio."""
    expected = {}
    for target in [w for w in (480, 960, 1600) if w < width]:
        size = (target, max(1, round(height * target / width)))
        expected[f"p-{target}w.webp"] = (size, "WEBP")
        expected[f"p-{target}w.jpg"] = (size, "JPEG")
    expected[f"p-{width}w.webp"] = ((width, height), "WEBP")  # never decoded smaller than needed
    assert made(tmp_path, Image.new("RGB", (width, height), (30, 60, 90)), "p.jpg") == expected


def test_a_transparent_png_keeps_its_alpha_and_a_turned_jpeg_is_measured_upright(tmp_path: Path) -> None:
    clear = Image.new("RGBA", (1000, 500), (255, 0, 0, 0))
    assert made(tmp_path / "png", clear, "c.png") == {
        "c-480w.webp": ((480, 240), "WEBP"),
        "c-480w.png": ((480, 240), "PNG"),
        "c-960w.webp": ((960, 480), "WEBP"),
        "c-960w.png": ((960, 480), "PNG"),
        "c-1000w.webp": ((1000, 500), "WEBP"),
    }
    with Image.open(tmp_path / "png/made/c-480w.png") as opened:
        assert opened.mode == "RGBA" and opened.getpixel((5, 5))[3] == 0
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: stored 1000x500, seen 500x1000
    turned = made(tmp_path / "jpg", Image.new("RGB", (1000, 500), (9, 9, 9)), "t.jpg", exif=exif)
    assert turned == {
        "t-480w.webp": ((480, 960), "WEBP"),
        "t-480w.jpg": ((480, 960), "JPEG"),
        "t-500w.webp": ((500, 1000), "WEBP"),
    }


def psnr(made: Image.Image, reference: Image.Image) -> float:
    """Peak signal-to-noise ratio of `made` against `reference`, in dB (higher: closer)."""
    import math

    from PIL import ImageChops, ImageStat

    rms = ImageStat.Stat(ImageChops.difference(made.convert("RGB"), reference)).rms
    return 20 * math.log10(255 / max(1e-9, math.sqrt(sum(value * value for value in rms) / 3)))


def test_variants_look_as_good_as_when_each_was_resized_from_the_original(tmp_path: Path) -> None:
    """The cheaper way (each variant from the next larger, WebP at libwebp's fastest effort) stays
    within 0.5 dB of the old one (LANCZOS from the original, WebP at the default effort)."""
    import io

    original = grainy(1600, 900)
    made(tmp_path, original, "g.jpg", quality=90)
    with Image.open(tmp_path / "g.jpg") as decoded:
        source = decoded.convert("RGB")
    for target in (480, 960, 1600):
        reference = source.resize((target, round(900 * target / 1600)), Image.Resampling.LANCZOS)
        for kind, old_settings in [("webp", {"quality": 80}), ("jpg", {"quality": 82, "optimize": True})]:
            if target == 1600 and kind == "jpg":
                continue  # the original itself
            old = io.BytesIO()
            reference.save(old, "WEBP" if kind == "webp" else "JPEG", **old_settings)
            with Image.open(tmp_path / f"made/g-{target}w.{kind}") as new, Image.open(old) as was:
                assert psnr(new, reference) >= psnr(was, reference) - 0.5, (target, kind)


def cards_site(tmp_path: Path) -> Path:
    titles = ["Dune", "A review with a much longer title that wraps onto a second line", "Été — « Café » ★"]
    titles += [f"Wwwwwwwwwwww Mmmmmmmmmmmm Wwwwwwwwwwww Mmmmmmmmmmmm Www{n}" for n in range(3)]  # reaches the rule
    files = {f"content/posts/p{n}.md": post(title) for n, title in enumerate(titles)}
    return make_site(tmp_path, files)  # type: ignore[arg-type]


def share_cards_of(root: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted((root / "site/assets/share").iterdir())}


def test_share_cards_drawn_by_the_writing_workers_are_the_files_drawn_in_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "drawn-by"  # the worker processes' own memory is not this test's
    card_jpeg = share_cards.card_jpeg

    def noting(title: str, site_title: str) -> bytes:
        with log.open("a", encoding="utf-8") as noted:
            noted.write(f"{os.getpid()}\n")
        return card_jpeg(title, site_title)

    def drawn_in() -> set[int]:
        return {int(line) for line in log.read_text(encoding="utf-8").split()}

    monkeypatch.setattr(share_cards, "card_jpeg", noting)
    monkeypatch.setattr(fanout, "shares_for", lambda items: 1)
    serial = cards_site(tmp_path / "serial")
    build_site(serial)
    assert drawn_in() == {os.getpid()} and len(log.read_text(encoding="utf-8").split()) == 7
    log.unlink()
    monkeypatch.setattr(fanout, "shares_for", lambda items: 2)
    parallel = cards_site(tmp_path / "parallel")
    build_site(parallel)
    assert len(share_cards_of(serial)) == 7  # one per post, and the site's own
    assert share_cards_of(parallel) == share_cards_of(serial)
    assert drawn_in() and os.getpid() not in drawn_in()  # the workers drew them, straight into the site
    assert not (parallel / ".matinee-cache/share-cards").exists()  # and no copy is kept elsewhere


def test_a_share_card_in_the_site_is_not_drawn_again_and_a_deleted_one_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = cards_site(tmp_path)
    build_site(root)
    before = share_cards_of(root)
    drawn: list[str] = []
    card_jpeg = share_cards.card_jpeg
    monkeypatch.setattr(share_cards, "card_jpeg", lambda title, site: drawn.append(title) or card_jpeg(title, site))
    (root / "content/posts/p0.md").write_text(post("Dune: Part Two"), encoding="utf-8")
    build_site(root)
    assert drawn == ["Dune: Part Two"]  # the retitled post's card alone
    after = share_cards_of(root)
    assert len(after) == len(before) and len(set(after) - set(before)) == 1  # the old card went
    (root / "site/assets/share" / next(iter(after))).unlink()
    drawn.clear()
    build_site(root)
    assert len(drawn) == 1 and share_cards_of(root) == after


def test_a_share_card_keeps_its_look_title_over_gradient_rule_and_site_name(tmp_path: Path) -> None:
    from matinee.share_cards import CARD_COLOURS, draw_card

    _, _, accent, light = CARD_COLOURS
    card = draw_card("Dune", "The Matinee Dispatch")
    assert card.size == (1200, 630) and card.mode == "RGB"
    assert card.getpixel((150, 514)) == accent  # the rule
    assert card.getpixel((5, 5)) != card.getpixel((5, 625))  # the gradient
    assert light in {card.getpixel((x, y)) for x in range(80, 400) for y in range(80, 170)}  # the title
    assert light in {card.getpixel((x, y)) for x in range(80, 500) for y in range(540, 580)}  # the site's name
    crowded = draw_card("Wwwwwwwwwwww Mmmmmmmmmmmm Wwwwwwwwwwww Mmmmmmmmmmmm Www1", "The Matinee Dispatch")
    assert crowded.getpixel((150, 514)) == accent  # the rule stays on top of a long title


def test_share_cards_are_drawn_in_this_process_beside_a_serve_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fanout's contract: no fork while another thread may hold a lock the child would wait on."""
    import threading

    monkeypatch.setattr(fanout, "cores", lambda: 2)
    monkeypatch.setattr(fanout, "MIN_SHARE", 1)
    monkeypatch.setattr(
        fanout.multiprocessing, "get_context", lambda method=None: pytest.fail("forked beside a thread")
    )
    stop = threading.Event()
    watcher = threading.Thread(target=stop.wait)
    watcher.start()
    try:
        root = cards_site(tmp_path)
        build_site(root)
    finally:
        stop.set()
        watcher.join()
    assert len(share_cards_of(root)) == 7
