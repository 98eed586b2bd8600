"""The page in a real headless Chromium: ask, follow a citation to its card and back, follow-ups, one
language per page, adding articles, and article text that never runs.

Needs Debian's chromium and chromium-driver and the selenium package; skipped, saying so, without them.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator

import pytest

import app
from qa.build import build_index
from qa.translations import TRANSLATIONS, say
from tests.conftest import ROOT, SEEDS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
INSTALL = "apt-get install -y chromium chromium-driver && pip install selenium==4.51.0"

webdriver = pytest.importorskip("selenium.webdriver", reason=f"selenium is not installed ({INSTALL})")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip(f"chromium or chromedriver is not installed ({INSTALL})", allow_module_level=True)

from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

PAGE_TITLE = "Nieuwsarchief — vragen en bronnen"
SCRIPT = "<script>document.title='pwned'</script>"
IMAGE = "<img src=x onerror=\"alert('xss')\">"
# Everything in it that a browser could run, in the title, the category and the text.
HOSTILE_ARTICLE = f"""---
title: "Kattenbibliotheek {SCRIPT}"
date: 2024-03-05
category: "<img src=x onerror=alert('xss')>"
url: "javascript:alert('xss')"
---
De gemeente Utrecht opent een kattenbibliotheek waar inwoners een kat kunnen lenen voor een
weekend. De folder toont {SCRIPT} als voorbeeld van gevaarlijke code.

Ook {IMAGE} en ${{document.title='pwned'}} en {{{{constructor.constructor('alert(1)')()}}}} staan erin.
De kattenbibliotheek telt veertig katten.
"""


@pytest.fixture(scope="module")
def url(tmp_path_factory, seed_index, encoder):
    """The app over the seed articles plus one hostile article, on a free loopback port."""
    root = tmp_path_factory.mktemp("browser")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS, corpus)
    (corpus / "kattenbibliotheek.txt").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    shutil.copytree(seed_index, index)
    build_index(corpus, index, encoder=encoder, log=lambda _: None)  # embeds just the new article
    settings = app.AppSettings(corpus=corpus, index=index, port=free_port())
    demo = app.build_app(settings)
    _, address, _ = app.launch(demo, settings, block=False)
    yield address
    demo.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def chromium(lang: str, width: int, height: int) -> Iterator[webdriver.Chrome]:
    """A headless Chromium whose language is `lang` and whose page is `width` × `height` pixels."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="qa-chromium-")
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        f"--lang={lang}",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": lang})
    # The driver from the system, so selenium never tries to download one.
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        # A headless window is at least 500 pixels wide: the page's size is set, not the window's.
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    with chromium("nl", 1400, 1000) as driver:
        yield driver


def ask(driver, url: str, question: str) -> WebDriverWait:
    driver.get(url)
    wait = WebDriverWait(driver, 60)
    box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-question textarea")))
    box.send_keys(question + "\n")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#qa-chat a.qa-cite")))
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "#qa-sources #source-1")))
    return wait


def no_alert(driver) -> bool:
    try:
        WebDriverWait(driver, 1).until(EC.alert_is_present())
    except TimeoutException:
        return True
    return False


def test_ask_and_follow_a_citation_to_its_card(browser, url, tmp_path):
    wait = ask(browser, url, "Welk aanbod wees Sheinbaum af?")
    # The interface follows the browser's language (Dutch here).
    assert "Voorbeeldvragen" in browser.find_element(By.TAG_NAME, "body").text
    cards = browser.find_elements(By.CSS_SELECTOR, "#qa-sources .qa-card")
    assert cards and any("Sheinbaum" in card.text for card in cards)
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-sources mark.qa-hl")
    assert browser.find_elements(By.CSS_SELECTOR, "#qa-timeline li")
    # Of the answer's sentences the best is shown strong: rendered as such, not as its tags.
    strong = browser.find_elements(By.CSS_SELECTOR, "#qa-chat .qa-answer strong")
    assert len(strong) == 1 and "aanbod" in strong[0].text
    assert "<strong>" not in browser.find_element(By.ID, "qa-chat").text

    link = browser.find_element(By.CSS_SELECTOR, "#qa-chat a.qa-cite")
    target = link.get_attribute("href").rsplit("#", 1)[1]
    link.click()
    wait.until(lambda d: d.execute_script("return location.hash") == f"#{target}")
    assert len(browser.window_handles) == 1  # followed in place, not in a new tab
    card = browser.find_element(By.ID, target)
    assert browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0", card
    )


def test_article_text_is_shown_as_text_and_never_runs(browser, url):
    ask(browser, url, "Wat opent de gemeente Utrecht voor katten?")
    card = next(
        c
        for c in browser.find_elements(By.CSS_SELECTOR, "#qa-sources .qa-card")
        if "Kattenbibliotheek" in c.text
    )
    card.find_element(By.CSS_SELECTOR, "details.qa-whole summary").click()
    shown = card.find_element(By.CSS_SELECTOR, ".qa-fulltext").text
    assert SCRIPT in shown and IMAGE in shown and "${document.title='pwned'}" in shown
    assert SCRIPT in card.find_element(By.CSS_SELECTOR, ".qa-title").text

    assert browser.title == PAGE_TITLE
    assert no_alert(browser)
    planted = browser.execute_script(
        "return [document.querySelectorAll('img[src=\"x\"]').length,"
        " document.querySelectorAll('a[href^=\"javascript\"]').length,"
        " [...document.scripts].filter(s => s.textContent.includes('pwned')).length]"
    )
    assert planted == [0, 0, 0]


def test_the_articles_tab_shows_an_article_as_text(browser, url):
    browser.get(url)
    wait = WebDriverWait(browser, 60)
    wait.until(
        EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Artikelen')]"))
    ).click()
    search = wait.until(
        EC.element_to_be_clickable(
            (By.CSS_SELECTOR, "#qa-articles-search input, #qa-articles-search textarea")
        )
    )
    search.send_keys("katten")
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#qa-tab-articles"), "1 van 6 artikelen"))
    # The grid's visible cells; the table also keeps a hidden copy of each row to measure it.
    cell = (By.XPATH, "//*[@id='qa-articles']//*[@role='gridcell'][contains(., 'Kattenbibliotheek')]")

    def opened(driver) -> bool:
        # Each search result re-renders the grid, so a found cell can go stale before the click.
        try:
            driver.find_element(*cell).click()
        except (StaleElementReferenceException, NoSuchElementException):
            return False
        return bool(driver.find_elements(By.CSS_SELECTOR, "#qa-article .qa-fulltext"))

    wait.until(opened)
    view = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-article .qa-fulltext")))
    assert SCRIPT in view.text
    assert browser.title == PAGE_TITLE and no_alert(browser)


# --- the page as a reader meets it, at a desktop's width and a phone's, in Dutch and English ---

PAGES = [("nl", 1400, 1000), ("en", 1400, 1000), ("nl", 420, 900), ("en", 420, 900)]

# What the reader reads that is not ours to translate: article text and titles, the questions
# they typed, the example questions (the archive's language), the articles table's rows.
CONTENT = (
    ".qa-answer, .qa-passage, .qa-fulltext, .qa-title, .qa-what, .qa-file, .qa-category, "
    "[data-testid='user'], .gallery, #qa-articles [role='gridcell']"
)
VISIBLE_TEXT = """
const skip = arguments[0];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = [];
while (walker.nextNode()) {
  const node = walker.currentNode, element = node.parentElement;
  if (!node.textContent.trim() || !element || element.closest(skip)) continue;
  if (element.closest("script, style")) continue;
  if (!element.getClientRects().length || getComputedStyle(element).visibility === "hidden") continue;
  seen.push(node.textContent.trim());
}
return seen.join("\\n");
"""


def foreign(lang: str) -> list[str]:
    """The other language's texts (the literal parts of its templates) that ours say otherwise."""
    other = "en" if lang == "nl" else "nl"
    found = []
    for key, text in TRANSLATIONS[other].items():
        if text != TRANSLATIONS[lang][key]:
            found += [p.strip(" #\n:") for p in re.split(r"{\w+}", text) if len(p.strip(" #\n:")) >= 6]
    return found


def in_one_language(driver, lang: str) -> None:
    shown = driver.execute_script(VISIBLE_TEXT, CONTENT)
    assert TRANSLATIONS[lang]["tab_articles"] in shown
    mixed = [text for text in foreign(lang) if text in shown]
    assert not mixed, f"{lang} page shows {mixed}"


def in_view(driver, element) -> bool:
    return driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return r.top < innerHeight && r.bottom > 0", element
    )


def outlined(driver) -> list[str]:
    """The ids of the source cards drawn with an outline (the one whose [n] was followed)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#qa-sources .qa-card')]"
        ".filter(c => getComputedStyle(c).outlineStyle !== 'none').map(c => c.id)"
    )


def latest_answer(driver, count: int):
    """The chat's bot messages once there are `count` of them with an answer (not a draft)."""
    wait = WebDriverWait(driver, 90)
    wait.until(
        lambda d: len(d.find_elements(By.CSS_SELECTOR, "#qa-chat [data-testid='bot'] .qa-answer")) >= count
    )
    return driver.find_elements(By.CSS_SELECTOR, "#qa-chat [data-testid='bot']")[-1]


def say_next(driver, question: str) -> None:
    box = WebDriverWait(driver, 60).until(
        EC.element_to_be_clickable((By.CSS_SELECTOR, "#qa-question textarea"))
    )
    box.send_keys(question + "\n")


@pytest.mark.parametrize(("lang", "width", "height"), PAGES, ids=lambda v: str(v))
def test_the_page_as_a_reader_meets_it(url, tmp_path, lang, width, height):
    words = TRANSLATIONS[lang]
    with chromium(lang, width, height) as driver:
        driver.get(url)
        # Before any question: the empty panels, filled in the reader's language as the page opens.
        WebDriverWait(driver, 60).until(
            EC.text_to_be_present_in_element((By.ID, "qa-sources"), words["no_sources"])
        )
        in_one_language(driver, lang)
        say_next(driver, "Welk aanbod wees Sheinbaum af?")
        first = latest_answer(driver, 1)
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-sources #source-1"))
        assert words["sources"] in driver.find_element(By.ID, "qa-sources").text

        driver.execute_script("window.scrollTo(0, 0)")
        shot = tmp_path / f"{lang}-{width}.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        if os.environ.get("QA_SCREENSHOT") and (lang, width) == ("nl", 1400):
            shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")
        # No label floats over the chat's messages.
        log = driver.find_element(By.CSS_SELECTOR, "#qa-chat [role='log']").rect
        for label in driver.find_elements(By.CSS_SELECTOR, "#qa-chat [data-testid='block-label']"):
            box = label.rect
            assert not (
                box["x"] < log["x"] + log["width"] and log["x"] < box["x"] + box["width"]
                and box["y"] < log["y"] + log["height"] and log["y"] < box["y"] + box["height"]
            ), "the chat's label covers its messages"  # fmt: skip

        # [n] leads to its card, marked; on a phone the card lies far below, and leads back.
        link = first.find_element(By.CSS_SELECTOR, "a.qa-cite")
        card = driver.find_element(By.ID, link.get_attribute("href").rsplit("#", 1)[1])
        link.click()
        WebDriverWait(driver, 10).until(lambda d: in_view(d, card))
        assert outlined(driver) == [card.get_attribute("id")]
        back = card.find_element(By.CSS_SELECTOR, "a.qa-back")
        assert back.text == words["back_to_answer"] and in_view(driver, back)
        if width < 1000:
            assert driver.execute_script("return scrollY") > 800
            back.click()
            WebDriverWait(driver, 10).until(
                lambda d: in_view(d, d.find_element(By.CSS_SELECTOR, "#qa-chat [role='log']"))
            )
        # The reader scrolls the sources; the next answer's panel starts at its top, no card marked.
        driver.execute_script("document.getElementById('qa-side').scrollTop = 300")

        say_next(driver, "Op welke dag sprak zij met Trump?")
        second = latest_answer(driver, 2)
        assert f"{words['understood'].split('{')[0]}Op welke dag sprak Sheinbaum met Trump?" in second.text
        assert "16 april" in second.find_element(By.CSS_SELECTOR, ".qa-answer").text
        WebDriverWait(driver, 10).until(lambda d: not outlined(d))
        assert driver.execute_script("return document.getElementById('qa-side').scrollTop") == 0

        # Weak evidence: the callout, the no-answer line and the notes in the page's language.
        say_next(driver, "Hoeveel kost een appel op Mars?")
        third = latest_answer(driver, 3)
        assert words["no_answer"] in third.text and words["weak_answer"].split(":")[0] in third.text
        in_one_language(driver, lang)

        driver.find_element(
            By.XPATH, f"//button[@role='tab'][contains(., '{words['tab_articles']}')]"
        ).click()
        WebDriverWait(driver, 30).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#qa-articles [role='gridcell']")
        )
        in_one_language(driver, lang)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_missing_index_is_said_in_the_pages_language(tmp_path, lang):
    (tmp_path / "corpus").mkdir()
    settings = app.AppSettings(corpus=tmp_path / "corpus", index=tmp_path / "geen-index", port=free_port())
    demo = app.build_app(settings)
    _, address, _ = app.launch(demo, settings, block=False)
    try:
        with chromium(lang, 1400, 1000) as driver:
            driver.get(address)
            say_next(driver, "Welk aanbod wees Sheinbaum af?")
            callout = WebDriverWait(driver, 60).until(
                EC.visibility_of_element_located((By.CSS_SELECTOR, "#qa-chat .qa-callout"))
            )
            index = settings.index
            assert callout.text == say("error_no_index", lang, folder=index, hint=f" --index {index}")
            in_one_language(driver, lang)
    finally:
        demo.close()


def test_dropping_a_file_adds_it_and_asking_again_without_the_period_says_so(browser, url, tmp_path):
    words = TRANSLATIONS["nl"]
    browser.get(url)
    wait = WebDriverWait(browser, 90)
    wait.until(
        EC.element_to_be_clickable((By.XPATH, "//button[@role='tab'][contains(., 'Artikelen')]"))
    ).click()
    # What the page says is what happens: no second button to press.
    assert words["upload"].split(":")[0] in browser.find_element(By.ID, "qa-tab-articles").text
    ferry = tmp_path / "veerdienst-zeeland.txt"
    ferry.write_text(
        " date 2026-03\nZeeland krijgt een nieuwe elektrische pont tussen Vlissingen en Breskens, de "
        "Schelde Stroomlijn. Hij vaart vanaf april elk half uur.\n",
        encoding="utf-8",
    )
    browser.find_element(By.CSS_SELECTOR, "#qa-upload input[type='file']").send_keys(str(ferry))
    wait.until(EC.text_to_be_present_in_element((By.ID, "qa-build-result"), words["built"]))
    report = browser.find_element(By.ID, "qa-build-result").text
    assert "veerdienst-zeeland.txt: toegevoegd" in report and "1 toegevoegd" in report
    wait.until(EC.text_to_be_present_in_element((By.ID, "qa-articles"), "veerdienst-zeeland.txt"))
    # A file that is no article is refused with the reader's reason, in the page's language.
    photo = tmp_path / "foto.txt"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    browser.find_element(By.CSS_SELECTOR, "#qa-upload input[type='file']").send_keys(str(photo))
    wait.until(EC.text_to_be_present_in_element((By.ID, "qa-build-result"), words["nothing_added"]))
    report = browser.find_element(By.ID, "qa-build-result").text
    assert "foto.txt: geweigerd: onleesbaar (binair bestand (bevat NUL-bytes), geen tekst" in report
    in_one_language(browser, "nl")

    browser.find_element(By.XPATH, "//button[@role='tab'][contains(., 'Vragen')]").click()
    say_next(browser, "Wat zei John Kelly in 2017 over uitzettingen?")
    latest_answer(browser, 1)
    wait.until(
        EC.element_to_be_clickable((By.XPATH, f"//button[contains(., '{words['remove_filter']}')]"))
    ).click()
    again = latest_answer(browser, 2)
    assert "Opnieuw gevraagd zonder de periode “in 2017”" in again.text
