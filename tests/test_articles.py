"""Reading articles: every seed format, and files that must be skipped with a reason."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qa.articles import ArticleError, SourceFile, parse_article, scan_corpus
from tests.conftest import SEEDS


def source(path: Path) -> SourceFile:
    data = path.read_bytes()
    return SourceFile(path.name, path, data, hashlib.sha256(data).hexdigest())


def seed(name: str):
    return parse_article(source(next(SEEDS.glob(f"{name}_*.txt"))))


def write(tmp_path: Path, name: str, content: str | bytes) -> SourceFile:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return source(path)


def test_plain_text_with_date_header():
    article = seed("000")
    assert article.date == "2023-12"
    assert article.text.startswith("Mexico en Amerika hebben afspraken gemaakt")
    assert "date" not in article.text[:20]
    assert article.title.startswith("Mexico en Amerika hebben afspraken gemaakt")
    assert len(article.title) <= 91
    assert article.category is None and article.url is None


def test_paragraphs_are_kept():
    article = seed("001")
    assert article.date == "2017-02"
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) >= 8
    assert "'Pad van de dialoog'" in paragraphs


def test_hard_wrapped_text_is_reflowed():
    article = seed("002")
    assert article.date == "2025-05"
    # A wrapped line break in mid-sentence becomes a space, not a paragraph.
    assert "bekend gemaakt dat ze een aanbod van de Amerikaanse president" in article.text
    assert "georganiseerde misdaad" in article.text
    paragraphs = article.text.split("\n\n")
    assert 4 <= len(paragraphs) <= 12
    assert all(not p.startswith(("een ", "de ", "te ")) for p in paragraphs)
    assert paragraphs[0].endswith("drugshandel te versterken.")


def test_jekyll_post_with_front_matter_and_html_body():
    article = seed("004")
    assert article.title == "'Witte Huis wilde migranten overbrengen naar steden Democraten'"
    assert article.date == "2019-04-12"
    assert article.category == "buitenland"
    assert article.url == "http://feeds.nos.nl/~r/nosnieuwsbuitenland/~3/hW7LRmYwxaE/2280103"
    assert "<" not in article.text and ">" not in article.text
    assert "layout" not in article.text and "feature_image" not in article.text
    assert "Signaal" in article.text.split("\n\n")  # a heading is a paragraph of its own


def test_mojibake_is_repaired():
    article = seed("004")
    assert "financiële" in article.text
    assert "Ã" not in article.text


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_every_seed_is_clean(path):
    article = parse_article(source(path))
    assert article.text == article.text.strip()
    assert "  " not in article.text and "\n\n\n" not in article.text
    assert "Ã" not in article.text and "&amp;" not in article.text
    assert article.hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_html_file_drops_scripts_and_decodes_entities(tmp_path):
    article = parse_article(
        write(
            tmp_path,
            "a.html",
            (
                "<html><head><title>Grens &amp; migratie</title><script>alert(1)</script></head>"
                "<body><h1>Kop</h1><p>Eerste&nbsp;zin van het stuk.</p><style>p{}</style>"
                "<p>Tweede alinea met &eacute;&eacute;n woord.</p></body></html>"
            ),
        )
    )
    assert article.title == "Grens & migratie"
    assert article.text == "Kop\n\nEerste zin van het stuk.\n\nTweede alinea met één woord."


def test_markdown_heading_is_title(tmp_path):
    article = parse_article(
        write(
            tmp_path,
            "b.md",
            ("# Nieuwe grensregels\n\nDe regering **besloot** gisteren [meer](http://x.nl) te doen.\n"),
        )
    )
    assert article.title == "Nieuwe grensregels"
    assert article.text == "Nieuwe grensregels\n\nDe regering besloot gisteren meer te doen."


def test_front_matter_iso_date_and_categories_list(tmp_path):
    article = parse_article(
        write(
            tmp_path,
            "c.md",
            (
                "---\ntitle: Test\ndate: 2021-03-04\ncategories: [politiek, binnenland]\n"
                "url: https://example.org/x\n---\nTekst van het artikel.\n"
            ),
        )
    )
    assert (article.date, article.category, article.url) == (
        "2021-03-04",
        "politiek",
        "https://example.org/x",
    )


def test_windows_1252_file_is_read(tmp_path):
    article = parse_article(write(tmp_path, "d.txt", "Een financi\xeble crisis.".encode("cp1252")))
    assert article.text == "Een financiële crisis."


def test_non_http_url_is_dropped(tmp_path):
    article = parse_article(write(tmp_path, "e.md", "---\nurl: javascript:alert(1)\n---\nTekst.\n"))
    assert article.url is None


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "   \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("tags.html", "<html><script>x()</script></html>", "no text"),
        ("broken.md", "---\ntitle: [unclosed\n---\nTekst.\n", "broken front matter"),
        ("unclosed.md", "---\ntitle: x\nTekst zonder einde van de kop.\n", "no closing"),
        ("baddate.md", "---\ndate: gisteren\n---\nTekst.\n", "'date'"),
    ],
)
def test_unreadable_files_raise_with_reason(tmp_path, name, content, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(write(tmp_path, name, content))


def test_scan_skips_hidden_and_other_files(tmp_path):
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.TXT").write_text("Tekst.")
    assert [s.id for s in scan_corpus(tmp_path)] == ["sub/a.TXT"]
