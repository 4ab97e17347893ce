"""Paste a URL, get an embed: click-to-load facades for YouTube, Vimeo, TikTok, Instagram and X.

The page makes no request to another host until the reader clicks the play button; until
then it shows a neutral placeholder, the title and a plain link out that works without
JavaScript. layouts/assets/embeds.js swaps the facade for the player on click. Pure.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from markupsafe import Markup


@dataclass(frozen=True, slots=True)
class Embed:
    """A recognised URL: who hosts it, the player to load on click, and the page to link to."""

    provider: str
    player: str
    url: str


VIDEO_HOSTS = ("YouTube", "Vimeo", "TikTok")
_ALONE = re.compile(r'<p>(?:<a href="(?P<href>[^"]+)">(?P<text>[^<]*)</a>|(?P<bare>https?://[^\s<]+))</p>')
_YOUTUBE_ID = re.compile(r"[\w-]{6,20}")
_DIGITS = re.compile(r"\d{3,25}")
_CODE = re.compile(r"[\w-]{4,40}")


def recognise(url: str) -> Embed | None:
    """Return the embed for a URL of a supported host, else None."""
    parts = urlsplit(html.unescape(url))
    if parts.scheme not in ("http", "https"):
        return None
    host = parts.netloc.lower().removeprefix("www.").removeprefix("m.")
    path = [part for part in parts.path.split("/") if part]
    if host in ("youtube.com", "youtube-nocookie.com", "youtu.be"):
        video = path[0] if host == "youtu.be" and path else parse_qs(parts.query).get("v", [""])[0]
        if host != "youtu.be" and len(path) == 2 and path[0] in ("shorts", "embed", "live"):
            video = path[1]
        if _YOUTUBE_ID.fullmatch(video):
            return Embed("YouTube", f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1", url)
    if host == "vimeo.com" and path and _DIGITS.fullmatch(path[-1]):
        return Embed("Vimeo", f"https://player.vimeo.com/video/{path[-1]}?autoplay=1&dnt=1", url)
    if host == "tiktok.com" and len(path) == 3 and path[1] == "video" and _DIGITS.fullmatch(path[2]):
        return Embed("TikTok", f"https://www.tiktok.com/embed/v2/{path[2]}", url)
    if host == "instagram.com" and len(path) >= 2 and path[0] in ("p", "reel", "tv") and _CODE.fullmatch(path[1]):
        return Embed("Instagram", f"https://www.instagram.com/{path[0]}/{path[1]}/embed", url)
    if host in ("x.com", "twitter.com") and len(path) >= 3 and path[1] == "status" and _DIGITS.fullmatch(path[2]):
        return Embed("X", f"https://platform.twitter.com/embed/Tweet.html?id={path[2]}&dnt=true", url)
    return None


def facade(embed: Embed, title: str) -> Markup:
    """Return the click-to-load figure for an embed: no third-party request until clicked."""
    label = html.escape(f"Play {title} (loads {embed.provider} from {urlsplit(embed.player).netloc})")
    kind = "video" if embed.provider in VIDEO_HOSTS else "post"
    name, player, page = html.escape(title), html.escape(embed.player), html.escape(embed.url)
    button = (
        f'<button type="button" class="embed-play" aria-label="{label}"><span class="embed-icon" aria-hidden="true">'
        f'</span><span class="embed-title">{name}</span></button>'
    )
    note = f'<span class="embed-note"> · nothing loads from {embed.provider} until you press play</span>'
    return Markup(
        f'<figure class="embed embed-{embed.provider.lower()} embed-{kind}" data-embed-src="{player}" '
        f'data-embed-title="{name}"><div class="embed-frame">{button}</div>'
        f'<figcaption><a href="{page}" rel="noopener">View on {embed.provider}</a>{note}</figcaption></figure>'
    )


def embed_paragraphs(body_html: str) -> str:
    """Turn each paragraph that is only a supported URL (or a link to one) into a facade."""
    if "<p>http" not in body_html and '<p><a href="http' not in body_html:
        return body_html

    def replace(match: re.Match[str]) -> str:
        url = match.group("href") or match.group("bare")
        embed = recognise(url)
        if embed is None:
            return match.group(0)
        text = match.group("text")
        title = (
            html.unescape(text)
            if text and text != url
            else f"{embed.provider} {'video' if embed.provider in VIDEO_HOSTS else 'post'}"
        )
        return str(facade(embed, title))

    return _ALONE.sub(replace, body_html)


def embed_or_link(url: str, title: str) -> Markup:
    """Return a facade for a supported URL, else a plain link (for a film's `trailer:`)."""
    embed = recognise(url)
    if embed is None:
        return Markup(f'<p><a href="{html.escape(url)}" rel="noopener">{html.escape(title)}</a></p>')
    return facade(embed, title)
