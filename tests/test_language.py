"""The asker's language: choice over detection, the glossary's way into English documents,
translations shown only to their readers, and fixed text per language. Pure logic."""

from __future__ import annotations

import pytest

from assistant.errors import UserError
from assistant.index.bm25 import LexicalIndex
from assistant.prompts import load_messages
from assistant.retrieve.language import Glossary, choose_language, follow_up_query, for_reader
from assistant.settings import Settings
from assistant.types import Chunk, Passage


def test_a_persons_choice_wins_over_detection():
    assert choose_language("Does ICE need a warrant?", [], "es", 0.8) == "es"


def test_a_clear_question_is_answered_in_its_own_language():
    assert choose_language("¿ICE puede entrar a mi casa sin una orden de un juez?", [], None, 0.8) == "es"
    assert choose_language("A polícia pode compartilhar minhas digitais com o ICE?", [], None, 0.8) == "pt"
    assert choose_language("Èske lapolis ka pataje enfòmasyon ak ICE?", [], None, 0.8) == "ht"
    assert choose_language("Can the police share my fingerprints with ICE?", [], None, 0.8) == "en"


def test_a_question_too_short_to_tell_keeps_the_conversations_language():
    history = ["¿Qué decidió el tribunal en el caso Lunn?"]
    assert choose_language("Lunn?", history, None, 0.8) == "es"
    assert choose_language("Lunn?", [], None, 0.8) == "en"


def test_an_unknown_language_choice_is_a_one_line_error():
    with pytest.raises(UserError, match="'fr' is not one the assistant speaks; use one of en, es, pt, ht"):
        choose_language("Bonjour", [], "fr", 0.8)


def test_the_glossary_gives_english_terms_longest_phrase_first_keeping_names_and_numbers():
    glossary = Glossary({"judicial warrant": ["orden judicial"], "warrant": ["orden"], "police": ["policía"],
                         "share": ["comparte", "compartir"]})
    english = glossary.english_words("¿La Policia de Chelsea comparte una orden judicial de 2025?")
    # "orden judicial" is one term, not "warrant" and a stray word; "La" opens the question, not a name.
    assert english == "police Chelsea share judicial warrant 2025"


def test_the_search_in_the_questions_language_leaves_out_its_function_words():
    glossary = Glossary({"judicial warrant": ["orden judicial"], "what": ["qué"], "door": ["puerta"]})
    native, english = glossary.split("¿Qué pasa si ICE toca la puerta sin una orden judicial?")
    assert native == "ICE puerta orden judicial"
    assert english == "what ICE door judicial warrant"


def test_a_capitalised_name_the_documents_write_as_one_is_kept_where_a_sentence_opens():
    glossary = Glossary({"law": ["lei"], "passed": ["aprovada"]})
    # Opening the question, "Newton" looks like any capitalised first word: the documents' own
    # capitals ("names") say it is a name. A word typed in lower case stays a word of the
    # language ("nova", new, is no name although an English document may write "Nova").
    assert glossary.split("Newton tem lei aprovada?", names={"newton"}) == ("Newton lei aprovada", "Newton law passed")
    assert glossary.english_words("Newton tem lei aprovada?") == "law passed"
    assert glossary.split("Existe uma nova lei?", names={"nova"})[1] == "law"


def test_the_gloss_puts_the_words_the_glossary_knows_in_english_and_keeps_names():
    glossary = Glossary({"senate": ["senado"], "vote": ["votação"], "protect act": ["protect act"],
                         "massachusetts": ["massachusetts"]})
    question = "A votação do PROTECT Act no Senado de Massachusetts?"
    # "Senado" is a Portuguese word, capitalised: in English it is no name the documents lack.
    assert glossary.gloss(question) == "A vote do PROTECT Act no senate de Massachusetts?"
    assert glossary.untranslated(question) == "A · do PROTECT Act no · de Massachusetts?"


def test_a_follow_up_in_another_language_borrows_the_earlier_questions_words():
    earlier = ["Quantos xerifes de Massachusetts a GBH News consultou em 2025?"]
    follow_up = follow_up_query("e quais deles não responderam?", earlier, "pt")
    assert follow_up.startswith("e quais deles não responderam?") and "xerifes" in follow_up
    # Words with accents are borrowed whole.
    assert "polícia" in follow_up_query("e eles?", ["A polícia de Somerville coopera com o ICE?"], "pt")
    # A question that names its own topic is searched as it is.
    question = "Quantos pontos fazem alguém membro de gangue no banco de dados de Boston?"
    assert follow_up_query(question, earlier, "pt") == question


def _passage(doc_id: str, language: str, translation_of: str = "") -> Passage:
    meta = {"language": language, "translation_of": translation_of, "title": doc_id}
    return Passage(Chunk(f"{doc_id}#0", doc_id, "text", 0, 4, "", None, meta), 1.0)


def test_translations_are_shown_to_their_own_readers_in_place_of_the_original():
    passages = [_passage("kyr-door", "en"), _passage("kyr-door-es", "es", "kyr-door"),
                _passage("kyr-door-pt", "pt", "kyr-door"), _passage("lunn", "en")]
    assert [p.chunk.doc_id for p in for_reader(passages, "es", 10)] == ["kyr-door-es", "lunn"]
    assert [p.chunk.doc_id for p in for_reader(passages, "en", 10)] == ["kyr-door", "lunn"]
    assert [p.chunk.doc_id for p in for_reader(passages, "ht", 10)] == ["kyr-door", "lunn"]
    assert [p.chunk.doc_id for p in for_reader(passages, "en", 1)] == ["kyr-door"]


def test_fixed_text_comes_in_the_chosen_language_with_english_underneath(tmp_path):
    (tmp_path / "messages.toml").write_text('hello = "Hello"\nbye = "Bye"\n')
    (tmp_path / "messages.es.toml").write_text('hello = "Hola"\n')
    assert load_messages(tmp_path, "messages", "es") == {"hello": "Hola", "bye": "Bye"}
    assert load_messages(tmp_path, "messages", "en") == {"hello": "Hello", "bye": "Bye"}


def test_the_shipped_fixed_text_exists_in_every_language():
    prompts = Settings.load().answer.prompts_dir
    for language in ("es", "pt", "ht"):
        assert load_messages(prompts, "messages", language)["legal_notice"] != \
            load_messages(prompts, "messages", "en")["legal_notice"], language


@pytest.mark.parametrize(("question", "urgent"), [
    ("ICE está tocando mi puerta ahora mismo", True),
    ("O ICE está batendo na minha porta", True),
    ("ICE ap frape pòt mwen kounye a", True),
    ("ICE is at my door right now", True),
    ("¿Cómo hago un plan familiar por si acaso?", False),
    ("Como faço um plano familiar?", False),
    ("What is an ICE detainer?", False),
])
def test_urgency_is_read_from_the_question_in_its_own_language(question, urgent):
    from assistant.answer.referrals import is_urgent

    assert is_urgent(question) is urgent


def test_the_lexical_index_matches_words_typed_without_their_accents():
    index = LexicalIndex.build(["A polícia local não pode prender por causa de um pedido do ICE.",
                                "O tribunal marcou uma audiência para a próxima semana."])
    assert [row for row, _ in index.search("policia", 2)] == [0]
    assert [row for row, _ in index.search("audiencia proxima", 2)] == [1]
