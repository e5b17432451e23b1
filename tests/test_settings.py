"""Settings: TOML round trip, hand-edited files, and broken files that must never crash."""

from __future__ import annotations

import tomllib

from vibecode.settings import (
    THEMES,
    Settings,
    load_settings,
    save_settings,
    settings_path,
    settings_toml,
)


def test_missing_file_gives_defaults():
    s = load_settings()
    assert s == Settings() and s.problem is None
    assert s.theme == "vibecode-dark" and s.big_mode is False and s.lesson_dirs == []


def test_round_trip_with_tricky_text(vibecode_home):
    s = Settings(
        model="qwen-1.5b",
        server_url="http://10.0.0.5:8080/v1#qwen",
        child_name='Zoë "Z" \\ O\'Neil\tthe\ngreat \x01',
        theme="vibecode-contrast",
        big_mode=True,
        allow_unprotected_sandbox=True,
        lesson_dirs=["lessons/extra", "C:\\Lessons\\Class 4", "ünïcode ✓"],
        safety_file="words.txt",
    )
    path = save_settings(s)
    assert path == settings_path() and path.parent == vibecode_home / "config"
    loaded = load_settings()
    assert loaded == s and loaded.problem is None
    assert tomllib.loads(path.read_text(encoding="utf-8"))["big_mode"] is True


def test_none_values_are_left_out_and_load_back_as_none():
    text = settings_toml(Settings())
    assert "model =" not in text.replace('# model = ""', "")  # only a commented hint
    save_settings(Settings(child_name="Mia"))
    assert load_settings() == Settings(child_name="Mia")
    save_settings(Settings())
    assert load_settings() == Settings()


def test_broken_file_falls_back_and_explains():
    path = settings_path()
    path.write_text('theme = "vibecode-light"\nbig_mode = tru\n', encoding="utf-8")
    s = load_settings()
    assert s == Settings()
    assert s.problem is not None
    assert "settings file" in s.problem and "line 2" in s.problem
    assert "Traceback" not in s.problem


def test_not_text_file_falls_back():
    settings_path().write_bytes(b"\xff\xfe\x00garbage")
    s = load_settings()
    assert s == Settings() and "plain text" in s.problem


def test_wrong_values_fall_back_one_by_one():
    settings_path().write_text(
        'model = "tiny"\nbig_mode = "yes"\ntheme = "pink"\nlesson_dirs = "just/one"\n'
        'server_url = "10.0.0.5"\ncolour = 3\nchild_name = 7\n',
        encoding="utf-8",
    )
    s = load_settings()
    assert s.model == "tiny" and s.lesson_dirs == ["just/one"]
    assert s.big_mode is False and s.theme == THEMES[0] and s.server_url is None and s.child_name is None
    for word in ("big_mode", "theme", "server_url", "colour", "child_name"):
        assert word in s.problem


def test_saving_over_a_broken_file_keeps_a_copy():
    path = settings_path()
    path.write_text("model = [unclosed\n", encoding="utf-8")
    save_settings(Settings(theme="vibecode-light"))
    assert load_settings() == Settings(theme="vibecode-light")
    kept = list(path.parent.glob("settings.toml.broken-*"))
    assert len(kept) == 1 and kept[0].read_text() == "model = [unclosed\n"
    # a good file is simply replaced, no copies piling up
    save_settings(Settings(theme="vibecode-dark"))
    assert len(list(path.parent.glob("settings.toml.broken-*"))) == 1


def test_explicit_path(tmp_path):
    target = tmp_path / "class" / "settings.toml"
    save_settings(Settings(big_mode=True), target)
    assert load_settings(target).big_mode is True
    assert not settings_path().exists()


def test_try_save_reports_instead_of_raising(tmp_path):
    from vibecode.settings import try_save_settings

    assert try_save_settings(Settings(big_mode=True)) is None
    assert load_settings().big_mode is True
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder should be")
    problem = try_save_settings(Settings(), blocker / "settings.toml")
    assert problem is not None and "could not save" in problem


def test_lesson_and_safety_paths(vibecode_home, monkeypatch):
    monkeypatch.setenv("HOME", str(vibecode_home / "home"))
    s = Settings(lesson_dirs=["class-4", "~/mine", str(vibecode_home / "abs")], safety_file="words.txt")
    assert s.lesson_paths() == [
        vibecode_home / "config" / "class-4",
        vibecode_home / "home" / "mine",
        vibecode_home / "abs",
    ]
    assert s.safety_path() == vibecode_home / "config" / "words.txt"
    assert Settings().safety_path() is None
