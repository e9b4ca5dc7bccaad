"""Output formats for briefs and articles: Markdown (for people), JSON (for programs), text.

The JSON layout is the schema ``tidings.brief/1`` documented in the README. Renderers only
format; the brief they get has already passed :func:`tidings.pipeline.verify_brief`.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .pipeline import source_labels
from .records import Analysis, Article, Brief, BriefRevision, Citation, Rejection, Story

__all__ = [
    "BRIEF_SCHEMA",
    "STORY_SCHEMA",
    "article_dict",
    "brief_dict",
    "briefed_latest",
    "last_label",
    "render_article",
    "render_brief",
    "render_stories",
    "story_dict",
    "unbriefed",
]

BRIEF_SCHEMA = "tidings.brief/1"
FORMATS = ("markdown", "json", "text")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _where(article: Article) -> dict[str, str]:
    if article.url or article.source.startswith(("http://", "https://")):
        return {"url": article.url or article.source}
    return {"path": article.source}


def article_dict(article: Article, *, text: bool = True) -> dict[str, Any]:
    """The JSON form of an article (``text`` can be left out for compact listings)."""
    out: dict[str, Any] = {"id": article.id, **_where(article), "source": article.source}
    out.update(
        title=article.title,
        outlet=article.outlet,
        published=_iso(article.published),
        updated=_iso(article.updated),
        crawled=_iso(article.crawled),
        authors=list(article.authors),
        language=article.language,
        extractor=article.extractor,
        paywalled=article.paywalled,
    )
    if text:
        out["text"] = article.text
    return out


def rejection_dict(rejection: Rejection) -> dict[str, str]:
    """The JSON form of a rejection."""
    return {
        "input": rejection.input,
        "stage": rejection.stage,
        "reason": rejection.reason,
        "detail": rejection.detail,
    }


def brief_dict(brief: Brief) -> dict[str, Any]:
    """The JSON form of a brief (schema ``tidings.brief/1``)."""
    labels = source_labels(brief.articles, brief.duplicates)
    duplicate_of = {c: g.kept for g in brief.duplicates for c in g.copies}
    articles = []
    for article in brief.articles:
        item = article_dict(article)
        item["source_label"] = labels[article.id]
        item["duplicate_of"] = duplicate_of.get(article.id)
        articles.append(item)
    return {
        "schema": BRIEF_SCHEMA,
        "title": headline(brief),
        "methods": dict(brief.methods),
        "budget": {"max_words": brief.max_words, "max_sentences": brief.max_sentences},
        "summary": [
            {
                "text": s.text,
                "citations": [
                    {"article": c.article, "start": c.start, "end": c.end} for c in s.citations
                ],
                "outlets": list(s.outlets),
                "corroboration": s.corroboration,
            }
            for s in brief.sentences
        ],
        "articles": articles,
        "duplicates": [
            {"kept": g.kept, "copies": list(g.copies), "similarity": list(g.similarity)}
            for g in brief.duplicates
        ],
        "rejected": [rejection_dict(r) for r in brief.rejected],
        "sources": sources_list(brief),
        **analysis_dict(brief.analysis),
    }


def _cites(citations: Sequence[Citation]) -> list[dict[str, Any]]:
    return [{"article": c.article, "start": c.start, "end": c.end} for c in citations]


def analysis_dict(analysis: Analysis | None) -> dict[str, Any]:
    """The ``quotes``, ``entities``, ``timeline`` and ``disagreements`` keys (empty lists when
    no analysis was made)."""
    if analysis is None:
        return {"quotes": [], "entities": [], "timeline": [], "disagreements": []}
    return {
        "quotes": [
            {
                "speaker": q.speaker,
                "speaker_title": q.speaker_title,
                "text": q.text,
                "cue": q.cue,
                "kind": q.kind,
                "citations": _cites(q.citations),
                "outlets": list(q.outlets),
            }
            for q in analysis.quotes
        ],
        "entities": [
            {
                "name": e.name,
                "kind": e.kind,
                "mentions": e.mentions,
                "articles": list(e.articles),
                "variants": list(e.variants),
            }
            for e in analysis.entities
        ],
        "timeline": [
            {
                "date": t.date,
                "expression": t.expression,
                "text": t.text,
                "citations": _cites(t.citations),
            }
            for t in analysis.timeline
        ],
        "disagreements": [
            {
                "topic": d.topic,
                "kind": d.kind,
                "sides": [
                    {"claim": s.claim, "citations": _cites(s.citations), "outlets": list(s.outlets)}
                    for s in d.sides
                ],
            }
            for d in analysis.disagreements
        ],
    }


def sources_list(brief: Brief) -> list[dict[str, Any]]:
    """Each independent source of the brief: its articles and when it was first and last seen
    (publication date, else capture time)."""
    labels = source_labels(brief.articles, brief.duplicates)
    by_source: dict[str, list[Article]] = {}
    for article in brief.articles:
        by_source.setdefault(labels[article.id], []).append(article)
    out = []
    for label, articles in by_source.items():
        seen = sorted(d for a in articles if (d := a.published or a.crawled) is not None)
        out.append(
            {
                "outlet": label,
                "articles": len(articles),
                "article_ids": [a.id for a in articles],
                "first_seen": _iso(seen[0]) if seen else None,
                "last_seen": _iso(seen[-1]) if seen else None,
            }
        )
    return sorted(out, key=lambda s: (-s["articles"], s["outlet"]))


# Wire-service labels that stand where a headline should ("URGENT", "FLASH", "BC-Quake-Peru"):
# they say how a report was sent, not what it is about. (Markup entities, such as a wire feed's
# "&HT;", are taken out of titles first, by _clean_title.)
_WIRE_LABEL = re.compile(
    r"(?:urgent|flash|bulletin|advisory|breaking(?: news)?|news ?alert|update[ds]?|correct(?:ion|ed)"
    r"|repeat(?:ed)?|editor(?:'?s|s')? note|(?:bc|ap|upi)-\S*)[\s\W\d]*",
    re.IGNORECASE,
)


def headline(brief: Brief) -> str | None:
    """The title of the article the brief draws on most (its first-cited on a tie), passing over
    wire labels such as "URGENT" while another article has a real title.

    When no article has a real title (records without one, a wire feed's labels), the headline is
    the brief's first sentence, cut at a word before ``_HEADLINE_CHARS`` characters: a sentence of
    a source, not words of our own. Markup entities left in a title ("&amp;", or SGML's "&HT;")
    are decoded or dropped.
    """
    counts = Counter(s.citations[0].article for s in brief.sentences)
    candidates = [brief.article(a).title for a, _ in counts.most_common()]
    candidates += [a.title for a in brief.articles]
    titles = [c for t in candidates if t and (c := _clean_title(t))]
    informative = next((t for t in titles if not _WIRE_LABEL.fullmatch(t)), None)
    if informative is not None:
        return informative
    if brief.sentences:
        return _shorten(" ".join(brief.sentences[0].text.split()), _HEADLINE_CHARS)
    return titles[0] if titles else None


_HEADLINE_CHARS = 100
_ENTITY = re.compile(r"&#?\w+;")


def _clean_title(title: str) -> str:
    """``title`` with HTML entities decoded, other entities dropped and spaces collapsed."""
    return " ".join(_ENTITY.sub(" ", html.unescape(title)).split())


def _shorten(text: str, limit: int) -> str:
    """``text`` if it fits in ``limit`` characters, else its words up to the limit and "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:-–—") + "…"


def render_brief(brief: Brief, fmt: str = "markdown") -> str:
    """Render a brief as ``markdown``, ``json`` or ``text`` (summary sentences, one per line)."""
    if fmt == "json":
        return json.dumps(brief_dict(brief), ensure_ascii=False, indent=2) + "\n"
    if fmt == "text":
        return "".join(s.text.replace("\n", " ") + "\n" for s in brief.sentences)
    return _markdown(brief)


def _markdown(brief: Brief) -> str:
    labels = source_labels(brief.articles, brief.duplicates)
    copies = {c: g for g in brief.duplicates for c in g.copies}
    # Number the independent articles in order of first citation, then the rest.
    order: list[str] = []
    for sentence in brief.sentences:
        for citation in sentence.citations:
            if citation.article not in order:
                order.append(citation.article)
    order += [a.id for a in brief.articles if a.id not in order and a.id not in copies]
    number = {article_id: i for i, article_id in enumerate(order, start=1)}

    lines: list[str] = [f"# {headline(brief) or 'Brief'}", ""]
    n_sources = len({labels[a] for a in order})
    facts = f"{len(brief.articles)} article{'s' * (len(brief.articles) != 1)} from {n_sources} independent source{'s' * (n_sources != 1)}"
    if brief.duplicates:
        n_copies = sum(len(g.copies) for g in brief.duplicates)
        facts += f"; {n_copies} near-duplicate cop{'ies' if n_copies != 1 else 'y'} collapsed"
    if brief.rejected:
        facts += f"; {len(brief.rejected)} input{'s' * (len(brief.rejected) != 1)} rejected"
    lines += [f"*{facts}.*", ""]

    if not brief.sentences:
        lines += ["No summary: the articles share no content that could be summarised.", ""]
    for i, sentence in enumerate(brief.sentences, start=1):
        marks = "".join(f"[{number[c.article]}]" for c in sentence.citations)
        n = sentence.corroboration
        lines.append(f"{i}. {sentence.text} {marks} *({n} source{'s' * (n != 1)})*")
    lines.append("")

    lines += ["## Evidence", ""]
    for i, sentence in enumerate(brief.sentences, start=1):
        lines.append(
            f"{i}. "
            + "; ".join(
                f"[{number[c.article]}] chars {c.start}–{c.end}" for c in sentence.citations
            )
        )
        for c in sentence.citations[1:]:
            span = brief.article(c.article).text[c.start : c.end]
            lines.append(f"   - [{number[c.article]}] “{_clip(span, 220)}”")
    lines.append("")

    if brief.analysis is not None:
        lines += _analysis_markdown(brief.analysis, number)

    lines += ["## Sources", ""]
    outlets = []
    for source in sources_list(brief):
        first, last = (source[k][:10] if source[k] else None for k in ("first_seen", "last_seen"))
        span = f", seen {first}" + (f" to {last}" if last != first else "") if first else ""
        outlets.append(
            f"{source['outlet']} ({source['articles']} article{'s' * (source['articles'] != 1)}{span})"
        )
    lines += ["By source: " + "; ".join(outlets) + ".", ""]
    by_id = {a.id: a for a in brief.articles}
    for article_id in order:
        article = by_id[article_id]
        lines.append(f"[{number[article_id]}] {_describe(article, labels[article_id])}")
        for group in brief.duplicates:
            if group.kept == article_id:
                for copy, sim in zip(group.copies, group.similarity, strict=True):
                    copy_article = by_id[copy]
                    lines.append(
                        f"    also carried as a near-copy (similarity {sim:.2f}) by "
                        f"{_describe(copy_article, labels[copy])}"
                    )
    lines.append("")

    if brief.rejected:
        lines += ["## Rejected inputs", ""]
        lines += [
            f"- `{r.input}`: {r.detail.removeprefix(r.input + ': ')} ({r.stage}: {r.reason})"
            for r in brief.rejected
        ]
        lines.append("")
    lines.append(f"*Made by {', '.join(f'{k} {v}' for k, v in brief.methods.items())}.*")
    return "\n".join(lines) + "\n"


def _marks(citations: Sequence[Citation], number: dict[str, int]) -> str:
    # One mark per article, in citation order; the exact spans are in the JSON output.
    ordered = dict.fromkeys(number[c.article] for c in citations if c.article in number)
    return "".join(f"[{n}]" for n in ordered)


_KINDS = (
    ("person", "People"),
    ("organization", "Organisations"),
    ("place", "Places"),
    ("other", "Other"),
)


def _analysis_markdown(analysis: Analysis, number: dict[str, int], *, top: int = 12) -> list[str]:
    lines: list[str] = []
    if analysis.quotes:
        lines += ["## Who said what", ""]
        quotes = sorted(analysis.quotes, key=lambda q: -len(q.citations))[:top]
        for q in quotes:
            who = q.speaker or "unattributed"
            if q.speaker_title:
                who += f" ({q.speaker_title})"
            cue = f", *{q.cue}*" if q.cue else ""
            n = len(q.outlets) or len(q.citations)
            count = f" *({n} sources)*" if n > 1 else ""
            lines.append(
                f"- **{who}**{cue}: “{_clip(q.text, 300)}” {_marks(q.citations, number)}{count}"
            )
        if len(analysis.quotes) > top:
            lines.append(f"- … and {len(analysis.quotes) - top} more (see `--format json`)")
        lines.append("")
    if analysis.entities:
        lines += ["## Who and what is involved", ""]
        for kind, heading in _KINDS:
            of_kind = [e for e in analysis.entities if e.kind == kind][:top]
            if of_kind:
                names = ", ".join(f"{e.name} ({e.mentions})" for e in of_kind)
                lines.append(f"- **{heading}**: {names}")
        lines.append("")
    if analysis.timeline:
        lines += ["## Timeline", ""]
        for t in analysis.timeline:
            when = f"**{t.date}**" if t.date else f"*date unknown* (“{t.expression}”)"
            expr = f" (“{t.expression}”)" if t.date and t.expression != t.date else ""
            lines.append(f"- {when}{expr}: {_clip(t.text, 240)} {_marks(t.citations, number)}")
        lines.append("")
    if analysis.disagreements:
        lines += ["## Where sources disagree", ""]
        for d in analysis.disagreements:
            lines.append(f"- **{d.topic}** ({d.kind})")
            for side in d.sides:
                lines.append(f"  - {_clip(side.claim, 240)} {_marks(side.citations, number)}")
        lines.append("")
    return lines


def _describe(article: Article, label: str) -> str:
    title = f"“{article.title}”" if article.title else "(untitled)"
    when = (
        f"published {article.published.date().isoformat()}"
        if article.published
        else "publication date unknown"
    )
    extra = f", captured {article.crawled.date().isoformat()}" if article.crawled else ""
    return f"{title}. {label}; {when}{extra}. `{article.source}` (id {article.id})"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render_article(article: Article, fmt: str = "json") -> str:
    """Render one extracted article as ``json``, ``text`` (the cleaned text) or ``markdown``."""
    if fmt == "json":
        return json.dumps(article_dict(article), ensure_ascii=False, indent=2) + "\n"
    if fmt == "text":
        return article.text + "\n"
    meta = [
        f"outlet: {article.outlet or 'unknown'}",
        f"published: {_iso(article.published) or 'unknown'}",
    ]
    if article.authors:
        meta.append("by " + ", ".join(article.authors))
    return f"# {article.title or '(untitled)'}\n\n*{'; '.join(meta)}*\n\n{article.text}\n"


def render_articles(articles: Sequence[Article], fmt: str = "json") -> str:
    """Render several articles: a JSON array for ``json``, otherwise one after another."""
    if fmt == "json" and len(articles) != 1:
        return json.dumps([article_dict(a) for a in articles], ensure_ascii=False, indent=2) + "\n"
    return "\n".join(render_article(a, fmt) for a in articles)


# -- stories ------------------------------------------------------------------------------------

STORY_SCHEMA = "tidings.story/1"


def unbriefed(story: Story, revisions: Sequence[BriefRevision]) -> list[str]:
    """Ids of the story's articles that its latest brief did not read (a long story is briefed
    from the articles that joined it last; see ``StoryTracker.max_brief_articles``)."""
    briefed = {a.id for a in revisions[-1].brief.articles} if revisions else set()
    return [i for i in story.articles if i not in briefed]


def story_dict(
    story: Story,
    revisions: Sequence[BriefRevision],
    analysis: Analysis | None = None,
    others: Sequence[Article] = (),
) -> dict[str, Any]:
    """The JSON form of a story (schema ``tidings.story/1``): its latest brief, its articles
    (id, path or URL, title, outlet, dates; no text), and the update of every revision.

    ``others`` are the story's articles that the latest brief did not read (see
    :func:`unbriefed`); without them a long story lists only the articles its brief read."""
    latest = revisions[-1] if revisions else None
    out: dict[str, Any] = {
        "schema": STORY_SCHEMA,
        "id": story.id,
        "title": story.title,
        "opened": _iso(story.opened),
        "last_seen": _iso(story.last_seen),
        "closed": story.closed,
        "revision": story.revision,
        "size": len(story.articles),
    }
    if latest is not None:
        brief = brief_dict(latest.brief)
        by_id = {a["id"]: a for a in brief["articles"]}
        # Labelled with the brief's articles, so an unnamed site keeps the brief's letter.
        labels = source_labels([*latest.brief.articles, *others], latest.brief.duplicates)
        for article in others:
            if article.id not in by_id:
                by_id[article.id] = {
                    **article_dict(article, text=False),
                    "source_label": labels[article.id],
                    "duplicate_of": None,
                }
        out["outlets"] = sorted({a["source_label"] for a in by_id.values()})
        out["brief"] = {k: brief[k] for k in ("summary", "duplicates", "methods", "budget")}
        out["articles"] = [
            {k: v for k, v in by_id[i].items() if k != "text"} for i in story.articles if i in by_id
        ]
    out["updates"] = [
        {
            "revision": rev.revision,
            "made": _iso(rev.made),
            "articles": len(rev.articles),
            "update": [
                {
                    "text": s.text,
                    "citations": [
                        {"article": c.article, "start": c.start, "end": c.end} for c in s.citations
                    ],
                    "outlets": list(s.outlets),
                    "corroboration": s.corroboration,
                }
                for s in rev.update
            ],
        }
        for rev in revisions
    ]
    out["sources"] = sources_list(latest.brief) if latest is not None else []
    out.update(analysis_dict(analysis))
    return out


def render_stories(
    entries: Sequence[
        tuple[Story, Sequence[BriefRevision], Analysis | None]
        | tuple[Story, Sequence[BriefRevision], Analysis | None, Sequence[Article]]
    ],
    fmt: str = "markdown",
) -> str:
    """Render stories with their latest briefs: ``markdown``, ``json`` (a list of
    ``tidings.story/1`` objects) or ``text`` (one line per story). An entry is (story,
    revisions, analysis) or (story, revisions, analysis, others) as for :func:`story_dict`."""
    if fmt == "json":
        return (
            json.dumps([story_dict(*entry) for entry in entries], ensure_ascii=False, indent=2)
            + "\n"
        )
    if fmt == "text":
        return "".join(f"{e[0].id}\t{len(e[0].articles)}\t{e[0].title or ''}\n" for e in entries)
    if not entries:
        return "No stories.\n"
    return "\n".join(_story_markdown(e[0], e[1]) for e in entries)


def last_label(latest: BriefRevision | None) -> str:
    """ "last report" when the story's dates are publication dates; "last captured" when none of
    its articles has one, so its dates are crawl times (which can be years after the event)."""
    if latest is not None and not any(a.published for a in latest.brief.articles):
        return "last captured"
    return "last report"


def briefed_latest(story: Story, latest: BriefRevision | None) -> int | None:
    """How many articles the latest brief read when that is fewer than the story has (a long
    story is briefed from its latest articles), else ``None``."""
    if latest is None or len(latest.brief.articles) >= len(story.articles):
        return None
    return len(latest.brief.articles)


def _partial(story: Story, latest: BriefRevision | None) -> str:
    n = briefed_latest(story, latest)
    return "" if n is None else f" · brief from the latest {n}"


def _story_markdown(story: Story, revisions: Sequence[BriefRevision]) -> str:
    latest = revisions[-1] if revisions else None
    when = story.last_seen.date().isoformat() if story.last_seen else "date unknown"
    lines = [f"## {story.title or '(untitled story)'}", ""]
    outlets = (
        sorted({v for v in source_labels(latest.brief.articles, latest.brief.duplicates).values()})
        if latest
        else []
    )
    lines.append(
        f"*Story `{story.id}` · {len(story.articles)} article{'s' * (len(story.articles) != 1)} · "
        f"{', '.join(outlets) or 'no outlets'} · {last_label(latest)} {when} · revision {story.revision}"
        f"{' · closed' if story.closed else ''}{_partial(story, latest)}*"
    )
    lines.append("")
    if latest is not None:
        for s in latest.brief.sentences:
            n = s.corroboration
            lines.append(f"- {s.text} *({n} source{'s' * (n != 1)})*")
        if latest.update:
            lines += ["", f"**New in revision {latest.revision}:**", ""]
            lines += [
                f"- {s.text} *({s.corroboration} source{'s' * (s.corroboration != 1)})*"
                for s in latest.update
            ]
    lines.append("")
    return "\n".join(lines)
