"""Find film and person names that look like typos of each other. Pure.

Two spellings with one slug ("Amelie", "Amélie") already share a page but read differently;
two near-identical slugs ("Oppenheimer", "Oppenhiemer") split one film's posts over two pages.
A pair is reported when one name is much rarer than the other, or is a film without a file
beside one with a file: two names both in common use are two films or two people.
Comparing every pair is quadratic (1,500 films make a million pairs), so candidates come
from two cheap indexes and only they are compared with difflib:
- every name minus one character: any two names one insertion, deletion, substitution
  or swap apart share such a key;
- the names sorted forwards and backwards, each compared with its next few neighbours,
  which catches longer misspellings that keep a long start or end.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from difflib import SequenceMatcher
from itertools import combinations

from ..model import Post, Site
from ..urls import slugify
from ..words import plural
from .findings import WARNING, Finding

SIMILARITY = 0.9  # difflib ratio above which two different names look like one misspelt
MIN_LENGTH = 5  # shorter names differ by one letter legitimately ("Heat", "Heap")
NEIGHBOURS = 3
RARITY = 2  # a suspect spelling is used at most half as often as the name it resembles
_NUMBERISH = re.compile(
    r"\d+|(?=[ivxlc])c{0,3}(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})|one|two|three|four|five|six|seven|eight|nine|ten|first|second|third|fourth|fifth|part|chapter|vol|volume"
)
SINGULAR = {"films": "film", "people": "person", "tags": "tag"}


def name_typos(site: Site, taxonomy: str) -> list[Finding]:
    """Warn about names in `taxonomy` spelled two ways, or one letter or so from another name."""
    uses: dict[str, list[Post]] = {}
    for post in reversed(site.posts):  # oldest first: a name's first use comes first
        for name in post.terms.get(taxonomy, ()):
            uses.setdefault(name, []).append(post)
    by_slug: dict[str, list[str]] = {}
    for name in uses:
        by_slug.setdefault(slugify(name), []).append(name)
    filed = _filed_films(site) if taxonomy == "films" else set()
    kind = SINGULAR.get(taxonomy, taxonomy)
    findings = []
    for names in by_slug.values():
        usual = max(names, key=lambda name: (len(uses[name]), name))
        for other in names:
            if other != usual:
                findings.append(
                    _warn(
                        uses[other][0],
                        taxonomy,
                        f"{kind} {other!r} is written {usual!r} in {_count(uses[usual])}; use one spelling",
                    )
                )
    for first, second in similar_pairs(by_slug):
        count = {slug: sum(len(uses[name]) for name in by_slug[slug]) for slug in (first, second)}
        rare, usual = sorted((first, second), key=lambda slug: (slug in filed, count[slug], slug))
        if not _is_suspect(count[rare], count[usual], rare in filed, usual in filed):
            continue
        rare_name, usual_name = (max(by_slug[slug], key=lambda name: len(uses[name])) for slug in (rare, usual))
        post = uses[rare_name][0]
        message = (
            f"{kind} {rare_name!r} ({_count(uses[rare_name])}) looks like a typo of "
            f"{usual_name!r} ({_count(uses[usual_name])})"
        )
        findings.append(_warn(post, taxonomy, message))
    return findings


def _is_suspect(rare: int, usual: int, rare_filed: bool, usual_filed: bool) -> bool:
    """A typo is a rare spelling of a common name, or a film name beside a filed film.

    Two established names (Kira and Mira Brandt, 30 posts each) are two people.
    """
    if rare_filed:
        return False  # both have files: two films
    return usual_filed or rare * RARITY <= usual


def similar_pairs(keys: Iterable[str]) -> set[tuple[str, str]]:
    """Return the pairs of slugs that look like misspellings of each other (each pair sorted)."""
    slugs = sorted(set(keys))
    return {pair for pair in _candidates(slugs) if looks_like_typo(*pair)}


def looks_like_typo(first: str, second: str) -> bool:
    """Return True if two different slugs are near-identical, and not just numbered parts."""
    if first == second or min(len(first), len(second)) < MIN_LENGTH or _differ_in_numbers(first, second):
        return False
    return _one_edit_apart(first, second) or SequenceMatcher(None, first, second, autojunk=False).ratio() >= SIMILARITY


def _candidates(slugs: Sequence[str]) -> Iterator[tuple[str, str]]:
    buckets: dict[str, list[str]] = {}
    for slug in slugs:
        for key in {slug, *(slug[:index] + slug[index + 1 :] for index in range(len(slug)))}:
            buckets.setdefault(key, []).append(slug)
    for bucket in buckets.values():
        if len(bucket) > 1:
            yield from (_pair(first, second) for first, second in combinations(bucket, 2))
    backwards = sorted(slugs, key=lambda slug: slug[::-1])
    for ordered in (slugs, backwards):
        for index, slug in enumerate(ordered):
            for other in ordered[index + 1 : index + 1 + NEIGHBOURS]:
                yield _pair(slug, other)


def _one_edit_apart(first: str, second: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours (Damerau distance 1)."""
    if abs(len(first) - len(second)) > 1:
        return False
    start = 0
    while start < min(len(first), len(second)) and first[start] == second[start]:
        start += 1
    a, b = first[start:], second[start:]
    return a[1:] == b[1:] or a[1:] == b or a == b[1:] or (a[:2] == b[1::-1] and a[2:] == b[2:])


def _differ_in_numbers(first: str, second: str) -> bool:
    """'part-one' and 'part-two', 'rocky-ii' and 'rocky-iii' are sequels, not typos."""
    words, others = first.split("-"), second.split("-")
    if len(words) != len(others):
        return False
    changed = [(a, b) for a, b in zip(words, others, strict=True) if a != b]
    return all(_NUMBERISH.fullmatch(a) and _NUMBERISH.fullmatch(b) for a, b in changed)


def _warn(post: Post, taxonomy: str, message: str) -> Finding:
    return Finding(post.source, post.lines.get(taxonomy), message, WARNING)


def _count(posts: Sequence[Post]) -> str:
    return plural(len(posts), "post")


def _pair(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first < second else (second, first)


def _filed_films(site: Site) -> set[str]:
    """Slugs of the films that have a content/films/<slug>.md file."""
    return {
        term.slug for taxonomy in site.taxonomies if taxonomy.name == "films" for term in taxonomy.terms if term.film
    }
