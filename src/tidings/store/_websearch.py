"""Web-search query syntax, turned into a safe SQLite FTS5 expression.

PostgreSQL parses user queries itself (``websearch_to_tsquery`` never fails on syntax); FTS5
has a query language of its own in which a stray ``"``, ``-``, ``*``, ``AND`` or ``NEAR(`` is a
syntax error or an operator. So the SQLite backend reads the query here with the same rules as
PostgreSQL's web-search syntax and hands FTS5 an expression in which every user word is a quoted
string, the only form FTS5 never reads as an operator:

* words must all match;
* ``"several words"`` match as a phrase (an unbalanced quote runs to the end);
* ``or`` between two terms means either;
* ``-word`` or ``-"a phrase"`` excludes.

Other punctuation is only a word separator, as in PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Term", "fts5_query", "parse"]


@dataclass(frozen=True, slots=True)
class Term:
    """A word or phrase of a query; ``negated`` when it must not match."""

    text: str
    negated: bool = False


def parse(query: str) -> list[list[Term]]:
    """Split a web-search query into alternatives, each a list of terms that must all hold.

    Terms with no letter or digit are dropped (they would match nothing), and so are
    alternatives with no positive term: an exclusion alone cannot be ranked, so ``-word`` finds
    nothing rather than everything.

    Args:
        query: the user's query, any string.

    Returns:
        The alternatives (joined by OR); empty when nothing in the query is searchable.
    """
    groups: list[list[Term]] = [[]]
    i, n = 0, len(query)
    while i < n:
        char = query[i]
        if char.isspace():
            i += 1
            continue
        negated = False
        if char == "-":
            while i < n and query[i] == "-":
                i += 1
            if i == n or query[i].isspace():
                continue
            negated, char = True, query[i]
        if char == '"':
            end = query.find('"', i + 1)
            end = n if end == -1 else end
            text, quoted, i = query[i + 1 : end], True, end + 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] != '"':
                i += 1
            text, quoted = query[start:i], False
        if not quoted and not negated and text.lower() == "or":
            if groups[-1]:
                groups.append([])
            continue
        if any(c.isalnum() for c in text):
            groups[-1].append(Term(text, negated))
    return [group for group in groups if any(not term.negated for term in group)]


def _quoted(text: str) -> str:
    # Inside an FTS5 string a double quote is written twice; nothing else is special there.
    return '"' + text.replace('"', '""') + '"'


def fts5_query(query: str) -> str | None:
    """The FTS5 MATCH expression for a web-search query.

    Args:
        query: the user's query, any string.

    Returns:
        An expression FTS5 accepts, such as ``("inf" AND "treaty") NOT "russia"``, or ``None``
        when nothing in the query is searchable (then there is nothing to match).
    """
    alternatives = []
    for group in parse(query.replace("\x00", " ")):
        expr = " AND ".join(_quoted(t.text) for t in group if not t.negated)
        for term in group:
            if term.negated:
                expr = f"({expr}) NOT {_quoted(term.text)}"
        alternatives.append(f"({expr})")
    return " OR ".join(alternatives) or None
