"""The page in a real headless Chromium: ask, follow a citation to its card, and article text that never runs.

Needs Debian's chromium and chromium-driver and the selenium package; skipped, saying so, without them.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile

import pytest

import app
from qa.build import build_index
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
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = app.AppSettings(corpus=corpus, index=index, port=port)
    demo = app.build_app(settings)
    _, address, _ = app.launch(demo, settings, block=False)
    yield address
    demo.close()


@pytest.fixture(scope="module")
def browser():
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
        "--window-size=1400,1000",
        "--lang=nl",
    ):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "nl,en"})
    # The driver from the system, so selenium never tries to download one.
    driver = webdriver.Chrome(service=webdriver.ChromeService(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


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

    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "screenshot.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    if os.environ.get("QA_SCREENSHOT"):
        (ROOT / "docs").mkdir(exist_ok=True)
        shutil.copyfile(shot, ROOT / "docs" / "screenshot.png")

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
