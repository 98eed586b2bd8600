"""Reading articles: every seed format, and files that must be skipped with a reason."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from qa.articles import ArticleError, SourceFile, parse_article, scan_corpus
from tests.conftest import ROOT, SEEDS


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


def test_a_one_paragraph_html_body_is_markup_too(tmp_path):
    body = "<p>Het KNMI mat 40,7 graden. Nooit was het warmer.</p>"
    post = f"---\ntitle: Hitterecord\ndate: 2019-07-25\n---\n{body}\n"
    article = parse_article(write(tmp_path, "hitte.md", post))
    assert article.text == "Het KNMI mat 40,7 graden. Nooit was het warmer."
    # A lone <br> in Markdown does not make it markup.
    note = parse_article(write(tmp_path, "noot.md", "# Noot\n\nEerste regel<br>tweede regel.\n"))
    assert "Eerste regel<br>tweede regel." in note.text


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


def test_toml_front_matter_as_hugo_writes_it(tmp_path):
    article = parse_article(
        write(
            tmp_path,
            "c.md",
            '+++\ntitle = "Meer geld voor opvang"\ndate = 2022-01-12T09:00:00+01:00\n'
            'categories = ["binnenland"]\n+++\n\nHet kabinet verhoogt de steun aan gemeenten.\n',
        )
    )
    assert (article.title, article.date, article.category) == (
        "Meer geld voor opvang",
        "2022-01-12",
        "binnenland",
    )
    assert article.text == "Het kabinet verhoogt de steun aan gemeenten."


def test_windows_1252_file_is_read(tmp_path):
    article = parse_article(write(tmp_path, "d.txt", "Een financi\xeble crisis.".encode("cp1252")))
    assert article.text == "Een financiële crisis."


def test_non_http_url_is_dropped(tmp_path):
    article = parse_article(write(tmp_path, "e.md", "---\nurl: javascript:alert(1)\n---\nTekst.\n"))
    assert article.url is None


def test_a_title_and_its_date_on_consecutive_lines_give_both(tmp_path):
    text = "Nieuw opvangplan\n12 januari 2022\n\nHet kabinet heeft dinsdag een plan gepresenteerd.\n"
    article = parse_article(write(tmp_path, "opvang.txt", text))
    assert (article.title, article.date) == ("Nieuw opvangplan", "2022-01-12")
    assert paragraphs(article)[1].startswith("Het kabinet heeft dinsdag")


def test_front_matter_may_name_its_fields_as_exports_do(tmp_path):
    dutch = parse_article(
        write(tmp_path, "a.md", "---\ntitel: Dijk\ndatum: 2020-06-15\ncategorie: regio\n---\nTekst.\n")
    )
    assert (dutch.title, dutch.date, dutch.category) == ("Dijk", "2020-06-15", "regio")
    # Jekyll's "published: true" shows a post; it is no date.
    jekyll = parse_article(
        write(tmp_path, "b.md", "---\ntitle: Dijk\npublished: true\n---\nTekst over de dijk.\n")
    )
    assert (jekyll.title, jekyll.date) == ("Dijk", None)


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("15 juni 2020", "2020-06-15"),
        ("maandag 15 juni 2020", "2020-06-15"),
        ("Thursday, November 2, 2023", "2023-11-02"),  # a weekday before an English date too
    ],
)
def test_front_matter_may_write_its_date_in_words(tmp_path, written, date):
    article = parse_article(
        write(tmp_path, "a.md", f"---\ntitle: Dijk\ndate: {written}\n---\nTekst over de dijk.\n")
    )
    assert article.date == date


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", "   \n\n", "empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("tags.html", "<html><script>x()</script></html>", "no text"),
        ("broken.md", "---\ntitle: [unclosed\n---\nTekst.\n", "broken front matter"),
        ("unclosed.md", "---\ntitle: x\nTekst zonder einde van de kop.\n", "no closing"),
        ("unclosed_toml.md", '+++\ntitle = "x"\nTekst zonder einde van de kop.\n', "no closing '\\+\\+\\+'"),
        ("broken_toml.md", '+++\ntitle = "x\n+++\nTekst.\n', "broken front matter"),
        ("baddate.md", "---\ndate: gisteren\n---\nTekst.\n", "'date'"),
    ],
)
def test_unreadable_files_raise_with_reason(tmp_path, name, content, reason):
    with pytest.raises(ArticleError, match=reason):
        parse_article(write(tmp_path, name, content))


def _nested_page(depth: int) -> str:
    story = "<p>De gemeenteraad stemde dinsdag in met het plan voor een nieuwe brug over de rivier.</p>"
    body = f"{'<div>' * depth}{story}{'</div>' * depth}"
    return f"<html><head><title>Brug</title></head><body>{body}</body></html>"


def test_a_page_nested_past_the_parsers_limit_says_so_and_one_within_it_is_read(tmp_path):
    # trafilatura (libxml2) reads nothing of a page nested deeper than 255 elements: the reason
    # names the depth, not an empty page.
    with pytest.raises(ArticleError, match="nests 1003 elements deep; past 255"):
        parse_article(write(tmp_path, "deep.html", _nested_page(1000)))
    article = parse_article(write(tmp_path, "ok.html", _nested_page(200)))
    assert article.text.startswith("De gemeenteraad stemde dinsdag in")
    # Unclosed paragraphs and list items close at their next sibling: they do not count as depth.
    flat = (
        "<html><body><article>"
        + "<p>Een zin over de brug die de raad wil bouwen." * 400
        + "</article></body></html>"
    )
    assert "Een zin over de brug" in parse_article(write(tmp_path, "flat.html", flat)).text


def test_scan_skips_hidden_and_other_files(tmp_path):
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.TXT").write_text("Tekst.")
    assert [s.id for s in scan_corpus(tmp_path)] == ["sub/a.TXT"]


# --- the file shapes of real archives: date, title and first sentence of each ---------------------


def page(head: str, story: str, title: str = "Dijk bij Roermond houdt het | Nieuwsblad West") -> str:
    """A saved news page: the story wrapped in a cookie banner, navigation, share buttons,
    related links, a script and a footer, as sites publish them."""
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title>{head}
<script>window.dataLayer = [{{"pageType": "article"}}];</script></head>
<body>
<div class="cookie-banner">Nieuwsblad West gebruikt cookies om de website goed te laten werken.
  <button>Akkoord</button></div>
<header><a class="logo" href="/">Nieuwsblad West</a>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/regio">Regio</a></li>
  <li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
  <h1>Dijk bij Roermond houdt het</h1>
  {story}
  <p>De dijk bij Roermond heeft de hoogste waterstand in dertig jaar doorstaan. Dat meldt het
  waterschap vrijdagochtend. Honderden vrijwilligers legden de hele nacht zandzakken.</p>
  <h2>Evacuatie afgeblazen</h2>
  <p>De evacuatie van drie wijken gaat niet door. Bewoners mogen vanaf vanmiddag terug naar huis.
  Het water zakt naar verwachting het hele weekend.</p>
  <div class="share">Deel dit artikel: <a href="#">Facebook</a> <a href="#">WhatsApp</a></div>
</article>
<aside class="related"><h3>Gerelateerd</h3><ul>
  <li><a href="/a">Zandzakken op in Venlo</a></li><li><a href="/b">Maas bereikt piek</a></li></ul></aside>
</main>
<footer><p>&copy; 2021 Nieuwsblad West. Alle rechten voorbehouden.</p>
  <p><a href="/privacy">Privacy</a> | <a href="/colofon">Colofon</a></p></footer>
</body></html>
"""


FIRST_SENTENCE = "De dijk bij Roermond heeft de hoogste waterstand in dertig jaar doorstaan."


def paragraphs(article) -> list[str]:
    return article.text.split("\n\n")


@pytest.mark.parametrize(
    ("head", "story", "date"),
    [
        ('<meta property="article:published_time" content="2021-07-16T09:30:00+02:00">', "", "2021-07-16"),
        ('<meta name="date" content="2021-07-16">', "", "2021-07-16"),
        (
            "",
            '<div class="meta">Door Jeroen Smeets, <time datetime="2021-07-16">16 juli</time></div>',
            "2021-07-16",
        ),
        (
            "",
            '<p class="story-meta">Door Jeroen Smeets | Gepubliceerd: 16 juli 2021, 11:04</p>',
            "2021-07-16",
        ),
        # A revision date in the byline does not pass for the date the story appeared.
        ("", "<p>Bijgewerkt: 18 juli 2021 · Gepubliceerd: 16 juli 2021</p>", "2021-07-16"),
        # The date in <time>, its label left behind: no paragraph of the story.
        ("", '<p>Gepubliceerd <time datetime="2021-07-16T09:30">16 juli</time></p>', "2021-07-16"),
        # The author after the date, with no separator between.
        ("", "<p>Geplaatst op 16 juli 2021 om 11:04 door Redactie</p>", "2021-07-16"),
        # The full date in microdata, the page showing only day and month beside the headline.
        (
            "",
            '<span itemprop="datePublished" content="2021-07-16T09:30:00">vr 16 jul. 09:30</span>',
            "2021-07-16",
        ),
        ("", '<abbr class="published" title="2021-07-16T09:30:00">16 juli</abbr>', "2021-07-16"),
    ],
    ids=[
        "published_time",
        "meta_date",
        "time_element",
        "byline",
        "byline_updated_first",
        "time_label",
        "byline_author_after",
        "itemprop_day_and_month",
        "abbr_day_and_month",
    ],
)
def test_html_page_date_title_and_first_sentence(tmp_path, head, story, date):
    article = parse_article(write(tmp_path, "dijk.html", page(head, story)))
    assert article.date == date
    assert article.title == "Dijk bij Roermond houdt het"
    # The headline opens the text on its own, the story follows with its first sentence.
    assert paragraphs(article)[0] == "Dijk bij Roermond houdt het"
    assert paragraphs(article)[1].startswith(FIRST_SENTENCE + " Dat meldt")


def test_html_page_boilerplate_is_not_article_text(tmp_path):
    article = parse_article(write(tmp_path, "dijk.html", page("", "")))
    assert paragraphs(article) == [
        "Dijk bij Roermond houdt het",
        FIRST_SENTENCE + " Dat meldt het waterschap vrijdagochtend. Honderden vrijwilligers legden de "
        "hele nacht zandzakken.",
        "Evacuatie afgeblazen",  # a heading is a paragraph of its own, never glued to a sentence
        "De evacuatie van drie wijken gaat niet door. Bewoners mogen vanaf vanmiddag terug naar huis. "
        "Het water zakt naar verwachting het hele weekend.",
    ]
    for chrome in ("cookies", "Akkoord", "Home", "Regio", "Deel dit artikel", "Gerelateerd", "Venlo", "©"):
        assert chrome not in article.text
    assert article.date is None  # the footer's year is not a publication date


@pytest.mark.parametrize(
    ("title", "head"),
    [
        ("Dijk bij Roermond houdt het | Nieuwsblad West", ""),
        (
            "Dijk bij Roermond houdt het - Hofstad Nieuws",
            '<meta property="og:site_name" content="Hofstad Nieuws">',
        ),
        ("Dijk bij Roermond houdt het — Wereldblik", ""),
        ("Dijk bij Roermond houdt het – Finishvlag.nl", ""),
        ("Nieuwsblad West", '<meta property="og:title" content="Dijk bij Roermond houdt het">'),
    ],
    ids=["pipe", "dash_site_name", "em_dash", "en_dash", "og_title"],
)
def test_html_title_loses_the_site_name(tmp_path, title, head):
    article = parse_article(write(tmp_path, "dijk.html", page(head, "", title=title)))
    assert article.title == "Dijk bij Roermond houdt het"
    assert paragraphs(article)[1].startswith(FIRST_SENTENCE)


def test_title_suffix_guess_keeps_a_long_last_part(tmp_path):
    # Without a headline or site name to match, only a short last part is taken for a site name.
    markup = "<html><head><title>Rutte - Een kabinet dat de crisis wil aanpakken met steun</title></head>"
    article = parse_article(
        write(tmp_path, "t.html", markup + "<body><p>Tekst van het stuk.</p></body></html>")
    )
    assert article.title == "Rutte - Een kabinet dat de crisis wil aanpakken met steun"


MARKDOWN_BODY = (
    "Nederland neemt honderd bewoners op van het afgebrande kamp Moria. Onder hen zijn vijftig\n"
    "alleenstaande minderjarigen.\n\n## Slapen langs de weg\n\nDuizenden mensen slapen in de berm.\n"
)


@pytest.mark.parametrize(
    ("byline", "date"),
    [
        ("Datum: 11 september 2020", "2020-09-11"),
        ("*Gepubliceerd op 11 september 2020*", "2020-09-11"),
        ("_Published: September 11, 2020_", "2020-09-11"),
        ("**Gepubliceerd:** september 2020", "2020-09"),
        ("*Geplaatst op 11 september 2020 door Sanne de Wit*", "2020-09-11"),
    ],
    ids=["datum", "gepubliceerd_op", "published_en", "month_only", "author_after"],
)
def test_markdown_byline_gives_the_date_and_leaves_the_text(tmp_path, byline, date):
    article = parse_article(
        write(tmp_path, "moria.md", f"# Honderd mensen uit Moria\n\n{byline}\n\n{MARKDOWN_BODY}")
    )
    assert article.date == date
    assert article.title == "Honderd mensen uit Moria"
    assert paragraphs(article) == [
        "Honderd mensen uit Moria",
        "Nederland neemt honderd bewoners op van het afgebrande kamp Moria. Onder hen zijn vijftig "
        "alleenstaande minderjarigen.",
        "Slapen langs de weg",
        "Duizenden mensen slapen in de berm.",
    ]


@pytest.mark.parametrize(
    ("head", "byline"),
    [
        ("Honderd mensen uit Moria\n========================", "Datum: 11 september 2020"),
        ("Honderd mensen uit Moria\n---", "*Gepubliceerd op 11 september 2020*"),
        ("# Honderd mensen uit Moria", "> Gepubliceerd op 11 september 2020"),
    ],
    ids=["setext_title", "setext_dashes", "quoted_byline"],
)
def test_markdown_setext_title_and_quoted_lines(tmp_path, head, byline):
    body = MARKDOWN_BODY + '\n> "We doen wat we kunnen," zegt de minister.\n'
    article = parse_article(write(tmp_path, "moria.md", f"{head}\n\n{byline}\n\n{body}"))
    assert article.date == "2020-09-11"
    assert article.title == "Honderd mensen uit Moria"
    assert paragraphs(article)[:2] == [
        "Honderd mensen uit Moria",
        "Nederland neemt honderd bewoners op van het afgebrande kamp Moria. Onder hen zijn vijftig "
        "alleenstaande minderjarigen.",
    ]
    # A quote's mark is no part of its text.
    assert paragraphs(article)[-1] == '"We doen wat we kunnen," zegt de minister.'


def test_a_sentence_that_mentions_publication_is_not_a_byline(tmp_path):
    text = "Het rapport werd gepubliceerd op 3 april 2018. Het telt 200 pagina's.\n"
    article = parse_article(write(tmp_path, "r.txt", text))
    assert article.date is None
    assert article.text == text.strip()


@pytest.mark.parametrize(
    ("opening", "date", "line"),
    [
        ("Den Haag, 16 maart 2017 – ", "2017-03-16", "Den Haag, 16 maart 2017"),
        ("Den Haag, 16 maart 2017\n\n", "2017-03-16", "Den Haag, 16 maart 2017"),
        # A long place of another language (found by the archives written blind).
        (
            "La Super Planche des Belles Filles, 31 juli 2022 – ",
            "2022-07-31",
            "La Super Planche des Belles Filles, 31 juli 2022",
        ),
        # The title on a line of its own before the dateline; a dash after the place.
        (
            "Uitslag van de verkiezingen\n\nAMSTERDAM, 12 januari 2022 - ",
            "2022-01-12",
            "AMSTERDAM, 12 januari 2022",
        ),
        (
            "Uitslag van de verkiezingen\n\nDen Haag - 12 januari 2022 - ",
            "2022-01-12",
            "Den Haag - 12 januari 2022",
        ),
        # A news agency's dateline has no date; it is split off all the same.
        ("AMSTERDAM (ANP) - ", None, "AMSTERDAM (ANP)"),
        ("Den Haag (Reuters) – ", None, "Den Haag (Reuters)"),
        ("ROTTERDAM - ", None, "ROTTERDAM"),  # a place in capitals alone, as newspapers write it
    ],
)
def test_plain_text_dateline_gives_the_date_and_its_own_paragraph(tmp_path, opening, date, line):
    text = (
        f"{opening}De VVD van premier Rutte is opnieuw de grootste partij geworden. "
        "De partij komt uit op 33 zetels.\n\nDe opkomst was hoog.\n"
    )
    article = parse_article(write(tmp_path, "uitslag.txt", text))
    titled = opening.startswith("Uitslag")
    assert article.date == date
    assert article.title == (
        "Uitslag van de verkiezingen"
        if titled
        else "De VVD van premier Rutte is opnieuw de grootste partij geworden."
    )
    story = paragraphs(article)[1:] if titled else paragraphs(article)
    assert story[0] == line  # the place stays readable
    assert story[1].startswith("De VVD van premier Rutte is opnieuw de grootste partij")


@pytest.mark.parametrize(
    "opening",
    [
        "Mark Rutte (VVD) - De VVD van premier Rutte",  # a party, not an agency, after a name
        "Den Haag (ANP) - de VVD van premier Rutte",  # no story starts in lower case
    ],
)
def test_a_name_and_brackets_before_a_dash_are_no_agency_dateline(tmp_path, opening):
    text = f"{opening} is opnieuw de grootste partij geworden. De partij komt uit op 33 zetels.\n"
    article = parse_article(write(tmp_path, "uitslag.txt", text))
    assert paragraphs(article)[0].startswith(opening)


@pytest.mark.parametrize(
    ("name", "head"),
    [
        # The title, and its date or byline, on lines straight above the story.
        ("a.txt", "Uitslag van de verkiezingen\n"),
        ("b.txt", "Titel: Uitslag van de verkiezingen\nDatum: 2022-01-12\n"),
        ("c.md", "Titel: Uitslag van de verkiezingen\nDatum: 12 januari 2022\n\n"),
        ("d.txt", "Uitslag van de verkiezingen\nDoor onze verslaggever\n\n"),
        ("e.txt", "Uitslag van de verkiezingen\n\nDoor Annelies Kramer\n\n"),
        ("f.txt", "Titel: Uitslag van de verkiezingen\nDatum: 12 januari 2022\nAuteur: Annelies Kramer\n\n"),
    ],
)
def test_a_title_line_label_and_byline_above_the_story_are_no_part_of_it(tmp_path, name, head):
    story = (
        "De VVD van premier Rutte is opnieuw de grootste partij geworden. De partij komt uit op 33 zetels."
    )
    article = parse_article(write(tmp_path, name, f"{head}{story}\n\nDe opkomst was hoog.\n"))
    assert article.title == "Uitslag van de verkiezingen"
    assert article.date == ("2022-01-12" if "Datum" in head else None)
    assert paragraphs(article)[:2] == ["Uitslag van de verkiezingen", story]


def test_a_quoted_title_and_a_rubric_above_the_title_are_no_part_of_the_story(tmp_path):
    story = "De premier zei donderdag dat het kabinet doorgaat. Critici vinden het te traag."
    quoted = parse_article(write(tmp_path, "a.txt", f"Premier: ‘We gaan door’\n{story}\n"))
    assert quoted.title == "Premier: ‘We gaan door’"
    assert paragraphs(quoted) == ["Premier: ‘We gaan door’", story]
    # A statement's closing quote follows its full stop: no title.
    said = parse_article(write(tmp_path, "b.txt", f"Rutte: ‘We gaan door.’\n{story}\n"))
    assert said.text == f"Rutte: ‘We gaan door.’ {story}"
    rubric = parse_article(write(tmp_path, "c.txt", f"CORONA\nScholen dicht tot 6 april\n{story}\n"))
    assert paragraphs(rubric) == ["CORONA", "Scholen dicht tot 6 april", story]


def test_a_short_first_line_of_a_markdown_paragraph_is_the_authors_break_not_a_title(tmp_path):
    text = "Het kabinet\nheeft dinsdag besloten dat de grens voor asielzoekers dicht blijft tot de zomer.\n"
    article = parse_article(write(tmp_path, "a.md", text))
    assert paragraphs(article) == [" ".join(text.split())]


def test_pointers_to_other_stories_and_ad_labels_inside_an_article_are_no_text_of_it(tmp_path):
    html = (
        "<html><head><title>Meer geld voor opvang - Het Dagblad</title></head><body><article>"
        "<h1>Meer geld voor opvang</h1>"
        "<p><strong>DEN HAAG</strong> - Gemeenten krijgen volgend jaar 200 miljoen euro extra voor de "
        "opvang van asielzoekers. Dat heeft het kabinet woensdag besloten.</p>"
        "<p>Lees ook: Kabinet zoekt noodopvang in kazernes</p>"
        "<p>De VNG is blij met het geld, maar noemt het bedrag te laag. Zie ook hoofdstuk 3.</p>"
        "<p>Lees meer over: asiel, gemeenten</p><p>Advertentie</p></article></body></html>"
    )
    article = parse_article(write(tmp_path, "opvang.html", html))
    assert paragraphs(article) == [
        "Meer geld voor opvang",
        "DEN HAAG",
        "Gemeenten krijgen volgend jaar 200 miljoen euro extra voor de opvang van asielzoekers. "
        "Dat heeft het kabinet woensdag besloten.",
        "De VNG is blij met het geld, maar noemt het bedrag te laag. Zie ook hoofdstuk 3.",
    ]


def test_plain_text_without_a_date_stays_undated(tmp_path):
    text = (
        "De aardbeving bij Huizinge is de zwaarste ooit in het gasveld. Het KNMI mat 3,6.\n\n"
        "In 2012 kwamen binnen twee dagen ruim 500 schademeldingen binnen.\n"
    )
    article = parse_article(write(tmp_path, "beving.txt", text))
    assert article.date is None
    assert article.title == "De aardbeving bij Huizinge is de zwaarste ooit in het gasveld."
    assert article.text.startswith("De aardbeving bij Huizinge is de zwaarste ooit in het gasveld.")


@pytest.mark.parametrize(
    ("content", "date"),
    [
        (
            "---\ntitle: Moria\ndate: 2020-09-12\n---\n*Gepubliceerd op 11 september 2020*\n\nTekst.\n",
            "2020-09-12",
        ),
        (" date 2017-03 Den Haag, 16 maart 2017 – De VVD is de grootste.\n", "2017-03"),
    ],
    ids=["front_matter", "date_header"],
)
def test_a_date_in_the_body_never_overrides_the_stated_one(tmp_path, content, date):
    article = parse_article(write(tmp_path, "a.md", content))
    assert article.date == date
    assert "Gepubliceerd" not in article.text and "–" not in article.text


@pytest.mark.parametrize(
    "byline", ["Datum: 1 januari 2999", "Datum: 3 mei 1850", "Gepubliceerd: 31 februari 2020"]
)
def test_future_ancient_or_impossible_dates_are_not_publication_dates(tmp_path, byline):
    article = parse_article(write(tmp_path, "a.md", f"# Kop\n\n{byline}\n\nTekst van het stuk.\n"))
    assert article.date is None


def test_hard_wrapped_text_keeps_its_headings_apart(tmp_path):
    wrapped = (
        " date 2024-06 President Biden heeft een besluit ondertekend dat het voor migranten veel\n\n"
        "moeilijker maakt om asiel aan te vragen aan de grens met Mexico. Zodra er gemiddeld meer\n\n"
        "dan 2500 mensen per dag worden aangehouden, gaat de grens dicht.\n\n"
        "Kritiek van links en rechts\n\n"
        "De maatregel ligt gevoelig in Bidens eigen partij. Progressieve Democraten vinden dat de\n\n"
        "president het asielrecht uitholt.\n"
    )
    assert paragraphs(parse_article(write(tmp_path, "w.txt", wrapped)))[1:] == [
        "Kritiek van links en rechts",
        "De maatregel ligt gevoelig in Bidens eigen partij. Progressieve Democraten vinden dat de "
        "president het asielrecht uitholt.",
    ]


def test_asking_does_not_import_the_page_extractors():
    # trafilatura and dateparser cost import time; only reading files (qa build) may pay it.
    heavy = "{'trafilatura', 'htmldate', 'dateparser'}"
    code = f"import sys, qa.answering, qa.cli; print(sorted({heavy} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


# The archives written blind (eval/fresh1 to eval/fresh15: 600 files in the dev archive's shapes,
# by writers who never saw this loader) read as cleanly as the dev archive: a date for every
# article, no mojibake left, no site chrome in the text.
BLIND = sorted((ROOT / "eval").glob("fresh*/corpus/*"))


@pytest.mark.parametrize("path", BLIND, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_article_written_blind_gets_its_date_and_clean_text(path):
    (source,) = [s for s in scan_corpus(path.parent) if s.id == path.name]
    article = parse_article(source)
    assert article.date is not None and article.title
    assert "Ã" not in article.text and "â€" not in article.text
    # Site chrome, not a word an article may use ("trackingcookies" in a story on privacy fines).
    chrome = re.findall(
        r"(?i)gebruikt cookies|gebruik van cookies|noodzakelijke cookies|cookie-?instellingen|cookiebeleid|"
        r"cookieverklaring|cookies accepteren|nieuwsbrief|lees ook|meer nieuws|alle rechten|©",
        article.text,
    )
    assert not chrome, chrome
