"""Every sentence and label qa writes for a reader, in Dutch and in English: one table, by key.

Holds wording only (a Message is a sentence kept by key until it is read); which language is wanted
is the caller's to say, and article text keeps its own. Errors and skip reasons: the CLI's English.
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
        ".jsonl, .json, .csv, .tsv). Ze worden meteen opgenomen in de index.",
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
        "periods_note": "De vraag vergelijkt perioden ({phrases}): voor elk is apart gezocht en geantwoord.",
        "period_unanswered": "Voor “{phrase}” geven de gevonden passages geen duidelijk antwoord.",
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
        "asked_mass": "een gewicht",
        "asked_volume": "een volume",
        "asked_energy": "een vermogen of hoeveelheid energie",
        "asked_area": "een oppervlakte",
        "asked_duration": "een duur",
        "asked_age": "een leeftijd",
        "asked_rank": "een plaats in de rangorde",
        "asked_time": "een tijdstip",
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
        "progress_reading": "Het archief lezen",
        "progress_chunks": "Passages inbedden",
        "progress_sentences": "Zinnen inbedden",
        "built": "Index bijgewerkt",
        "added": "toegevoegd",
        "changed": "gewijzigd",
        "removed": "verwijderd",
        "unchanged": "ongewijzigd",
        "skipped": "overgeslagen",
        "duplicates": "al in het archief",
        "duplicate_of": "dezelfde tekst als {name}, niet nog eens opgenomen",
        "ignored": "genegeerd",
        "ignored_type": "niet gelezen: artikelen komen uit {types}",
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
        "article_too_deep": (
            "de HTML is {depth} elementen diep genest; voorbij {limit} is de tekst niet te lezen"
        ),
        "article_bad_wide_text": "geen {codec}-tekst (foute bytes op positie {offset})",
        "article_empty": "het bestand is leeg",
        "article_binary_file": "binair bestand, geen tekst ({controls} stuurtekens)",
        "article_binary_data": "binaire gegevens, geen tekst ({controls} stuurtekens)",
        "article_nul_bytes": "binair bestand (bevat NUL-bytes), geen tekst (UTF-16 heeft een "
        "byte-order-mark nodig)",
        "article_bad_bytes": "geen UTF-8- of Windows-1252-tekst (foute byte op positie {offset})",
        "front_matter_unclosed": "kapotte front matter: geen afsluitende regel '{fence}'",
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
        "archive_not_json": "geen JSON-array van artikelen: het bestand begint met {start} in plaats "
        "van '[' of '{{'",
        "archive_json_not_utf8": "geen UTF-8-tekst; JSON wordt als UTF-8 opgeslagen",
        "archive_json_no_articles": "geen JSON-array van artikelen: geen van de eerste {n} elementen is te "
        "lezen (regel {line}: {reason})",
        "archive_no_header": "de eerste regel is geen kop met kolomnamen",
        "archive_no_text_column": "geen tekstkolom: verwacht een van {names} (de kop noemt {shown})",
        "archive_header_empty": "niets",
        "row_same_id": "id {key} is ook de id van de rij op regel {line}; geef elke rij een eigen id",
        "row_too_long": "rij van {size} MB, boven de limiet van {limit} MB (QA_MAX_FILE_MB of qa build "
        "--max-file-mb)",
        "row_not_text": "geen UTF-8- of Windows-1252-tekst",
        "row_not_json_at": "geen JSON: {problem} in kolom {column}",
        "row_not_json": "geen JSON: {problem}",
        "row_json_unfinished": "geen JSON: het bestand houdt op in dit element",
        "json_expecting_value": "een waarde verwacht",
        "json_expecting_name": "een veldnaam tussen dubbele aanhalingstekens verwacht",
        "json_expecting_colon": "een ':' verwacht",
        "json_expecting_comma": "een ',' verwacht",
        "json_unterminated_string": "een tekst zonder afsluitend aanhalingsteken",
        "json_control_character": "een stuurteken (tab, regeleinde) binnen een tekst",
        "json_bad_escape": "een ongeldige escape met \\",
        "json_extra_data": "meer na het einde van het object",
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
        # --- errors a user can fix (qa/errors.py's kinds, raised across qa) ---
        "error_empty_question": 'de vraag is leeg; vraag iets, bijvoorbeeld qa ask "Wie is Sheinbaum?"',
        "error_k": "k moet minstens 1 zijn, niet {k}",
        "error_search_mode": "de zoekwijze moet een van {modes} zijn, niet {mode}",
        "error_per_article": "--per-article moet minstens 1 zijn",
        "error_chunking_options": "--max-words moet minstens 1 zijn en --overlap minstens 0",
        "error_bad_history": "history moet eerdere antwoorden van /ask bevatten ({detail})",
        "error_bad_date_option": "--{name} moet een datum zijn zoals 2019, 2019-04 of 2019-04-12, niet "
        "{value}",
        "error_dates_reversed_option": "--since {since} ligt na --until {until}",
        "error_max_file_mb": "QA_MAX_FILE_MB of --max-file-mb moet een positief aantal megabytes zijn, "
        "niet {value}",
        "error_max_upload_mb": "QA_MAX_UPLOAD_MB moet een positief aantal megabytes zijn, niet {value}",
        "error_users": "QA_USERS-item {entry} is niet gebruiker:wachtwoord",
        "error_llm_url": "{name} moet een http(s)-URL zijn zoals http://localhost:11434/v1, niet {url}",
        "error_llm_seconds": "{name} moet een positief aantal seconden zijn, niet {value}",
        "error_no_corpus": "de corpusmap {corpus}/ bestaat niet; maak haar aan en zet er artikelen in",
        "error_no_index": "nog geen index in {folder}/; draai eerst `qa build{hint}`",
        "error_no_index_yet": "nog geen index in {folder}/",
        "error_index_changing": "{folder}/ veranderde {n} keer terwijl hij geopend werd; probeer het opnieuw",
        "error_no_article": "geen artikel {id} in {where}",
        "error_build_running": "er loopt al een andere build van {where}; wacht tot die klaar is",
        "error_index_is_file": "{folder} is een bestand, geen indexmap; kies een andere --index",
        "error_foreign_files": "{folder}/ bevat bestanden die niet bij een qa-index horen ({names}); kies "
        "een lege "
        "of nieuwe map voor --index",
        "error_index_format": "{path} heeft indexformaat {found}, deze qa leest {version}; herbouw de "
        "index met "
        "`qa build --index {folder}`",
        "error_manifest_unreadable": "kan {path} niet lezen ({detail}); controleer de rechten",
        "error_damaged": "{problem}; herbouw de index met `qa build --rebuild --index {folder}`",
        "error_model_mismatch": "{where} zegt dat de index gebouwd is met {built}, niet met {model}; "
        "herbouw hem "
        "met `qa build --model {model}`, of laat --model weg",
        "error_model_load": "kan model {name}{offline} niet laden: {detail}; gebruik {default}, {minilm} "
        "of een "
        "lokale map met een sentence-transformers-model",
        "model_offline": " (geen toegang tot de hub: HF_HUB_OFFLINE staat aan)",
        "error_untrusted_model": "{manifest} noemt de lokale modelmap {name}, die alleen geladen wordt "
        "als u hem "
        "zelf noemt; geef `--model {name}` mee als u hem vertrouwt",
        "error_model_dimension": "het model geeft de dimensie van zijn embeddings niet op",
        "error_model_changed": (
            "model {model} geeft nu vectoren van dimensie {found}, de index heeft {dimension}: bouw opnieuw "
            "met qa build --rebuild"
        ),
        "error_index_params": "--index-params moet een JSON-object zijn zoals '{example}', niet {value}",
        "error_index_params_local": "--index-params is voor een index in Milvus (--store); een lokale "
        "index neemt "
        "alleen --index-type",
        "error_index_type_milvus": "--index-type {kind} is voor een index in Milvus (--store); een lokale "
        "index "
        "neemt {types}",
        "error_local_index_type": "{folder}/ is een lokale index: --index-type neemt daar {types}",
        "error_not_milvus": "--to {to} is geen Milvus-opslag: geef milvus://host:19530, https://… of een "
        ".db-bestand",
        "error_collection_name": "--collection {name} is geen naam voor een Milvus-collectie: letters, "
        "cijfers en "
        "liggende streepjes, niet beginnend met een cijfer",
        "error_eval_unreadable": "kan {path} niet lezen: {detail}",
        "error_eval_header": "{path}: de eerste regel moet de kop 'question<TAB>answer' zijn",
        "error_eval_empty_question": "{path}:{line}: veld 'question' is leeg",
        "error_eval_lang": "{path}:{line}: veld 'lang' moet nl of en zijn, niet {lang}",
        "error_eval_no_questions": "{path} bevat geen vragen",
        # what is damaged in an index (the technical detail stays as SQLite, FAISS or the file gives it)
        "damage_detail": "{detail}",
        "damage_missing": "{path} ontbreekt",
        "damage_store": "{path} is beschadigd ({detail})",
        "damage_store_detail": "{path} {detail}",
        "damage_not_store": "{path} is geen leesbare chunkopslag ({detail})",
        "damage_not_manifest": "{path} is geen manifest van een qa-index: {detail}",
        "damage_inconsistent": "{folder}/ klopt niet met zichzelf ({vectors} vectoren, {bm25} in BM25, "
        "{chunks} "
        "stukken en {articles} artikelen in de chunkopslag, het manifest zegt {manifest_chunks} en "
        "{manifest_articles})",
        "damage_chunk_ids": "{path} bevat stuk {chunk}, {manifest} zegt dat de ids bij {next} beginnen",
        "damage_other_chunks": "de {what} van {folder}/ bevatten andere stukken dan {path}",
        "what_vectors": "vectoren",
        "what_bm25": "BM25-termtellingen",
        "damage_counts": "{path} bevat {chunks} stukken van {articles} artikelen tot id {last}, "
        "{manifest} zegt "
        "{manifest_chunks} van {manifest_articles} onder {next}",
        # --- Milvus (qa/milvus.py) ---
        "error_milvus_index_type": "--index-type {kind} is niet een van auto, {types}",
        "error_lite_index_type": "milvus-lite indexeert vectoren alleen met FLAT of IVF_FLAT, niet met "
        "{kind}; geef "
        "--index-type flat of ivf, of gebruik een Milvus-server",
        "error_milvus_format": "de index heeft Milvus-formaat {found}, deze qa leest {version}",
        "error_milvus_format_rebuild": "{store}: {reason}; herbouw hem met `qa build {options}`",
        "error_milvus_version": "Milvus op {uri} is versie {version}; qa heeft 2.5 of later nodig "
        "(BM25-zoeken in "
        "de volle tekst); werk het bij",
        "milvus_no_folder": "kan {uri} niet aanmaken: de map bestaat niet",
        "milvus_lite_busy": "{uri} is open in een ander proces (milvus-lite bedient één proces tegelijk); "
        "stop dat "
        "(de app, een build), of gebruik een Milvus-server",
        "milvus_credentials": "Milvus op {uri} weigerde de inloggegevens; zet QA_MILVUS_TOKEN "
        "(gebruiker:wachtwoord of API-sleutel)",
        "milvus_unreachable": "Milvus op {uri} is onbereikbaar; draait het? (README: a Milvus server)",
        "milvus_error": "Milvus op {uri}: {detail}",
        "error_not_qa_collection": "collectie {meta} in {uri} is geen qa-index; kies een andere --collection "
        "(env QA_COLLECTION)",
        "error_milvus_damaged": "de index in {store} is beschadigd: {problem}; herbouw hem met "
        "`qa build --rebuild {options}`",
        "error_no_milvus_index": "nog geen index in {store}; draai eerst `qa build {options}`",
        "error_milvus_dimension": "collectie {name} in {uri} bevat vectoren van dimensie {found}, maar de "
        "index is "
        "gebouwd met {model} ({dimension}); draai `qa build --rebuild {options}`",
        "error_milvus_vectors_changed": "de index in {store} indexeert zijn vectoren met {previous}; om "
        "ze met "
        "{asked} te indexeren: voeg --rebuild toe (bedt alles opnieuw in) of gebruik `qa migrate` vanuit een "
        "lokale index",
        "error_milvus_build_running": "er loopt al een andere build van {store} ({host}, pid {pid}, sinds "
        "{since}); "
        "wacht tot die klaar is",
        "error_milvus_build_started": "er is net een andere build van {store} begonnen; wacht tot die "
        "klaar is",
        "damage_milvus_manifest": "het manifest in {meta} is onleesbaar ({detail})",
        "damage_collection_missing": "collectie {name} ontbreekt",
        "damage_milvus_counts": "de collecties bevatten {chunks} stukken van {articles} artikelen, het "
        "manifest "
        "zegt {manifest_chunks} van {manifest_articles}",
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
        "upload": "Add articles: drop files here (.txt, .md, .html, .pdf; many at once: .jsonl, .json, .csv, "
        ".tsv). They go into the index at once.",
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
        "periods_note": "The question compares periods ({phrases}): each was searched and answered "
        "on its own.",
        "period_unanswered": "For “{phrase}” the passages found give no clear answer.",
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
        "asked_mass": "a weight",
        "asked_volume": "a volume",
        "asked_energy": "an amount of power or energy",
        "asked_area": "an area",
        "asked_duration": "a duration",
        "asked_age": "an age",
        "asked_rank": "a place in an order",
        "asked_time": "a time of day",
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
        "progress_reading": "Reading the corpus",
        "progress_chunks": "Embedding chunks",
        "progress_sentences": "Embedding sentences",
        "built": "Index updated",
        "added": "added",
        "changed": "changed",
        "removed": "removed",
        "unchanged": "unchanged",
        "skipped": "skipped",
        "duplicates": "already in the archive",
        "duplicate_of": "the same text as {name}, not taken twice",
        "ignored": "ignored",
        "ignored_type": "not read: articles come from {types}",
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
        "article_too_deep": "its HTML nests {depth} elements deep; past {limit} its text cannot be read",
        "article_bad_wide_text": "not {codec} text (bad bytes at offset {offset})",
        "article_empty": "file is empty",
        "article_binary_file": "binary file, not text ({controls} control characters)",
        "article_binary_data": "binary data, not text ({controls} control characters)",
        "article_nul_bytes": "binary file (contains NUL bytes), not text (UTF-16 needs a byte order mark)",
        "article_bad_bytes": "not UTF-8 or Windows-1252 text (bad byte at offset {offset})",
        "front_matter_unclosed": "broken front matter: no closing '{fence}' line",
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
        "archive_not_json": "not a JSON array of articles: the file starts with {start} instead of "
        "'[' or '{{'",
        "archive_json_not_utf8": "not UTF-8 text; JSON is saved as UTF-8",
        "archive_json_no_articles": "not a JSON array of articles: none of the first {n} elements can be "
        "read (line {line}: {reason})",
        "archive_no_header": "the first line is not a header of column names",
        "archive_no_text_column": "no text column: expected one of {names} (the header names {shown})",
        "archive_header_empty": "nothing",
        "row_same_id": "id {key} is also the id of the row on line {line}; give each row its own id",
        "row_too_long": "row of {size} MB, over the limit of {limit} MB (QA_MAX_FILE_MB or qa build "
        "--max-file-mb)",
        "row_not_text": "not UTF-8 or Windows-1252 text",
        "row_not_json_at": "not JSON: {problem} at column {column}",
        "row_not_json": "not JSON: {problem}",
        "row_json_unfinished": "not JSON: the file ends inside it",
        "json_expecting_value": "Expecting value",
        "json_expecting_name": "Expecting property name enclosed in double quotes",
        "json_expecting_colon": "Expecting ':' delimiter",
        "json_expecting_comma": "Expecting ',' delimiter",
        "json_unterminated_string": "Unterminated string",
        "json_control_character": "Invalid control character (tab, line end) in a string",
        "json_bad_escape": "Invalid \\escape",
        "json_extra_data": "Extra data",
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
        "error_empty_question": 'the question is empty; ask something, e.g. qa ask "Wie is Sheinbaum?"',
        "error_k": "k must be at least 1, got {k}",
        "error_search_mode": "search mode must be one of {modes}, got {mode}",
        "error_per_article": "--per-article must be at least 1",
        "error_chunking_options": "--max-words must be at least 1 and --overlap at least 0",
        "error_bad_history": "history must hold earlier answers of /ask ({detail})",
        "error_bad_date_option": "--{name} must be a date like 2019, 2019-04 or 2019-04-12, got {value}",
        "error_dates_reversed_option": "--since {since} is after --until {until}",
        "error_max_file_mb": "QA_MAX_FILE_MB or --max-file-mb must be a positive number of megabytes, got "
        "{value}",
        "error_max_upload_mb": "QA_MAX_UPLOAD_MB must be a positive number of megabytes, got {value}",
        "error_users": "QA_USERS entry {entry} is not user:password",
        "error_llm_url": "{name} must be an http(s) URL such as http://localhost:11434/v1, got {url}",
        "error_llm_seconds": "{name} must be a positive number of seconds, got {value}",
        "error_no_corpus": "corpus folder {corpus}/ does not exist; create it and put articles in it",
        "error_no_index": "no index in {folder}/ yet; run `qa build{hint}` first",
        "error_no_index_yet": "no index in {folder}/ yet",
        "error_index_changing": "{folder}/ changed {n} times while being opened; try again",
        "error_no_article": "no article {id} in {where}",
        "error_build_running": "another build of {where} is running; wait for it to finish",
        "error_index_is_file": "{folder} is a file, not an index folder; pick another --index",
        "error_foreign_files": "{folder}/ holds files that are not a qa index ({names}); pick an empty or "
        "new "
        "--index folder",
        "error_index_format": "{path} has index format {found}, this qa reads {version}; run "
        "`qa build --index {folder}` to rebuild it",
        "error_manifest_unreadable": "cannot read {path} ({detail}); check its permissions",
        "error_damaged": "{problem}; run `qa build --rebuild --index {folder}`",
        "error_model_mismatch": "{where} says the index was built with {built}, not {model}; run "
        "`qa build --model {model}` to rebuild it, or drop --model",
        "error_model_load": "cannot load model {name}{offline}: {detail}; use {default}, {minilm} or a local "
        "sentence-transformers folder",
        "model_offline": " (no hub access: HF_HUB_OFFLINE is set)",
        "error_untrusted_model": "{manifest} names the local model folder {name}, which is loaded only "
        "when you "
        "name it; pass `--model {name}` if you trust it",
        "error_model_dimension": "the model does not report its embedding dimension",
        "error_model_changed": (
            "model {model} now gives vectors of dimension {found}, the index has {dimension}: rebuild "
            "with qa build --rebuild"
        ),
        "error_index_params": "--index-params must be a JSON object such as '{example}', got {value}",
        "error_index_params_local": "--index-params is for a Milvus store (--store); a local index takes "
        "--index-type only",
        "error_index_type_milvus": "--index-type {kind} is for a Milvus store (--store); a local index "
        "takes {types}",
        "error_local_index_type": "{folder}/ is a local index: --index-type takes {types} there",
        "error_not_milvus": "--to {to} is not a Milvus store: give milvus://host:19530, https://… or a "
        ".db file",
        "error_collection_name": "--collection {name} is not a Milvus collection name: letters, digits and "
        "underscores, not starting with a digit",
        "error_eval_unreadable": "cannot read {path}: {detail}",
        "error_eval_header": "{path}: the first line must be the header 'question<TAB>answer'",
        "error_eval_empty_question": "{path}:{line}: field 'question' is empty",
        "error_eval_lang": "{path}:{line}: field 'lang' must be nl or en, got {lang}",
        "error_eval_no_questions": "{path} holds no questions",
        "damage_detail": "{detail}",
        "damage_missing": "{path} is missing",
        "damage_store": "{path} is damaged ({detail})",
        "damage_store_detail": "{path} {detail}",
        "damage_not_store": "{path} is not a readable chunk store ({detail})",
        "damage_not_manifest": "{path} is not a qa index manifest: {detail}",
        "damage_inconsistent": "{folder}/ is inconsistent ({vectors} vectors, {bm25} in BM25, {chunks} "
        "chunks and "
        "{articles} articles in the chunk store, the manifest says {manifest_chunks} and "
        "{manifest_articles})",
        "damage_chunk_ids": "{path} holds chunk {chunk}, {manifest} says ids start at {next}",
        "damage_other_chunks": "the {what} of {folder}/ hold other chunks than {path}",
        "what_vectors": "vectors",
        "what_bm25": "BM25 term counts",
        "damage_counts": "{path} holds {chunks} chunks of {articles} articles up to id {last}, {manifest} "
        "says "
        "{manifest_chunks} of {manifest_articles} below {next}",
        "error_milvus_index_type": "--index-type {kind} is not one of auto, {types}",
        "error_lite_index_type": "milvus-lite indexes vectors with FLAT or IVF_FLAT only, not {kind}; pass "
        "--index-type flat or ivf, or use a Milvus server",
        "error_milvus_format": "the index has Milvus format {found}, this qa reads {version}",
        "error_milvus_format_rebuild": "{store}: {reason}; run `qa build {options}` to rebuild it",
        "error_milvus_version": "Milvus at {uri} is version {version}; qa needs 2.5 or later (BM25 full-text "
        "search); upgrade it",
        "milvus_no_folder": "cannot create {uri}: its folder does not exist",
        "milvus_lite_busy": "{uri} is open in another process (milvus-lite serves one process at a time); "
        "stop "
        "that one (the app, a build), or use a Milvus server",
        "milvus_credentials": "Milvus at {uri} refused the credentials; set QA_MILVUS_TOKEN "
        "(user:password or "
        "API key)",
        "milvus_unreachable": "cannot reach Milvus at {uri}; is it running? (README: a Milvus server)",
        "milvus_error": "Milvus at {uri}: {detail}",
        "error_not_qa_collection": "collection {meta} in {uri} is not a qa index; pick another --collection "
        "(env QA_COLLECTION)",
        "error_milvus_damaged": "the index in {store} is damaged: {problem}; run `qa build --rebuild "
        "{options}`",
        "error_no_milvus_index": "no index in {store} yet; run `qa build {options}` first",
        "error_milvus_dimension": "collection {name} in {uri} holds vectors of dimension {found}, but the "
        "index was "
        "built with {model} ({dimension}); run `qa build --rebuild {options}`",
        "error_milvus_vectors_changed": "the index in {store} indexes its vectors with {previous}; to "
        "index them "
        "with {asked} add --rebuild (embeds everything again) or `qa migrate` from a local index",
        "error_milvus_build_running": "another build of {store} is running ({host}, pid {pid}, since "
        "{since}); "
        "wait for it to finish",
        "error_milvus_build_started": "another build of {store} has just started; wait for it to finish",
        "damage_milvus_manifest": "its manifest in {meta} is unreadable ({detail})",
        "damage_collection_missing": "collection {name} is missing",
        "damage_milvus_counts": "its collections hold {chunks} chunks of {articles} articles, the "
        "manifest says "
        "{manifest_chunks} of {manifest_articles}",
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
