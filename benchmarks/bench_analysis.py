"""Analysis stage on real gold data: quote attribution (PolNeAR) and dates (TempEval-3), one run.

    python benchmarks/bench_analysis.py                    # both tasks (about two minutes)
    python benchmarks/bench_analysis.py --task timex       # dates only (no spaCy needed, seconds)
    python benchmarks/bench_analysis.py --task quotes --train-docs 50

Data: ../shared/data/attribution/polnear_{train,dev}.jsonl.gz and ../shared/data/timex/
{timebank,aquaint}.jsonl.gz (research use; never copied into this repo). Without ../shared the
script says so and exits 0. Rules were tuned by reading errors on the first split of each task
(a PolNeAR train subset, TimeBank) only; the second (PolNeAR dev, AQUAINT) is reported
untouched, so the gap between the two rows shows overfitting.

Quotes (PolNeAR, quotes of type ``direct``; gold spans include the marks, ours do not, so a
match is any character overlap):
- recall: gold direct quotes overlapped by one of our quotations;
- precision: our quotations overlapping a gold direct or mixed quote (our partial quotations
  are the quoted fragments of PolNeAR's mixed ones);
- speaker accuracy on the matched quotes: our speaker mention overlaps the gold speaker span,
  or our resolved name matches the gold speaker text (case-insensitive; a surname matches the
  full name). Gold speakers are often pronouns, which only the span test can credit.
Baseline in the same run, on the same parse: the PERSON entity nearest to the quote in its
sentence(s), given the gold quote span (so it is never penalised for detection).
Published anchor: BERT-based attribution models, about 82-83 speaker-span F1 (sentence level).

Dates (TempEval-3, ``DATE`` timexes only, the document's ``dct`` as publication date):
- end to end: precision / recall / F1 of (extent overlap and exact TimeML value); extent-only
  F1 alongside;
- normalisation only: value accuracy on the gold extents.
Baseline in the same run: dateparser (``RELATIVE_BASE`` = dct) with its own ``search_dates``
end to end, and ``DateDataParser`` on the gold extents; its period (day/week/month/year) sets
the value's precision. Published anchor (TempEval-3 test set, all types): HeidelTime value F1
77.6, relaxed extent F1 90.3.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

PRONOUNS = {"he", "she", "they", "i", "we", "it", "you", "him", "her", "them"}


def read(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rows.append(json.loads(line))
            if limit and len(rows) >= limit:
                break
    return rows


def prf(tp_p: int, n_p: int, tp_r: int, n_r: int) -> tuple[float, float, float]:
    p = tp_p / n_p if n_p else 0.0
    r = tp_r / n_r if n_r else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def table(title: str, header: list[str], rows: Iterable[list[str]]) -> None:
    rows = list(rows)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    print("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  " + "  ".join("-" * w for w in widths))
    for row in rows:
        print("  " + "  ".join(str(x).ljust(w) for x, w in zip(row, widths, strict=True)))


# --- quotes ---------------------------------------------------------------------------------


def name_match(ours: str | None, gold: str | None) -> bool:
    if not ours or not gold:
        return False
    a = re.findall(r"[a-z]+", ours.lower())
    b = re.findall(r"[a-z]+", gold.lower())
    if not a or not b or b == [p for p in b if p in PRONOUNS]:
        return False
    return a[-1] in b or b[-1] in a


def quotes_eval(rows: list[dict[str, Any]], nlp: Any) -> dict[str, float]:
    from tidings.analyze._nlp import parse_articles
    from tidings.analyze.entities import find_entities
    from tidings.analyze.quotes import find_quotes
    from tidings.records import Article
    from tidings.segment import segment

    articles = [
        Article(id=f"d{i}", source=row["doc_id"], text=row["text"]) for i, row in enumerate(rows)
    ]
    sentences = {a.id: segment(a) for a in articles}
    paragraphs = parse_articles(nlp, articles, sentences)
    n_gold = found = n_ours = ours_ok = 0
    n_mixed = mixed_found = 0
    matched = ours_speaker = base_speaker = base_speaker_all = 0
    for article, row in zip(articles, rows, strict=True):
        paras = {article.id: paragraphs[article.id]}
        index = find_entities([article], paras)
        mentions = find_quotes([article], paras, index)
        gold = [q for q in row["quotes"] if q["quote_type"] == "direct"]
        gold_any = [q for q in row["quotes"] if q["quote_type"] in ("direct", "mixed")]
        n_ours += len(mentions)
        ours_ok += sum(
            any(overlaps((m.span.start, m.span.end), (g["start"], g["end"])) for g in gold_any)
            for m in mentions
        )
        for g in (q for q in row["quotes"] if q["quote_type"] == "mixed"):
            n_mixed += 1
            mixed_found += any(
                overlaps((m.span.start, m.span.end), (g["start"], g["end"])) for m in mentions
            )
        persons = [
            (p.start + e.start_char, p.start + e.end_char, e.text)
            for p in paragraphs[article.id]
            for e in p.doc.ents
            if e.label_ == "PERSON"
        ]
        for g in gold:
            n_gold += 1
            span = (g["start"], g["end"])
            gold_speaker = (g.get("speaker_start"), g.get("speaker_end"))
            base_ok = _nearest_person_ok(
                article.text, sentences[article.id], persons, span, gold_speaker, g.get("speaker")
            )
            base_speaker_all += base_ok
            # A gold quote can span several quoted fragments ("“...,” he said. “...”"); the
            # fragment that carries the attribution represents our answer.
            best = max(
                (m for m in mentions if overlaps((m.span.start, m.span.end), span)),
                key=lambda m: (
                    m.cue is not None,
                    min(m.span.end, span[1]) - max(m.span.start, span[0]),
                ),
                default=None,
            )
            if best is None:
                continue
            found += 1
            matched += 1
            base_speaker += base_ok
            ok = (
                best.speaker_span is not None
                and gold_speaker[0] is not None
                and overlaps(best.speaker_span, gold_speaker)  # type: ignore[arg-type]
            ) or name_match(best.speaker, g.get("speaker"))
            ours_speaker += ok
    p, r, f = prf(ours_ok, n_ours, found, n_gold)
    return {
        "gold": n_gold,
        "ours": n_ours,
        "precision": p,
        "recall": r,
        "f1": f,
        "mixed_recall": mixed_found / n_mixed if n_mixed else 0.0,
        "speaker_ours": ours_speaker / matched if matched else 0.0,
        "speaker_base": base_speaker / matched if matched else 0.0,
        "e2e_ours": ours_speaker / n_gold if n_gold else 0.0,
        "e2e_base": base_speaker_all / n_gold if n_gold else 0.0,
    }


def _nearest_person_ok(
    text: str,
    sentences: Any,
    persons: list[tuple[int, int, str]],
    span: tuple[int, int],
    gold_speaker: tuple[Any, Any],
    gold_name: str | None,
) -> bool:
    """Baseline: the PERSON entity nearest the quote within the sentences it overlaps."""
    lo = min((s.start for s in sentences if overlaps((s.start, s.end), span)), default=span[0])
    hi = max((s.end for s in sentences if overlaps((s.start, s.end), span)), default=span[1])
    candidates = [
        p for p in persons if lo <= p[0] and p[1] <= hi and not overlaps((p[0], p[1]), span)
    ]
    if not candidates:
        return False
    nearest = min(candidates, key=lambda p: span[0] - p[1] if p[1] <= span[0] else p[0] - span[1])
    if gold_speaker[0] is not None and overlaps((nearest[0], nearest[1]), gold_speaker):
        return True
    return name_match(nearest[2], gold_name)


def run_quotes(train_docs: int) -> None:
    try:
        from tidings.analyze import load_model

        nlp = load_model()
    except Exception as exc:  # the benchmark reports, never crashes, on a missing model
        print(f"\nquotes: skipped ({exc})")
        return
    rows_out = []
    for split, path, limit in (
        (
            f"train[:{train_docs}] (tuned)",
            DATA / "attribution" / "polnear_train.jsonl.gz",
            train_docs,
        ),
        ("dev (held out)", DATA / "attribution" / "polnear_dev.jsonl.gz", None),
    ):
        t0 = time.perf_counter()
        res = quotes_eval(read(path, limit), nlp)
        seconds = time.perf_counter() - t0
        rows_out.append(
            [
                split,
                str(res["gold"]),
                str(res["ours"]),
                f"{res['precision']:.3f}",
                f"{res['recall']:.3f}",
                f"{res['f1']:.3f}",
                f"{res['mixed_recall']:.3f}",
                f"{res['speaker_ours']:.3f}",
                f"{res['speaker_base']:.3f}",
                f"{res['e2e_ours']:.3f}",
                f"{res['e2e_base']:.3f}",
                f"{seconds:.0f}s",
            ]
        )
    table(
        "PolNeAR direct quotes: detection (quotes-rules.v1) and speaker attribution",
        [
            "split",
            "gold",
            "ours",
            "P",
            "R",
            "F1",
            "R mixed",
            "spk ours",
            "spk base",
            "e2e ours",
            "e2e base*",
            "time",
        ],
        rows_out,
    )
    print(
        "  spk = speaker accuracy on the gold direct quotes we found (same quotes for both);\n"
        "  e2e = correct speaker / all gold direct quotes (*baseline is given the gold quote spans);\n"
        "  base = nearest PERSON entity in the quote's sentence(s). Anchor: BERT models ~82-83 speaker F1."
    )


# --- dates ----------------------------------------------------------------------------------


def dct_of(row: dict[str, Any]) -> date:
    return date.fromisoformat(row["dct"][:10])


def ours_tagger(text: str, dct: date) -> list[tuple[int, int, str, str | None]]:
    from tidings.analyze.timex import tag

    return [(t.start, t.end, t.type, t.value) for t in tag(text, dct)]


def ours_normaliser(text: str, start: int, end: int, dct: date) -> str | None:
    from tidings.analyze.timex import tag

    found = tag(text, dct, start, end)
    dates = [t for t in found if t.type == "DATE"] or found
    return dates[0].value if dates else None


def _dateparser_value(obj: datetime | None, period: str | None) -> str | None:
    if obj is None:
        return None
    if period == "year":
        return f"{obj.year:04d}"
    if period == "month":
        return f"{obj.year:04d}-{obj.month:02d}"
    if period == "week":
        iso = obj.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    return obj.date().isoformat()


def _dateparser(dct: date) -> Any:
    from dateparser.date import DateDataParser

    base = datetime(dct.year, dct.month, dct.day)
    return DateDataParser(
        languages=["en"], settings={"RELATIVE_BASE": base, "RETURN_TIME_AS_PERIOD": True}
    )


def dateparser_tagger(text: str, dct: date) -> list[tuple[int, int, str, str | None]]:
    from dateparser.search import search_dates

    base = datetime(dct.year, dct.month, dct.day)
    settings = {"RELATIVE_BASE": base, "RETURN_TIME_AS_PERIOD": True}
    found = search_dates(text, languages=["en"], settings=settings) or []
    parser = _dateparser(dct)
    out, pos = [], 0
    for surface, _ in found:
        at = text.find(surface, pos)
        if at < 0:
            continue
        pos = at + len(surface)
        data = parser.get_date_data(surface)
        kind = (
            "TIME" if data.period == "time" and re.search(r"\d:\d|a\.?m|p\.?m", surface) else "DATE"
        )
        out.append((at, at + len(surface), kind, _dateparser_value(data.date_obj, data.period)))
    return out


def dateparser_normaliser(text: str, start: int, end: int, dct: date) -> str | None:
    data = _dateparser(dct).get_date_data(text[start:end])
    return _dateparser_value(data.date_obj, data.period)


def timex_eval(
    rows: list[dict[str, Any]],
    tagger: Callable[[str, date], list[tuple[int, int, str, str | None]]],
    normaliser: Callable[[str, int, int, date], str | None],
) -> dict[str, float]:
    n_gold = n_sys = tp_p = tp_r = ext_p = ext_r = norm_ok = 0
    for row in rows:
        dct = dct_of(row)
        gold = [g for g in row["timexes"] if g["type"] == "DATE"]
        system = [s for s in tagger(row["text"], dct) if s[2] == "DATE"]
        n_gold += len(gold)
        n_sys += len(system)
        for s in system:
            hits = [g for g in gold if overlaps((s[0], s[1]), (g["start"], g["end"]))]
            ext_p += bool(hits)
            tp_p += any(g["value"] == s[3] for g in hits)
        for g in gold:
            hits = [s for s in system if overlaps((s[0], s[1]), (g["start"], g["end"]))]
            ext_r += bool(hits)
            tp_r += any(g["value"] == s[3] for s in hits)
            norm_ok += normaliser(row["text"], g["start"], g["end"], dct) == g["value"]
    p, r, f = prf(tp_p, n_sys, tp_r, n_gold)
    _, _, ext_f = prf(ext_p, n_sys, ext_r, n_gold)
    return {
        "gold": n_gold,
        "sys": n_sys,
        "p": p,
        "r": r,
        "f1": f,
        "extent_f1": ext_f,
        "norm": norm_ok / n_gold,
    }


def run_timex() -> None:
    systems: list[tuple[str, Callable[..., Any], Callable[..., Any]]] = [
        ("timex-rules.v1", ours_tagger, ours_normaliser)
    ]
    try:
        import dateparser  # noqa: F401

        systems.append(("dateparser (baseline)", dateparser_tagger, dateparser_normaliser))
    except ImportError:
        print("\ndates: dateparser is not installed, the baseline row is skipped")
    out = []
    for split, name in (("TimeBank (tuned)", "timebank"), ("AQUAINT (held out)", "aquaint")):
        rows = read(DATA / "timex" / f"{name}.jsonl.gz")
        for system, tagger, normaliser in systems:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # dateparser's own deprecation noise
                res = timex_eval(rows, tagger, normaliser)
            out.append(
                [
                    split,
                    system,
                    str(res["gold"]),
                    str(res["sys"]),
                    f"{res['p']:.3f}",
                    f"{res['r']:.3f}",
                    f"{res['f1']:.3f}",
                    f"{res['extent_f1']:.3f}",
                    f"{res['norm']:.3f}",
                    f"{time.perf_counter() - t0:.1f}s",
                ]
            )
    table(
        "TempEval-3 DATE timexes (value = exact TimeML value, dct as publication date)",
        [
            "split",
            "system",
            "gold",
            "sys",
            "value P",
            "value R",
            "value F1",
            "extent F1",
            "norm acc*",
            "time",
        ],
        out,
    )
    print(
        "  *norm acc = value accuracy given the gold extents. Anchor (TempEval-3 test, all types):\n"
        "   HeidelTime value F1 77.6, relaxed extent F1 90.3."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=("all", "quotes", "timex"), default="all")
    parser.add_argument(
        "--train-docs", type=int, default=100, help="PolNeAR train articles to score"
    )
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(
            f"bench_analysis: skipped, development data not found at {DATA} (a fresh clone has no ../shared)"
        )
        return 0
    print(
        f"$ python benchmarks/bench_analysis.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip()
    )
    print(f"run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    if args.task in ("all", "timex"):
        run_timex()
    if args.task in ("all", "quotes"):
        run_quotes(args.train_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
