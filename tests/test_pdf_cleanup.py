"""PDF text cleanup, structure and table rows: pure functions of strings, no files, no models."""

from __future__ import annotations

from assistant.ingest.cleanup import (
    clean_pages,
    heading_level,
    join_lines,
    normalize_chars,
    reflow,
    remove_running_lines,
    separate_footnote_markers,
    split_glued_words,
)
from assistant.ingest.tables import render_rows
from assistant.text import sentence_spans

LIGATURES = "\ufb00\ufb01\ufb02\ufb03\ufb04"


def test_ligatures_become_letters():
    assert normalize_chars("bene\ufb01t, di\ufb00erentiate, \ufb02ow") == "benefit, differentiate, flow"
    assert not set(LIGATURES) & set(normalize_chars("e\ufb03cient o\ufb04ine"))


def test_soft_hyphens_and_odd_spaces_go():
    assert normalize_chars("deten\u00adtion\u00a0centre\r\nnext") == "detention centre\nnext"


def test_glued_words_are_separated():
    glued = normalize_chars("Thedatasetdoesnotdi\ufb00erentiatebetweenraceandethnicity")
    assert split_glued_words(glued) == "The data set does not differentiate between race and ethnicity"
    assert split_glued_words("upon receipt under thisMOA.") == "upon receipt under this MOA."


def test_real_words_and_names_are_not_split():
    text = "Neurocysticercosis at Adelanto; McDonald; iPhone; encephalopathy; enforcement"
    assert split_glued_words(text) == text
    assert split_glued_words("Zyxwquarterly", known=frozenset({"zyxwquarterly"})) == "Zyxwquarterly"


def test_footnote_markers_are_split_from_words():
    assert separate_footnote_markers("honor detainers.15 The Act") == "honor detainers. [15] The Act"
    assert separate_footnote_markers("all detainers15 and warrants") == "all detainers [15] and warrants"
    # Numbers that are not footnotes stay as they are.
    for text in ("in FY 2016.1 more", "Table 1.1 shows", "Form I-247A here", "8 U.S.C.1357", "COVID 19 cases"):
        assert separate_footnote_markers(text) == text


def test_words_hyphenated_across_lines_are_joined():
    assert join_lines("subject to enforce-", "ment actions") == "subject to enforcement actions"
    assert join_lines("a well-", "known rule") == "a well-known rule"
    assert join_lines("CACERES-", "Maradiaga") == "CACERES-Maradiaga"
    assert join_lines("the end of", "a line") == "the end of a line"


def test_running_headers_footers_and_page_numbers_are_removed():
    words = ("detainers", "warrants", "fingerprints", "courts")
    body = [[f"Paragraph {i} of the agreement on {words[n - 1]}." for i in range(4)] for n in range(1, 5)]
    pages = [["287(g) Agreement | Massachusetts DOC", "ARTICLE I", *body[n - 1][:2], f"Body text of page {n}.",
              *body[n - 1][2:], f"Page {n} of 4"] for n in range(1, 5)]
    for n, lines in enumerate(pages, start=1):
        lines.insert(len(lines) - 1, f"Federal Deaths in Custody | December 2020 {n}")  # a footer, page number last
    pages[2].insert(1, "Table 3")
    cleaned = remove_running_lines(pages)
    for lines in cleaned:
        assert not any(line.startswith(("287(g) Agreement", "Page ", "Federal Deaths")) for line in lines)
    assert cleaned[0] == ["ARTICLE I", *body[0][:2], "Body text of page 1.", *body[0][2:]]
    assert "Table 3" in cleaned[2]  # a recurring heading is structure, not a running header


def test_heading_lines_are_recognised():
    for line in ("ARTICLE V", "ARTICLE V. TERMINATION", "III. POLICY", "IL. AUTHORITY",
                 "A. DESIGNATION OF AUTHORIZED FUNCTIONS", "Section 4: Scope", "MEMORANDUM OF AGREEMENT",
                 "Table 4"):
        assert heading_level(line) is not None, line
    for line in ("Section 287(g) of the Immigration and Nationality Act authorizes the Secretary",
                 "This MOA sets forth the terms.", "ICE", "1. The LEA will report monthly.", "FY 2016 2017"):
        assert heading_level(line) is None, line


def test_reflow_makes_paragraphs_headings_and_list_items():
    lines = ["II. PURPOSE", "The purpose of this collaboration is to enhance the safety and",
             "security of communities. ICE and the LEA agree.", "",
             "e The power and authority to interrogate any alien.", "e The power to arrest without a",
             "warrant.", "Table 2", "Deaths by facility, 2017"]
    text = reflow(lines)
    assert text.split("\n\n") == [
        "## II. PURPOSE",
        "The purpose of this collaboration is to enhance the safety and security of communities. "
        "ICE and the LEA agree.",
        "- The power and authority to interrogate any alien.",
        "- The power to arrest without a warrant.",
        "### Table 2 Deaths by facility, 2017",
    ]


def test_clean_pages_fixes_ocr_section_signs():
    [page] = clean_pages(["authority under INA $ 287(a)(1) and 8 C.F.R. $ 287.5(c)."])
    assert page == "authority under INA § 287(a)(1) and 8 C.F.R. § 287.5(c)."


def test_table_rows_keep_their_column_headers():
    grid = [["", "", "2016", None, "2017", None],
            ["", None, "Arrest-related deaths", "Deaths in custody", "Arrest-related deaths", "Deaths in custody"],
            ["", "Total deaths", "51", "468", "41", "429"],
            ["Department of Homeland Security", None, "", "", "", ""],
            ["", "Immigration and Customs Enforcement", "0", "10", "0", "12"]]
    rows, names = render_rows(grid)
    assert rows == [
        "Total deaths — 2016 Arrest-related deaths: 51; 2016 Deaths in custody: 468; "
        "2017 Arrest-related deaths: 41; 2017 Deaths in custody: 429.",
        "Immigration and Customs Enforcement (Department of Homeland Security) — 2016 Arrest-related deaths: 0; "
        "2016 Deaths in custody: 10; 2017 Arrest-related deaths: 0; 2017 Deaths in custody: 12.",
    ]
    assert names[2] == "2016 Arrest-related deaths"


def test_table_continued_on_the_next_page_reuses_its_header():
    first = [["", "NAME", "COUNTRY OF\nBIRTH", "DATE OF\nDEATH"], ["1", "CACERES-\nMaradiaga, Vicente", "HONDURAS",
                                                                    "5/31/2017"]]
    rows, names = render_rows(first)
    assert rows == ["1 — NAME: CACERES-Maradiaga, Vicente; COUNTRY OF BIRTH: HONDURAS; DATE OF DEATH: 5/31/2017."]
    more, _ = render_rows([["9", "JOSHUA-Toyin, Olubunmi", "UNITED\nKINGDOM", "10/24/2016"]], names)
    assert more == ["9 — NAME: JOSHUA-Toyin, Olubunmi; COUNTRY OF BIRTH: UNITED KINGDOM; DATE OF DEATH: 10/24/2016."]


def test_percent_signs_in_their_own_column_join_the_number():
    rows, _ = render_rows([["", "Number", "Percent", None], ["Suicide", "37", "42.0", "%"]])
    assert rows == ["Suicide — Number: 37; Percent: 42.0%."]


def test_enumerated_legal_items_are_sentences_of_their_own():
    text = ("The notice will include, at a minimum: (1) An overview of the reasons; (2) All available data "
            "on the aliens identified; and (3) Examples of cases. The LEA agrees.")
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The notice will include, at a minimum:", "(1) An overview of the reasons;",
        "(2) All available data on the aliens identified;", "and (3) Examples of cases.", "The LEA agrees."]
    single = "ICE will notify the LEA under paragraph (a) of this section; the LEA will reply."
    assert [single[s:e] for s, e in sentence_spans(single)] == [single]


def test_a_footnote_marker_stays_with_its_sentence():
    text = "Homicides made up 47% of deaths. [2] The U.S. Office reviewed them."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Homicides made up 47% of deaths. [2]", "The U.S. Office reviewed them."]


def test_ocr_noise_lines_are_dropped_and_citations_kept():
    noise = "Ve?..,,._+, Y'1re c.-+vr0 ff j C. e 1 C.o ,v, r'Y1 ll.vl I C. (,-._+.,·<IV'-~"
    [page] = clean_pages([f"The points of contact are listed below.\n{noise}\n"
                          "8 U.S.C. §§ 1225(b)(1), 1228, 1229; 8 C.F.R. §§ 235.3, 238.1 apply."])
    assert noise not in page and "1225(b)(1)" in page and "listed below." in page
