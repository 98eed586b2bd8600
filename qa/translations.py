"""Every sentence and label qa writes for a reader, in Dutch and in English: one table, by key.

Holds wording only; which language is wanted is the caller's to say, and article text keeps its own.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")

TRANSLATIONS: dict[str, dict[str, str]] = {
    "nl": {
        # --- the page's labels (app.py hands these to Gradio's i18n) ---
        "intro": "## Vragen aan het nieuwsarchief\nStel een vraag in het Nederlands (of Engels). "
        "Het antwoord citeert de artikelen waar het vandaan komt: klik op [n] om de bron te zien. "
        "De antwoorden zijn zinnen uit de artikelen, in hun eigen taal.",
        "tab_ask": "Vragen",
        "tab_articles": "Artikelen",
        "chat": "Gesprek",
        "chat_placeholder": "Stel hieronder een vraag over het nieuws. Een vervolgvraag (“En in 2019?”) "
        "bouwt voort op de vorige.",
        "question": "Vraag",
        "question_placeholder": "Bijvoorbeeld: Welk aanbod wees Sheinbaum af?",
        "ask": "Vraag",
        "new_chat": "Nieuw gesprek",
        "examples": "Voorbeeldvragen",
        "filters": "Filters",
        "since": "Vanaf",
        "until": "Tot en met",
        "date_placeholder": "bijv. 2019-01",
        "category_field": "Categorie",
        "k": "Aantal passages",
        "remove_filter": "Zonder deze periode",
        "search_articles": "Zoek in titels",
        "articles": "Geïndexeerde artikelen",
        "upload": "Artikelen toevoegen: sleep bestanden hierheen (.txt, .md, .html, .pdf; veel tegelijk: "
        ".jsonl, .csv). Ze worden meteen opgenomen in de index.",
        "rebuild": "Index bijwerken na wijzigingen in de map",
        "select_hint": "Klik op een artikel om het hier te lezen.",
        # --- answers in the chat ---
        "no_answer": "Ik heb hierover niets gevonden in de artikelen.",
        "weak_answer": "Zwak bewijs: geen van de passages beantwoordt de vraag duidelijk. "
        "De best passende passages staan bij de bronnen.",
        "unverified": "Een [n?] wijst naar een passage waarin de bewering niet terug te vinden is.",
        "by_llm": "Geschreven door een taalmodel op basis van de passages.",
        "filtered": "Gefilterd op {filters}",
        "understood": "Verstaan als: {question}",
        "without_period": "Opnieuw gevraagd zonder de periode “{phrase}”: alle datums tellen even zwaar.",
        "period_note": "De vraag noemt een periode ({period}, “{phrase}”): passages daarover en artikelen "
        "van toen of kort daarna staan voorop; andere datums zijn ook doorzocht.",
        "from": "vanaf",
        "until_date": "tot en met",
        "category": "categorie",
        # --- why an answer is withheld (qa/support.py) ---
        "reason_unit": "Geen gevonden passage noemt {what}.",
        "reason_period": "Geen gevonden passage gaat over “{phrase}”.",
        "reason_names": "De gevonden passages noemen {names} niet.",
        "reason_unclear": "De gevonden passages beantwoorden de vraag niet duidelijk.",
        "and": "en",
        # what a question asks for, as a note names it (qa/question.py's table)
        "asked_money": "een bedrag",
        "asked_percentage": "een percentage",
        "asked_distance": "een afstand",
        "asked_duration": "een duur",
        "asked_count": "een aantal",
        "asked_date": "een datum",
        "asked_reason": "een reden",
        "asked_source": "een bron",
        "asked_person": "een naam",
        "asked_organisation": "een naam",
        "asked_name": "een naam",
        "asked_place": "een plaats",
        "asked_thing": "een antwoord",
        # --- an LLM's answer (qa/llm.py) ---
        "llm_removed": "[{n}] weggelaten: er is geen passage {n}",
        "llm_unsupported": "[{n}] ondersteunt niet: “{claim}”",
        "llm_uncited": "het antwoord citeert geen passage",
        "llm_unavailable": "Taalmodel niet beschikbaar ({reason}); dit is het extractieve antwoord",
        "llm_http": "de taalmodelserver op {endpoint} antwoordde HTTP {code}: {detail}",
        "llm_timeout": "de taalmodelserver op {endpoint} antwoordde niet binnen {seconds} s",
        "llm_refused": "geen verbinding met de taalmodelserver op {endpoint} (geweigerd); draait hij?",
        "llm_unreachable": "de taalmodelserver op {endpoint} is onbereikbaar: {detail}",
        "llm_malformed": "onbruikbaar antwoord van de taalmodelserver, {what}: {shown}",
        "llm_reported": "de taalmodelserver meldde een fout: {detail}",
        "llm_cut_off": "de stroom van de taalmodelserver hield op vóór data: [DONE]; "
        "het antwoord kan afgebroken zijn",
        # --- sources panel ---
        "sources": "Bronnen",
        "no_sources": "Stel een vraag: de passages waarop het antwoord steunt verschijnen hier.",
        "timeline": "Tijdlijn",
        "undated": "zonder datum",
        "original": "origineel",
        "whole_article": "Toon het hele artikel",
        "chars": "tekens",
        "weak": "zwak bewijs",
        "back_to_answer": "↑ terug naar het antwoord",
        # --- articles tab ---
        "col_title": "Titel",
        "col_date": "Datum",
        "col_category": "Categorie",
        "col_file": "Bestand",
        "articles_count": "{shown} van {total} artikelen",
        "undated_count": "{n} zonder datum",
        "since_field": "Vanaf",
        "until_field": "Tot en met",
        "bad_date": "‘{field}’ moet een datum zijn zoals 2019, 2019-04 of 2019-04-12, niet “{value}”.",
        "dates_reversed": "‘Vanaf’ ({since}) ligt na ‘Tot en met’ ({until}).",
        # --- adding articles ---
        "saved": "toegevoegd",
        "renamed": "toegevoegd als {name} ({given} bestond al met andere inhoud)",
        "duplicate": "staat al in het archief als {name}",
        "duplicate_upload": "hetzelfde als {name} hierboven",
        "bad_type": "geweigerd: alleen {types} mogen erin",
        "too_big": "geweigerd: {size} is groter dan de limiet van {limit}",
        "unreadable": "geweigerd: onleesbaar ({reason})",
        "bad_name": "geweigerd: de bestandsnaam is onbruikbaar",
        "nothing_added": "Niets toegevoegd, de index is niet gewijzigd.",
        "waiting": "Wacht tot de lopende herbouw van de index klaar is…",
        "built": "Index bijgewerkt",
        "added": "toegevoegd",
        "changed": "gewijzigd",
        "removed": "verwijderd",
        "unchanged": "ongewijzigd",
        "skipped": "overgeslagen",
        "duplicates": "al in het archief",
        "duplicate_of": "dezelfde tekst als {name}, niet nog eens opgenomen",
        "full_rebuild": "Alles opnieuw ingebed",
        "build_failed": "Bijwerken mislukt",
        "build_busy": "Er loopt al een herbouw van de index; wacht tot die klaar is. "
        "Vragen worden intussen beantwoord uit de vorige index.",
        # --- why a file or an archive's row is not read (qa/articles.py, archives.py, pdfs.py) ---
        "skip_unreadable": "kan niet gelezen worden: {detail}",
        "skip_too_large": "{size} MB, boven de limiet van {limit} MB (QA_MAX_FILE_MB of qa build "
        "--max-file-mb)",
        "skip_dangling_link": "koppeling naar {target}, dat niet bestaat",
        "skip_removed": "verwijderd terwijl het corpus gelezen werd",
        "skip_link_loop": "koppeling in een kring van koppelingen",
        "skip_link_outside": "koppeling naar {target}, buiten de corpusmap",
        "skip_not_a_file": "geen gewoon bestand maar een {kind}",
        "kind_folder": "map",
        "kind_fifo": "FIFO",
        "kind_socket": "socket",
        "kind_device": "apparaat",
        "kind_special": "speciaal bestand",
        "skip_replaced": "vervangen door iets anders dan een bestand terwijl het corpus gelezen werd",
        "skip_name_not_utf8": "de bestandsnaam is geen geldige UTF-8; geef het bestand een andere naam",
        "skip_name_control": "de bestandsnaam bevat het stuurteken U+{code}; geef het bestand een andere "
        "naam",
        "skip_same_id": "een ander artikel in het corpus heeft de id {id}; geef dit een andere naam",
        "skip_bug": "qa liep erop vast ({error}); meld dit alstublieft, met het bestand",
        "article_text_field_empty": "het tekstveld is leeg",
        "article_no_text_layer": "geen tekstlaag (een scan?)",
        "article_bad_date_line": "eerste regel ' date {value}': die maand of dag bestaat niet; schrijf "
        "JJJJ-MM of "
        "JJJJ-MM-DD",
        "article_no_text": "geen tekst over na het opschonen",
        "article_bad_wide_text": "geen {codec}-tekst (foute bytes op positie {offset})",
        "article_empty": "het bestand is leeg",
        "article_binary_file": "binair bestand, geen tekst ({controls} stuurtekens)",
        "article_binary_data": "binaire gegevens, geen tekst ({controls} stuurtekens)",
        "article_nul_bytes": "binair bestand (bevat NUL-bytes), geen tekst (UTF-16 heeft een "
        "byte-order-mark nodig)",
        "article_bad_bytes": "geen UTF-8- of Windows-1252-tekst (foute byte op positie {offset})",
        "front_matter_unclosed": "kapotte front matter: geen afsluitende regel '---'",
        "front_matter_too_long": "front matter langer dan {kb} KB; zet er alleen title, date, category en "
        "url in",
        "front_matter_broken_at": "kapotte front matter op regel {line}: {problem}",
        "front_matter_broken": "kapotte front matter: {problem}",
        "front_matter_not_keys": "kapotte front matter: verwacht regels 'sleutel: waarde'",
        "front_matter_alias": "alias *{anchor} is niet toegestaan; schrijf de waarde uit",
        "front_matter_deep": "meer dan {depth} niveaus diep genest",
        "front_matter_date": "front-matterveld 'date'",
        "row_date": "veld 'date'",
        "article_bad_date": "{field}: {value} is niet als datum te lezen",
        "article_few_letters": "geen artikeltekst: maar {share} van de tekens zijn letters",
        "article_long_words": "geen artikeltekst: gemiddeld {chars} tekens tussen spaties, en maar "
        "{share} letters",
        "pdf_unreadable": "geen PDF die te lezen is ({kind}: {detail})",
        "pdf_aes": "versleutelde PDF (AES), die pypdf alleen met het pakket cryptography opent; sla een "
        "kopie "
        "zonder versleuteling op",
        "pdf_password": "versleutelde PDF die een wachtwoord vraagt; sla een kopie zonder wachtwoord op",
        "archive_wide": "UTF-16- of UTF-32-tekst; sla het archief op als UTF-8",
        "archive_not_jsonl": "geen JSON Lines: geen van de eerste {n} regels is te lezen (regel {line}: "
        "{reason}); "
        "schrijf één JSON-object per regel",
        "archive_empty_csv": "leeg CSV-bestand; de eerste regel moet de kolommen noemen",
        "archive_no_header": "de eerste regel is geen kop met kolomnamen",
        "archive_no_text_column": "geen tekstkolom: verwacht een van {names} (de kop noemt {shown})",
        "archive_header_empty": "niets",
        "row_same_id": "id {key} is ook de id van de rij op regel {line}; geef elke rij een eigen id",
        "row_too_long": "rij van {size} MB, boven de limiet van {limit} MB (QA_MAX_FILE_MB of qa build "
        "--max-file-mb)",
        "row_not_text": "geen UTF-8- of Windows-1252-tekst",
        "row_not_json_at": "geen JSON: {problem} in kolom {column}",
        "row_not_json": "geen JSON: {problem}",
        "row_too_deep": "geen JSON die te lezen is: te diep genest",
        "row_not_object": "een JSON-{kind} waar een JSON-object verwacht werd",
        "row_field_not_text": "veld {name} bevat een JSON-{kind}; verwacht tekst",
        "row_not_csv": "geen CSV: {problem}",
        "row_field_count": "{found} velden waar de kop er {named} noemt; staat er een aanhalingsteken "
        "open of een "
        "'{delimiter}' zonder aanhalingstekens?",
        "row_long_id": "id langer dan {n} tekens",
        "row_no_text_field": "geen tekstveld: verwacht een van {names}",
        "upload_bad_row": "regel {line}: {reason}",
        "upload_no_article_row": "geen enkele rij is een artikel ({reason})",
        "upload_no_rows": "geen rijen",
        # --- why a build embedded everything again (qa/build.py) ---
        "rebuild_asked": "gevraagd met --rebuild",
        "rebuild_format": "de index heeft formaat {found}, deze qa schrijft {version}",
        "rebuild_model": "het model is veranderd van {old} in {new}",
        "rebuild_chunking": "de opdeling in stukken is veranderd van {old} in {new}",
        "rebuild_cleaning": "het opschonen van artikelen is veranderd in deze versie van qa",
        "rebuild_dimension": "de dimensie van de embeddings is veranderd van {old} in {new}",
    },
    "en": {
        "intro": "## Ask the news archive\nAsk a question in Dutch (or English). The answer cites the "
        "articles it comes from: click [n] to see the source. Answers are sentences from the articles, "
        "in the articles' own language.",
        "tab_ask": "Ask",
        "tab_articles": "Articles",
        "chat": "Conversation",
        "chat_placeholder": "Ask a question about the news below. A follow-up (“And in 2019?”) builds on "
        "the one before.",
        "question": "Question",
        "question_placeholder": "For example: Welk aanbod wees Sheinbaum af?",
        "ask": "Ask",
        "new_chat": "New conversation",
        "examples": "Example questions",
        "filters": "Filters",
        "since": "From",
        "until": "Until",
        "date_placeholder": "e.g. 2019-01",
        "category_field": "Category",
        "k": "Number of passages",
        "remove_filter": "Without this period",
        "search_articles": "Search titles",
        "articles": "Indexed articles",
        "upload": "Add articles: drop files here (.txt, .md, .html, .pdf; many at once: .jsonl, .csv). "
        "They go into the index at once.",
        "rebuild": "Update the index after changes in the folder",
        "select_hint": "Click an article to read it here.",
        "no_answer": "I found nothing about this in the articles.",
        "weak_answer": "Weak evidence: none of the passages clearly answers the question. "
        "The closest passages are shown with the sources.",
        "unverified": "An [n?] points at a passage in which the claim could not be found.",
        "by_llm": "Written by a language model from the passages.",
        "filtered": "Filtered to {filters}",
        "understood": "Understood as: {question}",
        "without_period": "Asked again without the period “{phrase}”: all dates count the same.",
        "period_note": "The question names a period ({period}, “{phrase}”): passages about it and articles "
        "from then or just after rank first; other dates were searched too.",
        "from": "from",
        "until_date": "until",
        "category": "category",
        "reason_unit": "No passage found gives {what}.",
        "reason_period": "No passage found is about “{phrase}”.",
        "reason_names": "The passages found do not mention {names}.",
        "reason_unclear": "The passages found do not clearly answer the question.",
        "and": "and",
        "asked_money": "an amount of money",
        "asked_percentage": "a percentage",
        "asked_distance": "a distance",
        "asked_duration": "a duration",
        "asked_count": "a number",
        "asked_date": "a date",
        "asked_reason": "a reason",
        "asked_source": "a source",
        "asked_person": "a name",
        "asked_organisation": "a name",
        "asked_name": "a name",
        "asked_place": "a place",
        "asked_thing": "an answer",
        "llm_removed": "[{n}] removed: there is no passage {n}",
        "llm_unsupported": '[{n}] does not support: "{claim}"',
        "llm_uncited": "the answer cites no passage",
        "llm_unavailable": "LLM unavailable ({reason}); showing the extractive answer",
        "llm_http": "the LLM server at {endpoint} answered HTTP {code}: {detail}",
        "llm_timeout": "the LLM server at {endpoint} did not answer within {seconds} s",
        "llm_refused": "cannot connect to the LLM server at {endpoint} (connection refused); is it running?",
        "llm_unreachable": "cannot reach the LLM server at {endpoint}: {detail}",
        "llm_malformed": "malformed reply from the LLM server, {what}: {shown}",
        "llm_reported": "the LLM server reported an error: {detail}",
        "llm_cut_off": "the LLM server's stream ended before data: [DONE]; the answer may be cut off",
        "sources": "Sources",
        "no_sources": "Ask a question: the passages the answer rests on appear here.",
        "timeline": "Timeline",
        "undated": "undated",
        "original": "original",
        "whole_article": "Show whole article",
        "chars": "characters",
        "weak": "weak evidence",
        "back_to_answer": "↑ back to the answer",
        "col_title": "Title",
        "col_date": "Date",
        "col_category": "Category",
        "col_file": "File",
        "articles_count": "{shown} of {total} articles",
        "undated_count": "{n} undated",
        "since_field": "From",
        "until_field": "Until",
        "bad_date": "‘{field}’ must be a date like 2019, 2019-04 or 2019-04-12, not “{value}”.",
        "dates_reversed": "‘From’ ({since}) is after ‘Until’ ({until}).",
        "saved": "added",
        "renamed": "added as {name} ({given} was taken by other content)",
        "duplicate": "already in the archive as {name}",
        "duplicate_upload": "the same as {name} above",
        "bad_type": "refused: only {types} are accepted",
        "too_big": "refused: {size} is over the {limit} limit",
        "unreadable": "refused: unreadable ({reason})",
        "bad_name": "refused: the file name is unusable",
        "nothing_added": "Nothing added; the index is unchanged.",
        "waiting": "Waiting for the running rebuild of the index to finish…",
        "built": "Index updated",
        "added": "added",
        "changed": "changed",
        "removed": "removed",
        "unchanged": "unchanged",
        "skipped": "skipped",
        "duplicates": "already in the archive",
        "duplicate_of": "the same text as {name}, not taken twice",
        "full_rebuild": "Everything re-embedded",
        "build_failed": "Rebuild failed",
        "build_busy": "A rebuild of the index is already running; wait for it to finish. "
        "Questions are answered from the previous index meanwhile.",
        "skip_unreadable": "cannot be read: {detail}",
        "skip_too_large": "{size} MB, over the limit of {limit} MB (QA_MAX_FILE_MB or qa build "
        "--max-file-mb)",
        "skip_dangling_link": "link to {target}, which does not exist",
        "skip_removed": "removed while the corpus was being read",
        "skip_link_loop": "link in a loop of links",
        "skip_link_outside": "link to {target}, outside the corpus folder",
        "skip_not_a_file": "not a regular file but a {kind}",
        "kind_folder": "folder",
        "kind_fifo": "FIFO",
        "kind_socket": "socket",
        "kind_device": "device",
        "kind_special": "special file",
        "skip_replaced": "replaced by something other than a file while the corpus was being read",
        "skip_name_not_utf8": "file name is not valid UTF-8; rename the file",
        "skip_name_control": "file name holds the control character U+{code}; rename the file",
        "skip_same_id": "another article in the corpus has the id {id}; rename it",
        "skip_bug": "qa failed on it ({error}); please report this with the file",
        "article_text_field_empty": "the text field is empty",
        "article_no_text_layer": "no text layer (a scan?)",
        "article_bad_date_line": "first line ' date {value}': no such month or day; write YYYY-MM or "
        "YYYY-MM-DD",
        "article_no_text": "no text left after cleaning",
        "article_bad_wide_text": "not {codec} text (bad bytes at offset {offset})",
        "article_empty": "file is empty",
        "article_binary_file": "binary file, not text ({controls} control characters)",
        "article_binary_data": "binary data, not text ({controls} control characters)",
        "article_nul_bytes": "binary file (contains NUL bytes), not text (UTF-16 needs a byte order mark)",
        "article_bad_bytes": "not UTF-8 or Windows-1252 text (bad byte at offset {offset})",
        "front_matter_unclosed": "broken front matter: no closing '---' line",
        "front_matter_too_long": "front matter longer than {kb} KB; keep only title, date, category and "
        "url there",
        "front_matter_broken_at": "broken front matter at line {line}: {problem}",
        "front_matter_broken": "broken front matter: {problem}",
        "front_matter_not_keys": "broken front matter: expected 'key: value' lines",
        "front_matter_alias": "alias *{anchor} is not allowed; write the value out",
        "front_matter_deep": "nested more than {depth} levels deep",
        "front_matter_date": "front matter field 'date'",
        "row_date": "field 'date'",
        "article_bad_date": "{field}: cannot read {value} as a date",
        "article_few_letters": "not article text: only {share} of its characters are letters",
        "article_long_words": "not article text: {chars} characters between spaces on average, and only "
        "{share} "
        "letters",
        "pdf_unreadable": "not a PDF that can be read ({kind}: {detail})",
        "pdf_aes": "encrypted PDF (AES), which pypdf opens only with the cryptography package; save a copy "
        "without encryption",
        "pdf_password": "encrypted PDF that needs a password; save a copy without one",
        "archive_wide": "UTF-16 or UTF-32 text; save the archive as UTF-8",
        "archive_not_jsonl": "not JSON Lines: none of the first {n} lines can be read (line {line}: "
        "{reason}); "
        "write one JSON object per line",
        "archive_empty_csv": "empty CSV file; the first line must name the columns",
        "archive_no_header": "the first line is not a header of column names",
        "archive_no_text_column": "no text column: expected one of {names} (the header names {shown})",
        "archive_header_empty": "nothing",
        "row_same_id": "id {key} is also the id of the row on line {line}; give each row its own id",
        "row_too_long": "row of {size} MB, over the limit of {limit} MB (QA_MAX_FILE_MB or qa build "
        "--max-file-mb)",
        "row_not_text": "not UTF-8 or Windows-1252 text",
        "row_not_json_at": "not JSON: {problem} at column {column}",
        "row_not_json": "not JSON: {problem}",
        "row_too_deep": "not JSON that can be read: nested too deeply",
        "row_not_object": "a JSON {kind} where a JSON object was expected",
        "row_field_not_text": "field {name} holds a JSON {kind}; expected text",
        "row_not_csv": "not CSV: {problem}",
        "row_field_count": "{found} fields where the header names {named}; is a quote left open or a "
        "'{delimiter}' unquoted?",
        "row_long_id": "id longer than {n} characters",
        "row_no_text_field": "no text field: expected one of {names}",
        "upload_bad_row": "line {line}: {reason}",
        "upload_no_article_row": "no row is an article ({reason})",
        "upload_no_rows": "no rows",
        "rebuild_asked": "asked for with --rebuild",
        "rebuild_format": "the index has format {found}, this qa writes {version}",
        "rebuild_model": "model changed from {old} to {new}",
        "rebuild_chunking": "chunking changed from {old} to {new}",
        "rebuild_cleaning": "article cleaning changed in this version of qa",
        "rebuild_dimension": "embedding dimension changed from {old} to {new}",
    },
}


def say(key: str, lang: str, /, **fields: object) -> str:
    """The text for `key` in `lang` (English for a language we do not write), `fields` filled in;
    a field that is a Message is said in `lang` too."""
    said = {name: value.said(lang) if isinstance(value, Message) else value for name, value in fields.items()}
    return TRANSLATIONS[lang if lang in TRANSLATIONS else "en"][key].format(**said)


class Message:
    """A sentence of the table kept as its key and fields until someone reads it: an error, or why
    a file was skipped, is said in the reader's language where it is shown. str() is the English
    (what the CLI prints)."""

    __slots__ = ("fields", "key")

    def __init__(self, key: str, /, **fields: object):
        if key not in TRANSLATIONS["en"]:
            raise KeyError(f"no sentence {key!r} in the translation table")
        self.key = key
        self.fields = fields

    def said(self, lang: str) -> str:
        return say(self.key, lang, **self.fields)

    def __str__(self) -> str:
        return self.said("en")

    def __repr__(self) -> str:
        return f"Message({self.key!r}: {self.said('en')!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and (self.key, self.fields) == (other.key, other.fields)

    def __hash__(self) -> int:
        return hash((self.key, tuple(sorted(self.fields.items()))))
