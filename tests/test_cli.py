"""The command line through main(argv): formats, exit codes, and every kind of bad input."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from tidings.cli import EXIT_NOTHING, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, main

ARTICLE = (
    "Officials in the coastal town of Brekka confirmed on Monday that the harbour bridge will close for "
    "repairs next spring. The mayor said the work would take about four months and cost 12 million crowns. "
    "Residents will be able to use a temporary ferry service during the closure."
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_brief_markdown_is_the_default(example_dir):
    code, out, err = run("brief", str(example_dir))
    assert code == EXIT_OK, err
    assert out.startswith("# ")
    assert "## Sources" in out and "[1]" in out
    assert "Traceback" not in out + err


def test_brief_json_follows_the_schema(example_dir):
    code, out, _ = run("brief", str(example_dir), "--format", "json", "--max-words", "100")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["schema"] == "tidings.brief/1"
    assert data["budget"] == {"max_words": 100, "max_sentences": None}
    assert {"extract", "segment", "dedupe", "summarize"} <= set(data["methods"])
    texts = {a["id"]: a["text"] for a in data["articles"]}
    for article in data["articles"]:
        assert {"id", "path", "title", "outlet", "published", "text"} <= set(article)
    for item in data["summary"]:
        assert item["corroboration"] == len(item["outlets"]) >= 1
        for c in item["citations"]:
            assert texts[c["article"]][c["start"] : c["end"]]
        first = item["citations"][0]
        assert texts[first["article"]][first["start"] : first["end"]] == item["text"]
    assert data["rejected"] == []


def test_brief_text_prints_summary_sentences_only(example_dir):
    code, out, err = run("brief", str(example_dir), "--max-words", "100", "--format", "text")
    assert code == EXIT_OK and err == ""
    lines = out.splitlines()
    assert lines and all(line.strip() for line in lines)
    assert sum(len(line.split()) for line in lines) <= 100
    assert not any(line.startswith(("#", "[", "*")) for line in lines)


def test_max_sentences(example_dir):
    code, out, _ = run("brief", str(example_dir), "--max-sentences", "2", "--format", "text")
    assert code == EXIT_OK
    assert len(out.splitlines()) <= 2


def test_extract_json(example_dir):
    code, out, _ = run("extract", str(example_dir / "002_fac3f59eecb8c957.txt"), "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["title"] == "Russia ready to work with US to save arms treaty, says Lavrov"
    assert {"text", "title", "published", "outlet", "authors"} <= set(data)
    assert "Enable Read mode" not in data["text"]


def test_extract_html(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Bridge to close | Brekka Post</title>"
        '<meta property="og:site_name" content="Brekka Post">'
        '<meta name="author" content="Ada Lund">'
        '<meta property="article:published_time" content="2024-03-04T08:00:00+01:00"></head>'
        f"<body><nav>Home | News | Sport</nav><article><h1>Bridge to close</h1><p>{ARTICLE}</p>"
        f"<p>{ARTICLE}</p></article><footer>Cookie policy</footer></body></html>",
        encoding="utf-8",
    )
    code, out, _ = run("extract", str(page))
    assert code == EXIT_OK
    data = json.loads(out)
    assert "harbour bridge" in data["text"] and "Cookie policy" not in data["text"]
    assert data["outlet"] == "Brekka Post"
    assert data["authors"] == ["Ada Lund"]
    assert data["published"].startswith("2024-03-04")


def test_jsonl_records(tmp_path: Path):
    path = tmp_path / "a.jsonl"
    rows = [
        {"text": ARTICLE, "title": "Bridge", "outlet": "Brekka Post", "published": "2024-03-04"},
        {
            "text": ARTICLE.replace("Monday", "Tuesday"),
            "outlet": "Coast News",
            "url": "https://coast.example/b",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out, _ = run("brief", str(path), "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert [a.get("url") for a in data["articles"]] == [None, "https://coast.example/b"]
    assert data["articles"][0]["published"].startswith("2024-03-04")


# -- bad input ------------------------------------------------------------------------------


@pytest.fixture
def bad_inputs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "empty": tmp_path / "empty.txt",
        "binary": tmp_path / "binary.txt",
        "undecodable": tmp_path / "latin.txt",
        "unknown-extension": tmp_path / "notes.docx",
        "too-large": tmp_path / "big.txt",
        "bad-json": tmp_path / "broken.json",
        "bad-date": tmp_path / "undated.json",
    }
    files["empty"].write_bytes(b"   \n")
    files["binary"].write_bytes(gzip.compress(b"x" * 1000))
    files["undecodable"].write_bytes(ARTICLE.replace("crowns", "kr\xf8ner").encode("latin-1"))
    files["unknown-extension"].write_bytes(b"PK\x03\x04")
    files["too-large"].write_text(ARTICLE * 50, encoding="utf-8")
    files["bad-json"].write_text('{"text": "unterminated', encoding="utf-8")
    # A record's date that cannot be read is refused, not silently dropped from the article.
    files["bad-date"].write_text(
        json.dumps({"text": ARTICLE, "published": "1999-04-12 15:02T12:00:00Z"}), encoding="utf-8"
    )
    return files


def test_each_bad_input_is_named_with_its_reason(bad_inputs, example_dir):
    good = example_dir / "002_fac3f59eecb8c957.txt"
    code, out, err = run(
        "brief",
        str(good),
        *map(str, bad_inputs.values()),
        "--format",
        "json",
        "--max-bytes",
        "5000",
    )
    assert code == EXIT_PARTIAL
    rejected = {r["input"]: r for r in json.loads(out)["rejected"]}
    for reason, path in bad_inputs.items():
        assert rejected[str(path)]["reason"] == reason
        assert str(path) in err
    assert "Traceback" not in err


def test_nothing_usable_has_its_own_exit_code(bad_inputs):
    code, out, err = run("brief", *map(str, bad_inputs.values()), "--max-bytes", "5000")
    assert code == EXIT_NOTHING
    assert out == ""
    for path in bad_inputs.values():
        assert str(path) in err
    assert "Traceback" not in err


def test_folder_with_nothing_usable(tmp_path: Path):
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / ".hidden.txt").write_text(ARTICLE)
    code, _, err = run("brief", str(tmp_path))
    assert code == EXIT_NOTHING
    assert "image.png" in err and "unknown file type" in err
    assert "nothing usable" in err


def test_missing_file(tmp_path: Path):
    code, _, err = run("brief", str(tmp_path / "nope.txt"))
    assert code == EXIT_NOTHING
    assert "nope.txt" in err and "no such file" in err


def test_too_short_text_is_rejected(tmp_path: Path, example_dir):
    short = tmp_path / "short.txt"
    short.write_text("The town council met on Monday and approved next year's budget.\n")
    code, out, _err = run("brief", str(short), str(example_dir), "--format", "json")
    assert code == EXIT_PARTIAL
    assert json.loads(out)["rejected"][0]["reason"] == "too-short"


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["brief"],
        ["brief", "x", "--max-words", "0"],
        ["brief", "x", "--format", "pdf"],
        ["frobnicate"],
    ],
)
def test_usage_errors(argv):
    code, _, err = run(*argv)
    assert code == EXIT_USAGE
    assert "Traceback" not in err
