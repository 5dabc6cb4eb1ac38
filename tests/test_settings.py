"""Settings: groups, one description per field, precedence, origins, and the README's table."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from assistant.errors import UserError
from assistant.settings import GROUPS, Settings, config_path
from assistant.settings_report import settings_markdown, settings_toml
from tests.conftest import ROOT


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch, tmp_path):
    """Each test sees only the settings it sets: no ASSISTANT_* from the caller, no config file."""
    for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))


def test_every_setting_has_a_description_and_its_group():
    infos = list(Settings().describe())
    assert {i.key.partition(".")[0] for i in infos} == {"data_dir", *GROUPS}
    assert all(len(i.help) > 15 for i in infos), [i.key for i in infos if len(i.help) <= 15]
    assert len({i.env for i in infos}) == len(infos)


def test_the_index_lives_in_a_per_user_folder_not_the_working_directory(tmp_path):
    assert Settings.load().data_dir == tmp_path / "share" / "ice-out-assistant"


def test_the_built_in_corpus_and_prompts_come_from_the_package():
    settings = Settings.load()
    assert (settings.ingest.corpus_dir / "referrals.yaml").is_file()
    assert (settings.answer.prompts_dir / "messages.toml").is_file()
    assert settings.ingest.corpus_dir.samefile(ROOT / "corpus")


def test_file_then_environment_then_arguments_and_each_origin_is_recorded(tmp_path, monkeypatch):
    (tmp_path / "assistant.toml").write_text("[retrieve]\ntop_k = 7\ncandidates = 20\n[ui]\nport = 9000\n")
    monkeypatch.setenv("ASSISTANT_RETRIEVE_CANDIDATES", "25")
    settings = Settings.load(values={"ui": {"port": 9100}})

    assert (settings.retrieve.top_k, settings.retrieve.candidates, settings.ui.port) == (7, 25, 9100)
    origins = {i.key: i.origin for i in settings.describe()}
    assert origins["retrieve.top_k"] == f"file {Path('assistant.toml')}"
    assert origins["retrieve.candidates"] == "environment"
    assert origins["ui.port"] == "arguments"
    assert origins["retrieve.rrf_k"] == "default"


def test_the_per_user_config_file_is_found_from_any_folder(tmp_path):
    user_file = tmp_path / "config" / "ice-out-assistant" / "assistant.toml"
    user_file.parent.mkdir(parents=True)
    user_file.write_text('data_dir = "/srv/iceout"\n')
    assert config_path() == user_file
    assert Settings.load().data_dir == Path("/srv/iceout")


@pytest.mark.parametrize(("toml", "message"), [
    ("top_k = 3\n", "unknown setting 'top_k'; put it under \\[retrieve\\]"),
    ("[retrieve]\ntopk = 3\n", "unknown setting 'retrieve.topk'; known: retrieve.candidates"),
    ("[retrieve]\ntop_k = 'many'\n", "setting 'retrieve.top_k' expects int"),
    ("retrieve = 3\n", "\\[retrieve\\] must be a table"),
    ("[retrieve\n", "invalid settings file"),
])
def test_bad_settings_files_are_one_line_errors_naming_the_setting(tmp_path, toml, message):
    (tmp_path / "assistant.toml").write_text(toml)
    with pytest.raises(UserError, match=message):
        Settings.load()


def test_a_bad_environment_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("ASSISTANT_ANSWER_ABSTAIN_BELOW", "high")
    with pytest.raises(UserError, match="ASSISTANT_ANSWER_ABSTAIN_BELOW expects float, got 'high'"):
        Settings.load()


def test_config_output_is_a_settings_file_that_loads_back_to_the_same_values(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM_API_KEY", "secret-key")
    monkeypatch.setenv("ASSISTANT_RETRIEVE_TOP_K", "4")
    shown = settings_toml(Settings.load())

    assert "secret-key" not in shown and 'api_key = "(set)"' in shown
    assert "# ASSISTANT_RETRIEVE_TOP_K · environment\ntop_k = 4" in shown
    for info in Settings().describe():
        assert f"# {info.help}\n" in shown
    monkeypatch.delenv("ASSISTANT_LLM_API_KEY")
    (tmp_path / "saved.toml").write_text(shown.replace('api_key = "(set)"', 'api_key = ""'))
    assert Settings.load(tmp_path / "saved.toml") == Settings.load(values={"retrieve": {"top_k": 4}})


def test_the_readme_settings_table_is_the_generated_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = re.search(r"<!-- settings:start.*?-->\n(.*?)\n<!-- settings:end -->", readme, re.DOTALL)
    assert table, "README.md needs the <!-- settings:start --> ... <!-- settings:end --> block"
    assert table.group(1).strip() == settings_markdown().strip(), \
        "README's settings table is stale: paste the output of `assistant config --markdown`"


def test_a_settings_file_named_but_missing_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_CONFIG", str(tmp_path / "nowhere.toml"))
    with pytest.raises(UserError, match=r"ASSISTANT_CONFIG=.*nowhere\.toml: no such settings file"):
        Settings.load()


def test_an_unknown_or_renamed_variable_is_an_error_naming_the_right_one(monkeypatch):
    monkeypatch.setenv("ASSISTANT_LLM", "ollama:qwen2.5:7b")
    with pytest.raises(UserError, match="ASSISTANT_LLM is not a setting; did you mean ASSISTANT_LLM_"):
        Settings.load()


def test_true_is_not_a_number_and_a_list_is_not_a_word(tmp_path):
    (tmp_path / "assistant.toml").write_text("[retrieve]\ntop_k = true\n")
    with pytest.raises(UserError, match=r"retrieve\.top_k' expects int"):
        Settings.load()
    (tmp_path / "assistant.toml").write_text('[retrieve]\nreranker = ["a"]\n')
    with pytest.raises(UserError, match=r"retrieve\.reranker' expects str"):
        Settings.load()
