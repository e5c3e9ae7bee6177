"""`storybot chat`, the terminal surface: input handling, grouping, wrapping and colour."""

from __future__ import annotations

import io
import re

import pytest

from cli.chat import Chat, group_by_article, make_console
from cli.main import main
from texts import ACT_WORDS, FRAMES, PARTY_FRAMES

from .conftest import SEED_ARTICLE

TITLE = "Trung Quốc phản ứng mạnh khi bị cáo buộc đứng sau chiến dịch tin tặc toàn cầu"


@pytest.fixture
def paths(settings, encoder):
    return ["--articles", str(settings.articles_dir), "--index-dir", str(settings.index_dir)]


@pytest.fixture
def chat_env(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))  # the history file
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def run_chat(monkeypatch, paths, text: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code = main(["chat", *paths])
    return code


def test_empty_lines_do_not_quit_and_commands_work(paths, chat_env, monkeypatch, capsys):
    code = run_chat(monkeypatch, paths, "\n   \nai buoc toi 4 nguoi trung quoc\n/sources\n/frobnicate\n/help\n/who\n")
    out, err = capsys.readouterr()
    assert code == 0
    assert "Loading the model" in err and "Updating the index" in err  # each step said as it starts
    assert "4 người Trung Quốc đại lục" in out  # the question after the empty lines was answered
    # The chat speaks the questions' language: Vietnamese here, from the welcome to /help.
    assert "Các bài báo (1), bài có ngày đăng xếp mới nhất trước" in out and "Không có lệnh /frobnicate" in out
    assert "hướng dẫn này" in out and "this help" not in out
    assert "/sources" in out and "/quit" in out and "Ctrl-D" in out
    assert "/who" in out and "Bộ Tư pháp Mỹ" in out  # /who lists the story's parties
    assert "\x1b[" not in out  # not a terminal: no colour


def test_the_chat_speaks_the_language_of_the_questions_or_the_one_chosen(seed_engine):
    stream = io.StringIO()
    chat = Chat(seed_engine, make_console(stream))

    def said(line: str) -> str:
        start = len(stream.getvalue())
        assert chat.handle(line)
        return " ".join(stream.getvalue()[start:].split())

    chat.welcome()
    assert "Hỏi về 1 bài báo" in stream.getvalue() and "Ask about" not in stream.getvalue()
    help_vi = said("/help")
    assert "hướng dẫn này" in help_vi and "/language" in help_vi and "this help" not in help_vi
    assert said("/sources").startswith("Các bài báo (1), bài có ngày đăng xếp mới nhất trước")
    refusal_vi = said("Thời tiết Hà Nội ngày mai thế nào?")
    assert "Không tìm thấy" in refusal_vi and "Gõ /sources" in refusal_vi and "Type" not in refusal_vi
    # A question in English: the reply and what follows are in English.
    refusal_en = said("How do I bake sourdough bread?")
    assert "Not found in the articles." in refusal_en and "Type /sources to see the articles." in refusal_en
    assert "Gõ" not in refusal_en
    assert "this help" in said("/help") and said("/sources").startswith("The articles (1), dated ones newest first")
    assert "Unknown command /x" in said("/x")
    # Chosen with /language: kept whatever the questions' language.
    assert said("/language vi") == "Từ giờ tôi nói tiếng Việt."
    assert "Không tìm thấy" in said("How do I bake sourdough bread?")
    assert "/language en" in said("/language fr")  # not one it speaks: how to choose
    english = Chat(seed_engine, make_console(io.StringIO()), language="en")
    english.handle("ai buoc toi 4 nguoi trung quoc")
    out = english.console.file.getvalue()
    assert "4 người Trung Quốc đại lục" in out and "(paragraph " in out and "(đoạn " not in out


def test_quit_command_ends_the_chat(paths, chat_env, monkeypatch, capsys):
    assert run_chat(monkeypatch, paths, "/quit\nai buoc toi 4 nguoi trung quoc\n") == 0
    assert "4 người" not in capsys.readouterr().out


def test_quotes_are_grouped_under_their_title_once(seed_engine):
    answer = seed_engine.ask("Ai đã cáo buộc Trung Quốc?")
    assert len(answer.quotes) >= 2 and len(group_by_article(answer.quotes)) == 1
    stream = io.StringIO()
    Chat(seed_engine, make_console(stream)).show_answer(answer)
    out = stream.getvalue()
    assert " ".join(out.split()).count(TITLE) == 1
    for quote in answer.quotes:
        assert f"“{' '.join(quote.text.split())}”" in " ".join(out.split())


def test_answers_wrap_at_word_boundaries_to_the_terminal_width(seed_engine, settings, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    article = (settings.articles_dir / SEED_ARTICLE).read_text(encoding="utf-8")
    words = set(re.findall(r"\w+", article))
    # ... or of the framing: headers, "đoạn", and the act words of a party answer.
    framing = [*FRAMES["vi"].values(), *PARTY_FRAMES["vi"].values(), *ACT_WORDS["vi"].values()]
    words |= set(re.findall(r"\w+", " ".join(framing)))
    stream = io.StringIO()
    Chat(seed_engine, make_console(stream)).show_answer(seed_engine.ask("ai buoc toi 4 nguoi trung quoc"))
    lines = stream.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 40
    # Every word at a line's end or start is a whole word of the article ("Nhậ / t Bản" was the bug).
    for line in lines:
        tokens = re.findall(r"\w+", line)
        for token in tokens[:1] + tokens[-1:]:
            assert token in words or token.isdigit(), line


@pytest.mark.parametrize(
    ("env", "coloured"), [({"FORCE_COLOR": "1"}, True), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False)]
)
def test_colour_only_on_a_terminal_and_never_with_no_color(seed_engine, monkeypatch, env, coloured):
    for name in ("FORCE_COLOR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    stream = io.StringIO()
    Chat(seed_engine, make_console(stream)).show_answer(seed_engine.ask("ai buoc toi 4 nguoi trung quoc"))
    assert bool(re.search(r"\x1b\[[0-9;]*3[0-7]m", stream.getvalue())) is coloured


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_ctrl_c_clears_the_line_and_ctrl_d_quits(seed_engine, tmp_path, monkeypatch):
    keys = iter([KeyboardInterrupt, "ai buoc toi 4 nguoi trung quoc", "", EOFError])

    def fake_input(prompt: str = "") -> str:
        key = next(keys)
        if isinstance(key, type):
            raise key
        return key

    monkeypatch.setattr("builtins.input", fake_input)
    stream = io.StringIO()
    history = tmp_path / "share" / "history"
    assert Chat(seed_engine, make_console(stream), history=history).loop(FakeTerminal()) == 0
    assert "4 người Trung Quốc đại lục" in stream.getvalue()
    assert history.is_file()  # written on the way out (readline's history file)
