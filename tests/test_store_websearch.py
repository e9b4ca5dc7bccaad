"""User queries become FTS5 expressions that never fail, with web-search meaning."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tidings.store._websearch import Term, fts5_query, parse


@pytest.fixture(scope="module")
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.executemany(
        "INSERT INTO doc (rowid, body) VALUES (?, ?)",
        [
            (1, "The INF treaty is dead, officials said."),
            (2, "Russia and the US blame each other for the treaty's end."),
            (3, "Rain in the north; no treaty news."),
            (4, 'NEAR the border, AND nothing else: a "quoted" word.'),
        ],
    )
    return conn


def matches(conn: sqlite3.Connection, query: str) -> set[int]:
    expr = fts5_query(query)
    if expr is None:
        return set()
    return {r[0] for r in conn.execute("SELECT rowid FROM doc WHERE doc MATCH ?", (expr,))}


def test_parse_follows_websearch_rules():
    assert parse('INF "treaty is" -russia or rain') == [
        [Term("INF"), Term("treaty is"), Term("russia", negated=True)],
        [Term("rain")],
    ]
    assert parse('or or "unbalanced quote') == [[Term("unbalanced quote")]]
    assert parse("-only -negative") == []
    assert parse("* - -- ... ()") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("treaty", {1, 2, 3}),
        ('"INF treaty"', {1}),
        ('"treaty INF"', set()),
        ("treaty -rain", {1, 2}),
        ('treaty -"each other"', {1, 3}),
        ("rain or dead", {1, 3}),
        ("NEAR", {4}),  # operators of FTS5 are plain words here
        ("AND", {2, 4}),
        ('"quoted"', {4}),
        ('"INF treaty', {1}),  # an unbalanced quote runs to the end
        ("treaties", {1, 2, 3}),  # Porter stemming
        ("-treaty", set()),
        ("", set()),
    ],
)
def test_meaning(fts, query, expected):
    assert matches(fts, query) == expected


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_any_text_is_a_valid_query(text):
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE VIRTUAL TABLE doc USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')"
    )
    conn.execute("INSERT INTO doc (body) VALUES ('the treaty and the missiles')")
    expr = fts5_query(text)
    if expr is not None:
        conn.execute("SELECT rowid FROM doc WHERE doc MATCH ?", (expr,)).fetchall()


@given(
    st.lists(
        st.sampled_from(
            [
                '"',
                "-",
                "*",
                "(",
                ")",
                "or",
                "OR",
                "AND",
                "NOT",
                "NEAR",
                ":",
                "^",
                "+",
                "treaty",
                "missiles",
                " ",
                "\t",
                "'",
                "{",
                "}",
                ",",
            ]
        ),
        max_size=20,
    )
)
@settings(max_examples=300, deadline=None)
def test_operator_soup_is_a_valid_query(parts):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE doc USING fts5(body)")
    conn.execute("INSERT INTO doc (body) VALUES ('the treaty and the missiles')")
    expr = fts5_query("".join(parts))
    if expr is not None:
        conn.execute("SELECT rowid FROM doc WHERE doc MATCH ?", (expr,)).fetchall()
