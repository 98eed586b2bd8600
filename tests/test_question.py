"""Reading a question once: language, period, what is asked, names, and how a period ranks text."""

from __future__ import annotations

import datetime as dt

import pytest

from qa.lexical import terms
from qa.question import (
    DISTANCE,
    Period,
    Question,
    adjective_names,
    adjective_of,
    asked_apart,
    asks_ahead,
    expects,
    full_years,
    place_matcher,
    read_period,
    read_question,
    years_spoken_of,
)


@pytest.mark.parametrize(("question", "lang"), [
    ("Wat bood Trump aan?", "nl"), ("What did Trump offer?", "en"), ("Wie is Starmer?", "nl"),
    ("Who is Starmer?", "en"), ("Hoeveel migranten?", "nl"), ("How many migrants crossed?", "en"),
])  # fmt: skip
def test_language_of_the_question(question, lang):
    assert read_question(question).language == lang


@pytest.mark.parametrize(("question", "since", "until", "phrase"), [
    ("Wat gebeurde er in 2017 aan de grens?", "2017", "2017", "in 2017"),
    ("Hoeveel migranten kwamen er sinds 2020?", "2020", None, "sinds 2020"),
    ("Wat zei Trump in april 2019?", "2019-04", "2019-04", "in april 2019"),
    ("What did Kelly say in February 2017?", "2017-02", "2017-02", "in February 2017"),
    ("What happened since 2020?", "2020", None, "since 2020"),
    ("Wat gebeurde er na 2019?", "2020", None, "na 2019"),
    ("Wat gebeurde er vóór maart 2019?", None, "2019-02", "vóór maart 2019"),
    ("Wat gebeurde tussen 2017 en 2019?", "2017", "2019", "tussen 2017 en 2019"),
    ("What happened between 2017 and 2019?", "2017", "2019", "between 2017 and 2019"),
    ("Hoeveel mensen staken in 2019-2020 over?", "2019", "2020", "2019-2020"),
    ("Wie won het seizoen 2022/2023?", "2022", "2023", "2022/2023"),
    ("Hoeveel migranten kwamen er van 2015 tot 2018?", "2015", "2018", "van 2015 tot 2018"),
    ("Wat gold van mei 2020 t/m juni 2021?", "2020-05", "2021-06", "van mei 2020 t/m juni 2021"),
    ("Wat gold van 2020 tot en met 2021?", "2020", "2021", "van 2020 tot en met 2021"),
    ("How many people crossed from 2015 to 2018?", "2015", "2018", "from 2015 to 2018"),
    ("What happened on May 5, 2020?", "2020-05", "2020-05", "May 5, 2020"),
    ("What happened on 5 May 2020?", "2020-05", "2020-05", "May 2020"),
    ("Hoeveel zetels haalde de VVD bij de verkiezingen van 2017?", "2017", "2017", "van 2017"),
    # A bare year is the event's year too.
    ("Hoeveel migranten werden in het begrotingsjaar 2019 aangehouden?", "2019", "2019", "2019"),
    ("How many seats did the party win in the 2023 election?", "2023", "2023", "2023"),
    # A year written short is written out.
    ("Hoeveel zetels haalde de PVV in november '23?", "2023-11", "2023-11", "in november 2023"),
    ("Wat gebeurde er in ’15 aan de grens?", "2015", "2015", "in 2015"),
    ("What happened in the '99 floods?", "1999", "1999", "1999"),
    # A part of a year is the months it spans.
    ("Welke econoom zei begin 2020 dat er meer banen waren?", "2020-01", "2020-03", "begin 2020"),
    ("Hoeveel geld was er eind 2023 betaald?", "2023-10", "2023-12", "eind 2023"),
    ("Wat gebeurde er medio 2021?", "2021-05", "2021-08", "medio 2021"),
    ("What happened in mid-2021?", "2021-05", "2021-08", "mid-2021"),
    ("Hoeveel dieren werden in het najaar van 2022 gedood?", "2022-09", "2022-11", "het najaar van 2022"),
    ("Waarom kwam er in de winter van 2021 geen tocht?", "2021-01", "2021-03", "de winter van 2021"),
    # A winter across the turn of the year runs from December to March.
    ("Wat ontbrak in de winter van 2017 op 2018?", "2017-12", "2018-03", "de winter van 2017 op 2018"),
    ("Hoe lang duurde de griep in de winter 2017-2018?", "2017-12", "2018-03", "de winter 2017-2018"),
    ("How long did the flu last in the winter of 2022/23?", "2022-12", "2023-03", "the winter of 2022/23"),
    ("Hoeveel vielen er in de winter 2015-2018?", "2015", "2018", "2015-2018"),  # no one winter
    ("Welke vogels stierven in de zomer van 2022?", "2022-06", "2022-08", "de zomer van 2022"),
    ("Where did diphtheria break out in the autumn of 2022?", "2022-09", "2022-11", "the autumn of 2022"),
    ("How many lived in the US in early 2017?", "2017-01", "2017-03", "early 2017"),
    ("Wat gebeurde er begin maart 2020?", "2020-03", "2020-03", "maart 2020"),  # the month is closer
    # A number that counts is no year: "meer dan 2000 mensen".
    ("Wat betaalt het COA als er meer dan 2000 mensen zijn, zoals in 2022?", "2022", "2022", "in 2022"),
])  # fmt: skip
def test_the_period_a_question_names(question, since, until, phrase):
    assert read_question(question).period == Period(since, until, phrase)


@pytest.mark.parametrize("question", [
    "Wie is Claudia Sheinbaum?",
    "Hoeveel mensen, zo'n 2.000, kwamen?",
    "Hoeveel mensen kwamen er in 1.2019 stappen?",
    "Welke hits uit de jaren '80 draaide de zender?",  # a decade, not 1980
])  # fmt: skip
def test_no_period_in_the_question(question):
    assert read_question(question).period is None


def test_a_short_year_is_this_centurys_up_to_five_years_ahead_and_the_last_centurys_beyond():
    ahead = (dt.date.today().year + 5) % 100
    assert full_years(f"in '{ahead:02d}") == f"in {2000 + ahead}"
    assert full_years(f"in '{ahead + 1:02d}") == f"in {1900 + ahead + 1}"
    # Quoted numbers, elisions and decades stay as they are.
    for text in ("het cijfer '23'", "'t Hooft", "rock 'n' roll", "the '80s", "de jaren '80"):
        assert full_years(text) == text


@pytest.mark.parametrize(("question", "alone"), [
    ("Hoeveel asielaanvragen waren er in 2015 en 2023?",
     ["Hoeveel asielaanvragen waren er in 2015?", "Hoeveel asielaanvragen waren er in 2023?"]),
    ("Hoeveel zetels haalde de PVV bij de verkiezingen van 2017 en van 2023?",
     ["Hoeveel zetels haalde de PVV bij de verkiezingen van 2017?",
      "Hoeveel zetels haalde de PVV bij de verkiezingen van 2023?"]),
    ("How high was inflation in 2021, 2022 and 2023?",
     [f"How high was inflation in {year}?" for year in (2021, 2022, 2023)]),
    ("Wat was de inflatie in maart 2021 of in november 2023?",
     ["Wat was de inflatie in maart 2021?", "Wat was de inflatie in november 2023?"]),
    ("Hoeveel zetels haalde de VVD in 2017 en hoeveel in 2021?",
     ["Hoeveel zetels haalde de VVD in 2017?", "Hoeveel zetels haalde de VVD in 2021?"]),
    # One period, a range, or the same period twice: nothing to compare.
    ("Wat gebeurde er in 2015?", []),
    ("Wat gebeurde er tussen 2015 en 2023?", []),
    ("Wat gebeurde er in 2019-2020?", []),
    ("Wat gebeurde er van 2015 tot en met 2023?", []),
    ("Wat gebeurde er in 2015 en in 2015?", []),
])  # fmt: skip
def test_periods_named_apart_are_each_asked_alone(question, alone):
    assert asked_apart(question) == alone
    read = read_question(question)
    assert [p.phrase.split(maxsplit=1)[1] for p in read.periods] == [
        read_question(a).period.phrase.split(maxsplit=1)[1] for a in alone
    ]
    assert read.period == (read_period(question))


@pytest.mark.parametrize(("question", "particle"), [
    ("Wat bood Trump aan?", "aan"),
    ("Wanneer trad het kabinet af ?", "af"),
    ("Hoeveel migranten staken het Kanaal over?", "over"),
    ("Wie won de race?", ""),
    ("What did Trump offer in?", ""),  # English has no separable verbs
])  # fmt: skip
def test_the_particle_of_a_separable_verb_at_the_end(question, particle):
    assert read_question(question).particle == particle


def test_a_period_can_be_ignored():
    assert read_question("Wat gebeurde er in 2017?", use_period=False).period is None


@pytest.mark.parametrize(("question", "asked"), [
    ("Hoeveel heeft het Rwanda-plan de Britse belastingbetaler uiteindelijk gekost?", "money"),
    ("Wat kostte de muur?", "money"),
    ("How much did the wall cost?", "money"),
    ("Hoeveel kilometer grensmuur werd er gebouwd?", "distance"),
    ("Hoeveel millimeter regen viel er?", "distance"),
    ("How many light years away is the black hole?", "distance"),
    ("Met hoeveel procent nam het aantal toe?", "percentage"),
    ("Hoeveel mensen staken over?", "count"),
    ("Hoe vaak won Verstappen in 2023?", "count"),
    ("How often did Verstappen win in 2023?", "count"),
    ("How large was the budget deficit?", "count"),
    ("Hoe veranderde het aantal rechters?", "count"),
    ("How will the number of judges change?", "count"),
    ("Waarom steeg het aantal aanvragen?", "reason"),  # why, though it names a number
    ("Hoe lang duurde de formatie?", "duration"),
    ("Op welk vliegveld landde het toestel?", "place"),
    ("Hoelang duurde de formatie?", "duration"),
    # Time asked by its unit or as "tijd" is a duration, not any number ("de 25-jarige").
    ("Met hoeveel tijd verschil won Vingegaard de Tour?", "duration"),
    ("Hoeveel seconden voorsprong had hij?", "duration"),
    ("How many minutes did the speech last?", "duration"),
    ("How much time did the rescue take?", "duration"),
    ("Wat was het bedrag dat de ouders kregen?", "money"),
    ("Wat was de uitslag van de stemming?", "count"),
    ("Wat is de naam van de nieuwe minister?", "name"),
    ("Hoe oud was de zanger toen hij won?", "age"),
    ("How old was the singer?", "age"),
    ("Hoe laat ondertekende Beatrix de akte?", "time"),
    ("At what time did the curfew start?", "time"),
    ("Als hoeveelste eindigde Norris in Brazilië?", "rank"),
    ("Welke positie behaalde Norris?", "rank"),
    ("Wat was de opkomst?", "count"),
    ("What was the turnout?", "count"),
    ("Wiens plan werd afgewezen?", "person"),
    ("Wanneer werd het kabinet beëdigd?", "date"),
    ("Waarom viel het kabinet?", "reason"),
    ("Why did the cabinet fall?", "reason"),
    ("Om welke reden viel het kabinet?", "reason"),  # "reden", not only "redenen"
    ("Om welke redenen viel het kabinet?", "reason"),
    ("Hoe kwam het dat de dijk doorbrak?", "reason"),
    ("Wie won de verkiezingen?", "person"),
    ("Which Turkish minister was escorted to the border?", "person"),
    ("Welke kartelleider werd opgepakt?", "person"),
    ("Welke milieuorganisatie spande de zaak aan?", "organisation"),
    ("Welke actiegroep blokkeerde de weg?", "organisation"),
    ("Which rebel group claimed the attack?", "organisation"),
    ("Over welke groep migranten ging het?", "thing"),  # a kind of people, no organisation
    ("Which group of migrants was targeted?", "thing"),
    ("Welke krant berichtte over de e-mail?", "source"),
    ("In welke havenstad komt het centrum?", "place"),
    ("Tussen welke twee landen ligt het oerwoud?", "place"),  # plurals too
    ("Which countries took part?", "place"),
    ("Welke ministers traden af?", "person"),
    ("Welke bedrijven kregen een boete?", "organisation"),
    ("Waar werd Verstappen wereldkampioen?", "place"),
    ("Waar werd de top over migratie gehouden?", "place"),
    ("Waar ging het akkoord over?", None),  # what about, not where
    ("Waar stemde de Kamer mee in?", None),
    ("Welk onderzoeksbureau publiceerde de cijfers?", "organisation"),
    ("Welk instituut maakte de cijfers bekend?", "organisation"),
    ("Uit welke bron komen de cijfers?", "source"),
    ("Hoe noemden critici het inreisverbod?", "name"),
    ("Welk doel heeft de premier gesteld?", "thing"),  # what is said of the thing named
    ("What did Trump offer?", None),
    ("What did the judge decide?", None),  # what was decided, not which judge
    ("What did the ministry announce?", None),
    ("What did the newspaper report about the plan?", None),
    ("What newspaper reported the plan?", "source"),
    ("Welk laboratorium stelde de besmettingen vast?", "organisation"),
    ("Which hospital treated the victims?", "organisation"),
    # A measure is a number.
    ("Hoe zwaar is elk betonblok?", "count"),
    ("Hoe dik moet het ijs zijn?", "count"),
    ("How fast was the strongest gust?", "count"),
    ("Wat was de gemiddelde jaartemperatuur in De Bilt?", "count"),
    ("Wat was de koers van de peso?", "count"),
    ("What was the average price of a house?", "count"),
    ("What was ABP's funding ratio at the end of 2021?", "count"),
    ("Wat was de dekkingsgraad van ABP?", "count"),
    ("Wat was de reactie van de premier?", None),
    # The question word that comes first, not one of a clause after it.
    ("Welk onderzoeksbureau onderzocht wie de bezoekers waren?", "organisation"),
    ("Wie maakte bekend hoeveel pogingen waren verijdeld?", "person"),
    ("What did the minister call Greece when she visited?", "name"),
    ("Welk doel stelde de premier voor het aantal asielzoekers?", "count"),  # "which …" yields
    ("Welke tegenstander versloeg Nederland, en met welke score?", "count"),  # "Nederland" is no "land"
    ("Hoeveel dwangsom per dag moet het COA betalen?", "money"),
    ("Hoeveel moet een land betalen voor elke asielzoeker?", "money"),
    ("Hoeveel mensen moeten de boete betalen?", "count"),
    ("Hoe hard mag je in de stad rijden?", "count"),
    ("Which suspect was acquitted?", "person"),
    ("Which central banker voted against?", "person"),
    ("Welke verdachte werd vrijgesproken?", "person"),
    ("Welke militair geeft leiding aan de operatie?", "person"),
    ("Welke Nederlandse renster werd tweede?", "person"),
    ("Welke Nederlander versloeg Kramer?", "person"),
    ("Which Dutch skater won gold?", "person"),
    ("Welk programma onthulde de schikking?", "source"),
    ("Which TV show revealed the deal?", "source"),
    ("Welk vakblad berekende hoeveel goederen vastzaten?", "source"),  # a compound of "blad"
    ("What was the painter Armando's real name at birth?", "name"),
    ("Wat was de echte naam van Armando?", "name"),
    # Between "welke" and its noun only adjectives and numbers, not another noun and a verb.
    ("Welke rol speelde minister De Jonge?", "thing"),
    ("Which role did minister Jetten play?", "thing"),
    ("Welke voormalige premier werd voorzitter?", "person"),
    ("Welke twee ministers traden af?", "person"),
    ("Welk ander land verwijt Trump te weinig te doen?", "place"),
    ("Which opposition politician won in Istanbul?", "person"),
    ("What document must accompany every shipment?", "thing"),  # not a "company"
    ("In welk gebouw las koning Willem-Alexander de troonrede voor?", "place"),
    # After an opening "welke …" a "wie" starts a clause of it.
    ("Welke straf riskeert wie over het grenshek klimt?", "thing"),
    ("Welke straf kreeg kroongetuige Nabil B.?", "thing"),
    ("Voor welke straf vreest wie de grens oversteekt?", "thing"),
    # So after an opening "wat"/"what": "when" is a conjunction, no date asked.
    ("What do the walls form when seen from above?", None),
    ("Wat zei Rutte toen hij hoorde wanneer het kabinet viel?", None),
    ("Wat was de reden waarom hij stopte?", "reason"),
    ("When did the monument open?", "date"),
    ("Welke bewindspersoon vond het pijnlijk?", "person"),
    ("Welke aanklager eiste de straf?", "person"),
    ("Welke snackbarhouder verhoogde zijn prijzen?", "person"),
    ("Welke Leidse astronome kreeg de prijs?", "person"),
    ("Welk agentschap keurde het goed?", "organisation"),  # not an "agent"
    ("Welke toezichthouder legde de boete op?", "organisation"),  # not a "houder"
    ("Wat besteedden consumenten bij webwinkels?", "money"),
    ("Hoeveel gaat een gezin extra kwijt zijn aan boodschappen?", "money"),
    ("Hoeveel mensen raakten hun baan kwijt?", "count"),
    ("Welke branchevereniging van supermarkten wil dat niet?", "organisation"),
    ("Which privacy watchdog fined Meta?", "organisation"),
    # "Hoe ver" asks a distance, "how far ahead" a time.
    ("Hoe ver weg staat het zwarte gat?", "distance"),
    ("How far ahead must an employer notify an on-call worker?", "duration"),
    ("Hoe ver van tevoren moet de werkgever oproepen?", "duration"),
])  # fmt: skip
def test_what_a_question_asks_for(question, asked):
    found = read_question(question).asked
    assert (found.name if found else None) == asked


@pytest.mark.parametrize(("question", "sentence", "answers"), [
    ("Hoe oud was de zanger?", "Met Arcade kreeg de 25-jarige zanger 498 punten.", ["25-jarige"]),
    ("Hoe oud was de zanger?", "De zanger (25) won in 2019 in Tel Aviv.", ["(25)"]),
    ("How old was the singer?", "The singer, aged 25, won.", ["aged 25"]),
    ("Hoe laat begon de avondklok?", "De avondklok begon om 21.00 uur.", ["21.00 uur"]),
    ("Hoe laat tekende zij?", "Zij tekende om zeven over tien de akte.", ["zeven over tien"]),
    ("Hoe laat begon het?", "Om kwart voor half negen begon het, in 2021.", ["kwart voor half negen"]),
    ("Tegen welke prijs gaat de kerk over?", "De stichting neemt haar voor een symbolische euro over.",
     ["een symbolische euro"]),
    ("For what price was the club sold?", "De club werd verkocht voor 12 miljoen euro.", ["12 miljoen euro"]),
    ("Hoe laat begon het?", "Het begon in 2021 en duurde tien jaar.", []),
    ("Als hoeveelste eindigde Norris?", "Norris, die vanaf pole vertrok, werd slechts zesde.", ["zesde"]),
    # A count in words is a whole number word; "een" is an article, "achter" and "elftal" no number.
    ("Hoeveel kwamen er?", "Tweeëntwintig mensen en honderden boeren.", ["Tweeëntwintig", "honderden"]),
    ("Hoeveel mensen kwamen?", "Het elftal speelde een wedstrijd achter gesloten deuren.", []),
    # A reason: "door de" names who did it in a passive far more often than a cause; "since" a time.
    ("Waarom werd hij aangehouden?", "Hij werd door de politie aangehouden.", []),
    ("Waarom werd hij aangehouden?", "Hij werd aangehouden omdat hij geen papieren had.", ["omdat"]),
    ("Why did prices rise?", "Prices have risen since 2015.", []),
    # A purpose said to be one is a reason; a bare "om … te" is too common to be one.
    ("Waarom moet Schiphol krimpen?", "De krimp is nodig om de overlast te beperken.", ["nodig om"]),
    ("Waarom belde hij?", "Hij gebruikt de telefoontjes om zich te laten erkennen.", []),
    # Causes as news words them.
    ("Waarom reden de treinen beter?", "Dat is te danken aan minder storingen.", ["te danken aan"]),
    ("Waardoor kwamen er minder mensen?", "De daling heeft te maken met de prijzen.", ["te maken met"]),
    ("Waarom worden zij dakloos?", "Bij jongeren speelt de kostendelersnorm een rol.",
     ["speelt de kostendelersnorm een rol"]),
    ("Waarom werd hij bekend?", "Hij speelt voetbal.", []),
    # A cause singled out by an adverb is one, the agent of a passive is not; a reply is a reason.
    ("Waarom daalde de winst?", "De daling komt vooral door een afwaardering.", ["vooral door"]),
    ("Waarom daalde de winst?", "De winst werd berekend door de accountant.", []),
    ("Waarom stopte het overleg?", "Het overleg stopte als reactie op de aanval.", ["als reactie op"]),
    # A cause pointed at, pressing a figure down, or weighing most.
    ("Waarom verlaagde S&P het oordeel?", "S&P wijst vooral op de zwakke groei.", ["wijst vooral op"]),
    ("Waarom daalde de winst?", "De winst werd gedrukt door hogere kosten.", ["gedrukt door"]),
    ("Waarom sloot de keten?", "Het grootste probleem waren de hoge huren.", ["grootste probleem"]),
    ("Waarom liet Marokko hen gaan?", "Het is een vergelding voor de behandeling.", ["een vergelding"]),
    ("Waarom daalde het aantal?", "De LSVb wijst erop dat de nood groot is.", []),  # points out, no cause
    ("Hoe zwaar is een blok?", "Elk blok weegt 6500 kilo.", ["6500"]),
    # An amount in a named unit is answered by an amount in a unit of its kind, only.
    ("Hoeveel kilo cocaïne vond de Douane?", "De Douane vond 14,6 ton cocaïne.", ["14,6 ton"]),
    ("Hoeveel kilo vracht bracht het schip?", "Kuipers deed vijftig experimenten.", []),
    ("How many megawatts stood at sea?", "Op zee staat 2,5 gigawatt aan windparken.", ["2,5 gigawatt"]),
    # How long something lasts is answered by when it ends, too.
    ("Hoe lang blijft 2G in gebruik?", "KPN houdt het tot eind 2025 in de lucht.", ["tot eind 2025"]),
    ("Hoe lang geldt de avondklok?", "De maatregel geldt tot 10 februari.", ["tot 10 februari"]),
])  # fmt: skip
def test_an_amount_age_time_or_rank_is_found_as_news_writes_it(question, sentence, answers):
    assert [m.group(0) for m in read_question(question).answers_in(sentence)] == answers


def test_units_are_required_other_kinds_only_preferred():
    assert read_question("Wat kostte de muur?").asked.required
    assert read_question("Hoeveel ton goederen ging door de haven?").asked.required
    assert not read_question("Hoeveel mensen staken over?").asked.required


def said(question: str, sentence: str) -> list[str]:
    return [m.group(0) for m in read_question(question).answers_in(sentence)]


def test_answers_in_a_sentence_are_what_the_question_does_not_already_hold():
    count = "Hoeveel migranten staken in 2019 het Kanaal over?"
    assert said(count, "In 2019 staken 1.890 migranten over.") == ["1.890"]
    assert said(count, "Op 16 maart 2019 was het rustig.") == []  # a date is no amount
    money = "Wat kostte de muur?"
    assert said(money, "Het kostte €3,5 miljoen.") and said(money, "Het kostte duizenden ponden.")
    assert not said(money, "Meer dan 36.800 mensen staken over.")
    who = "Welke journalist stuurt berichten uit het kamp op Manus?"
    assert said(who, "Het is de Koerdische journalist Behrouz Boochani die berichten stuurt.") == [
        "Behrouz Boochani"
    ]
    assert not said(who, "Het kamp op Manus is gesloten.")
    # A name after "in", "naar", "bij" is where, not who.
    scorer = "Wie scoorde twee keer in de finale?"
    assert said(scorer, "In de finale in Enschede scoorde Vivianne Miedema twee keer.") == [
        "Vivianne Miedema"
    ]
    assert said("Where was the final?", "De finale in Enschede was uitverkocht.") == ["Enschede"]
    # An inflected word of the question, or an adjective of nationality, is no new name.
    family = "Hoe heette het Koerdisch-Iraanse gezin dat bij Duinkerke verdronk?"
    assert not said(family, "Een Koerdisch-Iraans gezin verdronk voor de kust van Duinkerke.")
    assert not said("Who was the Syrian man?", "Een Syrische jongen van 19 verdronk.")
    assert said("Wie was voorzitter?", "Dat zei commissievoorzitter Tom van der Lee.") == ["Tom van der Lee"]
    assert said("Waarom stapte de PVV op?", "De PVV stapte op, omdat de rest niet akkoord ging.") == ["omdat"]
    # A reason's or a source's marker is no answer in itself: the question may hold it too.
    cause = "Wat was de aanleiding voor het aftreden van het kabinet?"
    assert said(cause, "Aanleiding is het rapport 'Ongekend onrecht'.") == ["Aanleiding"]
    assert said("Waarom kwam er een avondklok?", "Het kabinet besloot ertoe uit zorg over de variant.") == [
        "uit zorg"
    ]
    assert said("Welke krant meldde het besluit?", "Dat meldde de Washington Post.") == ["meldde"]


def test_an_answer_next_to_the_focus_word():
    # How much of what the question counts or names stands next to an answer.
    seats = read_question("Hoeveel zetels haalde de VVD in 2017?")  # focus: "zetels haalde"
    for sentence, expected in (
        ("De VVD haalde 33 zetels.", 1.0),
        ("De partij komt uit op 33 zetels.", 0.5),
        ("Het CDA zakt 4 plaatsen.", 0.0),
    ):
        assert seats.focused(sentence, seats.answers_in(sentence)) == expected
    leader = read_question("Welke kartelleider werd in juli 2024 opgepakt?")
    sentence = "Na de arrestatie van kartelleider Ismael 'El Mayo' Zambada in juli."
    assert leader.focused(sentence, leader.answers_in(sentence)) > 0
    # The group counted, not only the noun: "Duitse studenten" is not the total of all students.
    german = read_question("Hoeveel Duitse studenten volgden een opleiding?")
    total = "In dat jaar volgden 81.392 internationale studenten een opleiding."
    group = "Duitsers vormen met 22.125 studenten de grootste groep."
    assert german.focused(group, german.answers_in(group)) > german.focused(total, german.answers_in(total))
    # A focus word is a stem: "apparaten" names "apparaat", "vermogensbeheerder" its own stem.
    device = read_question("Welk apparaat valt onder de terugroepactie?")
    assert device.answers_in("Het gaat om 4 miljoen apparaten, waaronder de DreamStation.")
    firm = read_question("Bij welke vermogensbeheerder werkt de analist?")
    assert firm.answers_in("Analist Ilse Dorrestein van vermogensbeheerder Theodoor Gilissen.")
    # A term news introduces by name answers "Welk …?" too, whatever its words.
    variant = read_question("Welke griepvariant ontbrak in het vaccin?")
    found = variant.answers_in("Het kwam door het B-virus van de zogenoemde Yamagata-lijn.")
    assert [m.group(0) for m in found] == ["Yamagata-lijn"]
    assert variant.answers_in("Het schilderij is ook wel bekend als de Lentetuin.")
    assert not variant.answers_in("Het seizoen was zwaar door een virus.")


def test_a_person_or_place_is_surely_named_in_full_after_a_role_or_after_a_preposition_of_place():
    def sure(question: Question, sentence: str, around: str = "") -> bool:
        return question.surely(sentence, question.answers_in(sentence), around or sentence)

    who = read_question("Wie scoorde twee keer in de finale?")
    assert sure(who, "Het duel werd beslist door Vivianne Miedema.")
    # A surname alone is sure where its passage names the person in full; "De VS" is no name in full.
    passage = "Vivianne Miedema maakte gelijk. Daarna scoorde Miedema opnieuw."
    assert sure(who, "Daarna scoorde Miedema opnieuw.", passage)
    assert not sure(who, "Daarna scoorde Miedema opnieuw.")
    assert not sure(who, "Alle wedstrijden van Oranje waren uitverkocht.")
    assert not sure(who, "Het geld gaat naar de VS.", "De VS betalen. Het geld gaat naar de VS.")
    assert sure(who, "Volgens bondscoach Wiegman was het verdiend.")
    # A role answers a who-question too, unless the question holds it already.
    assert sure(read_question("Wie eisen actie?"), "Democratische burgemeesters in Chicago eisen actie.")
    assert not sure(read_question("Welke burgemeesters eisen actie?"), "Burgemeesters in Chicago eisen dat.")
    where = read_question("Waar werd Verstappen wereldkampioen?")
    assert sure(where, "In de Grote Prijs van Las Vegas eindigde hij als vijfde.")
    assert not sure(where, "Met vier titels staat Verstappen in het rijtje met Alain Prost.")
    # The kind of place may stand between ("in de zwaar getroffen stad Antakya"), and "op", "via",
    # "tussen" are prepositions of place as well; a place noun alone is no preposition.
    team = read_question("In welke stad zocht het reddingsteam naar overlevenden?")
    assert sure(team, "Zij werkten een week in de zwaar getroffen stad Antakya.")
    assert sure(where, "Het toestel landde op de vliegbasis Eindhoven.")
    assert sure(where, "Ze slapen in het sportcomplex Benito Juárez.")
    assert sure(read_question("Via welk land verliep de vlucht?"), "De organisatie verliep via Qatar.")
    assert sure(where, "De jungle ligt op de grens tussen Colombia en Panama.")
    assert not sure(where, "Daar sprak de stad Antakya van een ramp.")
    # An amount's own row is sure enough: the feature is for persons and places only.
    seats = read_question("Hoeveel zetels haalde de VVD?")
    assert not sure(seats, "De VVD haalde 33 zetels.")


@pytest.mark.parametrize(("question", "expected"), [
    ("Wanneer stemde het Europees Parlement in met het EU-migratiepact?", ("Europees Parlement", "EU")),
    ("Hoeveel heeft het Rwanda-plan de Britse belastingbetaler gekost?", ("Rwanda", "Britse")),
    ("How many people live in the United States?", ("United States",)),
    ("Met welke collega sprak Kelly in Mexico-Stad?", ("Kelly", "Mexico", "Stad")),
    ("Sheinbaum zei wat?", ()),  # the first word is capitalised anyway
    ("hoeveel migranten kwamen er?", ()),
    # Months and weekdays are dates, not names; a possessive is the name.
    ("Why did the Dutch cabinet introduce a curfew in January 2021?", ("Dutch",)),
    ("How long would the path in Biden's January 2021 bill take?", ("Biden",)),
    ("How do I remove limescale?", ()),
    # Punctuation ends a run, a full stop also the sentence (its next word is no name); an
    # initial's full stop does neither.
    ("Wat zeiden Rutte, Wilders en Timmermans?", ("Rutte", "Wilders", "Timmermans")),
    ("Wat zei Rutte (VVD) over Wilders?", ("Rutte", "VVD", "Wilders")),
    ("Ik las over Moria. Hoeveel mensen nam Nederland op?", ("Moria", "Nederland")),
    ("Wat zei J.P. Balkenende over de Belarus–Polen-grens?", ("J P Balkenende", "Belarus", "Polen")),
    # Particles inside a name join it; a bare "de" only after a first name, never before an
    # abbreviation or a party.
    ("Wanneer trad Hugo de Jonge af?", ("Hugo de Jonge",)),
    ("Wat vond Tom van der Lee van het plan?", ("Tom van der Lee",)),
    ("Wie won de Grote Prijs van Las Vegas?", ("Grote Prijs van Las Vegas",)),
    ("Wat zei Rutte van de VVD?", ("Rutte", "VVD")),
    ("Wanneer nam de Eerste Kamer de Wet aan?", ("Eerste Kamer", "Wet")),
])  # fmt: skip
def test_names_are_capitalised_runs_and_compound_parts(question, expected):
    assert read_question(question).names == expected


def test_years_spoken_of_resolve_relative_phrases_against_the_publication_date():
    assert years_spoken_of("Vorig jaar vroegen 36.620 mensen asiel aan.", "2022-01") == {2021}
    assert years_spoken_of("In 2021 en dit jaar", "2023-05-02") == {2021, 2023}
    assert years_spoken_of("Het kost 2.019 euro, 12.2020 stuks.", None) == set()
    assert years_spoken_of("Bedoeld voor maximaal 2000 mensen, in 2022 meer dan 2450.", None) == {2022}
    assert years_spoken_of("Er kwamen 2000 mensen en 2019 euro binnen.", None) == set()
    # An annual report's year, and a season of the publication's year.
    assert years_spoken_of("Tata Steel boekte over het afgelopen boekjaar recordwinst.", "2022-05") == {2021}
    assert years_spoken_of("Profits fell in the past financial year.", "2019-04") == {2018}
    assert years_spoken_of("Deze zomer opent Symbolica.", "2017-01") == {2017}
    assert years_spoken_of("This autumn the bridge closes.", "2016-03") == {2016}
    assert years_spoken_of("Deze winter en deze maand", "2017-01") == set()  # no year tied to them
    # A count since January is this year's; the coming (fiscal) year the next.
    assert years_spoken_of("Sinds januari kwamen ruim 1700 migranten binnen.", "2021-07-10") == {2021}
    assert years_spoken_of("De VS laten het komende begrotingsjaar 45.000 mensen toe.", "2017-09") == {2018}
    assert years_spoken_of("Next year and the coming year", "2020-02") == {2021}


def test_expects_tells_a_forecast_or_plan_from_what_happened():
    assert expects("Rabobank rekent voor 2022 op een stijging van ongeveer 10 procent.")
    assert expects("Het CPB verwacht dat de inflatie daalt.")
    assert expects("De wet zal op 1 februari ingaan.")
    assert expects("Prices are expected to rise.")
    assert not expects("In 2022 werden 193.000 woningen verkocht.")
    assert not expects("De VVD haalde 34 zetels.")


def test_a_question_asks_ahead_when_it_asks_what_is_expected_or_intended():
    assert asks_ahead("Wat voor fabriek wil Tata Steel rond 2030 bouwen?")
    assert asks_ahead("How much fuel must KLM blend in by 2030?")
    assert asks_ahead("Hoeveel zetels verwacht de VVD?")
    assert asks_ahead("Hoeveel woningen moeten er tegen 2030 bij komen?")
    assert not asks_ahead("Waarom wilde het kabinet in 2022 minder vluchten?")  # what was wanted then
    assert not asks_ahead("Wat stond er in het plan van 2019?")
    assert not asks_ahead("Hoeveel zetels haalde de VVD in 2017?")


def test_a_year_compared_with_is_not_what_the_text_reports_on():
    # The 2017 result, compared with 2012: the sentence falls back on its article's date.
    assert years_spoken_of("De partij komt uit op 33 zetels, acht minder dan in 2012.", "2017-03") == set()
    assert years_spoken_of("Een verdubbeling ten opzichte van 2021, en meer dan vorig jaar.", "2023") == set()
    assert years_spoken_of("Het duurde 299 dagen, langer dan het vorige record uit 2017.", None) == set()
    assert years_spoken_of("In 2020 kwamen er vier keer zoveel als in 2019.", None) == {2020}
    assert years_spoken_of("Prices rose more than expected in 2015, compared with 2014.", None) == {2015}
    # What holds since a year may well be the news.
    assert years_spoken_of("Sinds 2015 is het aantal verdubbeld.", None) == {2015}


def test_relevance_to_a_period():
    period = read_period("Hoeveel asielaanvragen waren er in 2021?")
    assert period.relevance("In 2021 vroegen 36.620 mensen asiel aan.", "2022-01") == 1.0
    assert period.relevance("Vorig jaar vroegen 36.620 mensen asiel aan.", "2022-01") == 1.0
    # Its article's lead names the period; then only the publication date says something.
    assert 0 < period.relevance("Syriërs waren de grootste groep.", "2023-01", frozenset({2021})) < 1
    assert 0 < period.relevance("Syriërs waren de grootste groep.", "2021-06") < 1
    assert 0 < period.relevance("Syriërs waren de grootste groep.", "2022-02") < 1  # reported after
    # Speaking of other years only, or its article's lead does, or published long after.
    assert period.relevance("Vorig jaar vroegen 58.880 mensen asiel aan.", "2016-01") == 0
    assert period.relevance("Vorig jaar vroegen 19.000 mensen asiel aan.", "2021-01", frozenset({2020})) == 0
    assert period.relevance("Syriërs waren de grootste groep.", "2022-01", frozenset({2020})) == 0
    assert period.relevance("Syriërs waren de grootste groep.", "2024-01") == 0
    assert period.relevance("Syriërs waren de grootste groep.", None) == 0
    # A month's article recalling an earlier year in its lead is still of that month.
    november = read_period("Wie feliciteerde Wilders in november 2023?")
    assert november.relevance("Orbán feliciteerde Wilders.", "2023-11-23", frozenset({2021})) > 0


@pytest.mark.parametrize(
    "text",
    [
        "op 55 miljoen lichtjaar van de aarde",
        "150 millimeter regen",
        "12 zeemijl uit de kust",
        "4,3 mm",
    ],
)
def test_a_distance_is_held_in_any_unit_of_length(text: str) -> None:
    assert DISTANCE.held.search(text)
    assert not DISTANCE.held.search("de 25-jarige uit Hellevoetsluis")


def test_only_a_distance_in_its_unit_is_required():
    """A question for "hoeveel kilometer" is answered by kilometres only; "hoe ver" likelier by a
    distance, but also otherwise ("hoe ver moesten zij doorklikken?": "tot de vierde pagina")."""
    assert read_question("Hoeveel kilometer is de route?").asked.required
    assert not read_question("Hoe ver moesten gebruikers doorklikken?").asked.required


@pytest.mark.parametrize(("adjective", "place", "expected"), [
    ("Gelderse", "Gelderland", True),  # the stemmer drops the "ge" of both: "lders", "lderland"
    ("Haarlemse", "Haarlem", True),
    ("Antwerpse", "Antwerpen", True),
    ("Heerenveense", "Heerenveen", True),
    ("Belgische", "België", True),
    ("Duitse", "Duitsland", True),
    ("Haarlemse", "Harlingen", False),
    ("Haarlem", "Haarlemmermeer", False),  # no adjective
    ("Haagse", "Den Haag", True),
    ("Waalse", "Wallonië", False),  # irregular: not read
])  # fmt: skip
def test_a_place_is_told_by_its_adjective(adjective, place, expected):
    assert adjective_of(terms(adjective)[0], terms(place)[-1]) is expected


def test_a_question_name_is_held_by_its_place_or_its_adjective():
    held = place_matcher(("Gelderse", "Frans Timmermans"))
    assert held(terms("Gelderland")[0]) == set(terms("Gelderse"))
    assert held(terms("Frankrijk")[0]) == set()  # "Frans" is a name here, no adjective
    assert place_matcher(("Haarlem",))(terms("Haarlemse")[0]) == {"haarlem"}


@pytest.mark.parametrize(("adjective", "place", "expected"), [
    ("osse", "oss", True),  # a place ending in -s takes only -e
    ("bossche", "bosch", True),
    ("zoetermeerse", "zoetermeer", True),
    ("gelderse", "gelderland", True),
    ("waalse", "wallonie", False),
    ("haarlem", "haarlemse", False),  # the place is no adjective of its adjective
    ("grote", "groningen", False),
])  # fmt: skip
def test_a_place_is_named_by_its_adjective_as_written(adjective, place, expected):
    assert adjective_names(adjective, place) is expected
