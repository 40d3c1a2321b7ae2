"""The hall file: the demo loads, and every kind of mistake is named by its key."""

import subprocess
import sys
import tomllib

import pytest

from hall_server.config import DEMO_HALL, ConfigError, load_hall, parse_hall

from .conftest import ROOT


def demo_data():
    return tomllib.loads(DEMO_HALL.read_text(encoding="utf-8"))


def errors_of(data):
    with pytest.raises(ConfigError) as info:
        parse_hall(data, "hall.toml")
    return info.value.errors


def test_demo_hall_is_a_commune_centre(demo_config):
    assert len(demo_config.fields) == 16
    assert len(demo_config.counters) == 10
    assert demo_config.fields["DD"].name == "Đất đai"
    assert demo_config.fields["LD"].name == "Lao động – Thương binh và Xã hội"
    # Some counters serve two groups of fields.
    assert any(len(c.fields) >= 2 for c in demo_config.counters.values())
    kinds = {d.kind for d in demo_config.devices.values()}
    assert kinds == {"dispenser", "button_box", "display"}
    assert demo_config.head_start_seconds("elderly") == 15 * 60
    assert demo_config.centre.wait_target_minutes == 15


def test_vietnamese_text_is_normalised_to_nfc():
    data = demo_data()
    data["fields"][0]["name"] = "Đất đai".encode().decode()  # already NFC
    import unicodedata

    data["fields"][1]["name"] = unicodedata.normalize("NFD", "Hộ tịch")
    config = parse_hall(data)
    assert config.fields["HT"].name == unicodedata.normalize("NFC", "Hộ tịch")


def test_unknown_field_code_names_the_key():
    data = demo_data()
    data["counters"][3]["fields"] = ["CT", "ZZ"]
    assert "counters[3].fields[1]: unknown field code 'ZZ'" in errors_of(data)


def test_duplicate_prefix_and_code():
    data = demo_data()
    data["fields"][2]["prefix"] = data["fields"][0]["prefix"]
    data["fields"][3]["code"] = data["fields"][1]["code"]
    errs = errors_of(data)
    assert any(e.startswith("fields[2].prefix: duplicate prefix 'A'") for e in errs)
    assert any(e.startswith("fields[3].code: duplicate code 'HT'") for e in errs)


def test_counter_serving_nothing_and_wrong_types():
    data = demo_data()
    data["counters"][0]["fields"] = []
    data["counters"][1]["number"] = "two"
    data["centre"]["wait_target_minutes"] = -5
    data["centre"]["colour"] = "red"
    errs = errors_of(data)
    assert "counters[0].fields: a counter must serve at least one field" in errs
    assert any(e.startswith("counters[1].number:") for e in errs)
    assert any(e.startswith("centre.wait_target_minutes:") for e in errs)
    assert "centre.colour: unknown key" in errs


def test_references_between_sections():
    data = demo_data()
    data["counters"][8]["officer"] = "nobody"
    data["devices"][1]["counters"] = [1, 99]
    data["hours"]["mon"] = ["11:30-07:30"]
    data["hours"]["funday"] = ["07:00-08:00"]
    errs = errors_of(data)
    assert "counters[8].officer: unknown officer 'nobody'" in errs
    assert "devices[1].counters[1]: unknown counter 99" in errs
    assert "hours.mon[0]: '11:30-07:30' ends before it starts" in errs
    assert any(e.startswith("hours.funday: unknown day") for e in errs)


def test_missing_required_sections():
    errs = errors_of({"centre": {"id": "x", "name": "X"}})
    assert "fields: required key is missing" in errs
    assert "counters: required key is missing" in errs


def test_bad_files(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[centre\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="TOML syntax"):
        load_hall(bad)
    with pytest.raises(ConfigError, match="file not found"):
        load_hall(tmp_path / "none.toml")


def test_cli_check_prints_the_same_errors(tmp_path):
    text = DEMO_HALL.read_text(encoding="utf-8").replace('fields = ["CT", "HT"]', 'fields = ["CT", "QQ"]', 1)
    bad = tmp_path / "hall.toml"
    bad.write_text(text, encoding="utf-8")
    motcua = [sys.executable, "-m", "hall_server"]
    ok = subprocess.run(motcua + ["config", "check", str(DEMO_HALL)], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout and "16 fields" in ok.stdout
    res = subprocess.run(motcua + ["config", "check", str(bad)], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 1
    assert f"{bad}: counters[3].fields[1]: unknown field code 'QQ'" in res.stderr


def test_server_refuses_to_start_on_an_invalid_file(tmp_path):
    bad = tmp_path / "hall.toml"
    bad.write_text('[centre]\nid = "x"\nname = "X"\n', encoding="utf-8")
    res = subprocess.run(
        [sys.executable, "-m", "hall_server", "serve", "--config", str(bad), "--db", f"sqlite:///{tmp_path}/h.db",
         "--port", "0"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert res.returncode == 2
    assert "fields: required key is missing" in res.stderr
    assert not (tmp_path / "h.db").exists()
