"""frontmatter.py: split a file into fields (with their lines) and body; every YAML quirk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matinee.errors import MatineeError
from matinee.frontmatter import decode, split

pytestmark = pytest.mark.pure  # no build, no disk: part of the inner loop


def fields_of(text: str) -> dict[str, object]:
    """Return the front matter of `text` as key -> value."""
    return {key: field.value for key, field in split(text, "x.md").fields.items()}


def error_of(text: str) -> MatineeError:
    """Return the error `split` raises for `text`."""
    with pytest.raises(MatineeError) as caught:
        split(text, "content/posts/x.md")
    return caught.value


# --- fields, lines and body ------------------------------------------------------------


def test_split_gives_each_key_its_file_line() -> None:
    front = split("---\ntitle: Dune\ndate: 2024-03-01\n\ntags: [a]\n---\nBody.\n", "x.md")
    assert {key: field.line for key, field in front.fields.items()} == {
        "title": 2,
        "date": 3,
        "tags": 5,
    }


def test_body_and_the_line_it_starts_on() -> None:
    front = split("---\ntitle: Dune\ndate: 2024-03-01\n---\nFirst line.\n---\nA rule.\n", "x.md")
    assert front.body == "First line.\n---\nA rule.\n"
    assert front.body_line == 5


def test_empty_front_matter_has_no_fields() -> None:
    front = split("---\n---\nBody\n", "x.md")
    assert front.fields == {}
    assert front.body == "Body\n"
    assert front.body_line == 3


def test_file_without_a_body() -> None:
    front = split("---\ntitle: A\n---", "x.md")
    assert front.body == ""


# --- YAML surprises a film blog meets --------------------------------------------------


def test_films_that_look_like_numbers_and_booleans_stay_text() -> None:
    values = fields_of('---\nfilms: [1917, No, "2001: A Space Odyssey"]\n---\n')
    assert values["films"] == ["1917", "No", "2001: A Space Odyssey"]


@pytest.mark.parametrize(
    "raw",
    ["1917", "No", "yes", "off", "null", "~", "2024-01-01", "1e3", "0x1F", ".inf", "12:30", "3.10"],
)
def test_a_plain_title_is_always_the_text_written(raw: str) -> None:
    assert fields_of(f"---\ntitle: {raw}\n---\n")["title"] == raw


def test_unquoted_colon_in_a_flow_list_reads_as_a_mapping_for_fields_to_reject() -> None:
    front = split("---\ntitle: X\nfilms: [1917, No, 2001: A Space Odyssey]\n---\n", "x.md")
    films = front.fields["films"]
    assert films.value == ["1917", "No", {"2001": "A Space Odyssey"}]
    assert films.line == 3


def test_block_list_items_keep_their_own_lines() -> None:
    front = split("---\ntitle: X\nfilms:\n  - 1917\n  - Tenet\n---\n", "x.md")
    assert front.fields["films"].item_lines == (4, 5)


def test_nested_values_stay_text() -> None:
    values = fields_of("---\nrating: {stars: 4, of: 5}\ncredits: [[a, 1], b]\n---\n")
    assert values["rating"] == {"stars": "4", "of": "5"}
    assert values["credits"] == [["a", "1"], "b"]


@pytest.mark.parametrize(
    "tag",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        "!!python/object/apply:pathlib.Path.touch [{marker}]",
        "!!python/name:os.system",
        '!!python/object/new:subprocess.check_call [["touch", "{marker}"]]',
    ],
)
def test_a_yaml_tag_that_would_construct_an_object_runs_nothing(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    text = f"---\ntitle: A\nx: {tag.format(marker=marker)}\n---\n"
    values = fields_of(text)
    assert not marker.exists()
    assert isinstance(values["x"], str | list)


# --- errors: each at its line -----------------------------------------------------------


def test_broken_yaml_points_at_its_line() -> None:
    error = error_of("---\ntitle: A\n  date: 2024-01-01\n---\n")
    assert str(error).startswith("content/posts/x.md:3: front matter is not valid YAML")


def test_an_unquoted_colon_in_a_title_gets_a_hint_to_quote_it() -> None:
    error = error_of("---\ntitle: Dune: Part Two\ndate: 2024-03-01\n---\n")
    assert error.line == 2
    assert "put a value holding ': ' in quotes" in error.message


def test_an_unclosed_list_points_at_the_line_that_opened_it() -> None:
    error = error_of("---\ntitle: A\ndate: 2024-01-01\ntags: [a, b\n---\nBody\n")
    assert error.line == 4


def test_an_unclosed_quote_points_at_the_line_that_opened_it() -> None:
    error = error_of('---\ntitle: "A\ndate: 2024-01-01\n---\n')
    assert error.line == 2


def test_a_tab_in_the_indentation_is_an_error_at_its_line() -> None:
    assert error_of("---\ntitle: A\n\tdate: x\n---\n").line == 3


def test_a_key_given_twice_names_both_lines_and_keeps_the_first_value() -> None:
    front = split("---\ntitle: A\ndate: 2024-01-01\ntitle: B\n---\n", "content/posts/x.md")
    (error,) = front.problems
    assert error.line == 4
    assert "line 2" in error.message
    assert front.fields["title"].value == "A"


def test_front_matter_that_is_a_list_is_an_error() -> None:
    assert error_of("---\n- a\n- b\n---\n").line == 2


def test_yaml_aliases_are_refused() -> None:
    error = error_of("---\ntitle: &t A\nsummary: *t\n---\n")
    assert error.line == 3
    assert "aliases" in error.message


def test_a_billion_laughs_is_refused_quickly() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index in range(1, 9):
        previous = chr(ord("a") + index - 1)
        name = chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]")
    with pytest.raises(MatineeError):
        split("---\n" + "\n".join(lines) + "\n---\n", "x.md")


def test_a_file_without_front_matter_is_an_error_on_line_1() -> None:
    error = error_of("title: A\n\nBody\n")
    assert (error.line, error.path) == (1, "content/posts/x.md")


def test_front_matter_never_closed_is_an_error() -> None:
    error = error_of("---\ntitle: A\ndate: 2024-01-01\n\nBody\n")
    assert error.line == 1
    assert "never closed" in error.message


# --- decoding ----------------------------------------------------------------------------


def test_decode_drops_a_bom_and_normalises_line_ends() -> None:
    assert decode(b"\xef\xbb\xbf---\r\ntitle: A\r\n---\rBody\r\n", "x.md") == "---\ntitle: A\n---\nBody\n"


def test_crlf_file_keeps_correct_lines() -> None:
    text = decode(b"---\r\ntitle: A\r\ndate: 2024-13-01\r\n---\r\nBody\r\n", "x.md")
    front = split(text, "x.md")
    assert front.fields["date"].line == 3
    assert front.body == "Body\n"


def test_a_file_that_is_not_utf8_is_an_error_at_the_line_of_the_bad_byte() -> None:
    with pytest.raises(MatineeError) as caught:
        decode(b"---\ntitle: A\ndate: 2024-01-01\nauthor: Ren\xe9\n---\n", "content/posts/x.md")
    assert str(caught.value).startswith("content/posts/x.md:4: ")
    assert "UTF-8" in caught.value.message


def test_a_nul_byte_is_an_error() -> None:
    with pytest.raises(MatineeError) as caught:
        decode(b"---\ntitle: A\x00\n---\n", "x.md")
    assert caught.value.line == 2


# --- properties --------------------------------------------------------------------------

# Line and paragraph separators are line breaks to YAML, so a writer cannot keep them in a title.
printable = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=60)


def quoted(value: object) -> str:
    """Return `value` as a YAML double-quoted scalar or flow list, written as a person would."""
    return json.dumps(value, ensure_ascii=False)


@given(printable)
def test_any_quoted_title_comes_back_unchanged(title: str) -> None:
    text = f"---\ntitle: {quoted(title)}\n---\n"
    assert fields_of(text)["title"] == title


@given(st.lists(printable, min_size=1, max_size=6))
def test_any_quoted_list_comes_back_unchanged(names: list[str]) -> None:
    text = f"---\ntags: {quoted(names)}\n---\n"
    assert fields_of(text)["tags"] == names


@given(st.text(max_size=200))
def test_split_either_succeeds_or_raises_a_placed_error(text: str) -> None:
    try:
        front = split("---\n" + text + "\n---\n", "x.md")
    except MatineeError as error:
        assert error.line is None or error.line >= 1
    else:
        assert all(field.line >= 2 for field in front.fields.values())
