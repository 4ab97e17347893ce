"""Model checks a news desk wants: titles, summary length, alt text, films without a file. Pure."""

from __future__ import annotations

from ..model import Site
from ..people import FILE_FROM
from ..words import plural
from .findings import ERROR, WARNING, Finding

SUMMARY_LIMIT = 200  # characters; social previews cut longer descriptions mid-sentence
_SHORTER = f"social previews show about {SUMMARY_LIMIT}, so add a shorter summary:"


def check_posts(site: Site) -> list[Finding]:
    """Return findings about posts and pages: empty titles, long summaries, images without alt."""
    findings = []
    for post in site.posts:
        if not post.title.strip():
            findings.append(Finding(post.source, post.lines.get("title"), "has an empty title", ERROR))
        if len(post.summary) > SUMMARY_LIMIT:
            line = post.lines.get("summary", post.body_line)
            origin = "summary" if "summary" in post.lines else "first paragraph, used as the summary,"
            message = f"the {origin} is {len(post.summary)} characters; {_SHORTER}"
            findings.append(Finding(post.source, line, message, WARNING))
        if post.image and not (post.image_alt or "").strip():
            message = f"image {post.image} has no image_alt; describe what it shows"
            findings.append(Finding(post.source, post.lines.get("image"), message, ERROR))
    for page in site.pages:
        if not page.title.strip():
            findings.append(Finding(page.source, None, "has an empty title", ERROR))
        if len(page.summary) > SUMMARY_LIMIT:
            message = f"the summary is {len(page.summary)} characters; {_SHORTER}"
            findings.append(Finding(page.source, None, message, WARNING))
    return findings


def unfiled_people(site: Site) -> list[Finding]:
    """Warn once per person named in FILE_FROM or more posts who has no content/people/<slug>.md."""
    findings = []
    for taxonomy in site.taxonomies:
        if taxonomy.name != "people":
            continue
        for term in taxonomy.terms:
            if term.person is None and len(term.posts) >= FILE_FROM:
                first = term.posts[-1]  # posts are newest first
                message = (
                    f"person {term.name!r} ({plural(len(term.posts), 'post')}) has no "
                    f"content/people/{term.slug}.md; add one with a photo and their IMDb or Wikidata id"
                )
                findings.append(Finding(first.source, first.lines.get("people"), message, WARNING))
    return findings


def unfiled_films(site: Site) -> list[Finding]:
    """Warn once per film named in posts that has no content/films/<slug>.md, at its first post."""
    findings = []
    for taxonomy in site.taxonomies:
        if taxonomy.name != "films":
            continue
        for term in taxonomy.terms:
            if term.film is None and term.posts:
                first = term.posts[-1]  # posts are newest first
                message = (
                    f"film {term.name!r} ({plural(len(term.posts), 'post')}) has no "
                    f"content/films/{term.slug}.md; add one with its year and director"
                )
                findings.append(Finding(first.source, first.lines.get("films"), message, WARNING))
    return findings
