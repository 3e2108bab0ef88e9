"""The `insyn` command line: clear errors, non-zero exit codes, nothing written on failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from register import Register
from register.cli import EXIT_ERROR, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]


def _copy_demo(tmp_path: Path, slug: str = "housing-guarantee") -> Path:
    folder = tmp_path / slug
    shutil.copytree(ROOT / "models" / slug, folder)
    return folder


def test_register_publish_retire_and_show(tmp_path, empty_store_uri, capsys):
    folder = _copy_demo(tmp_path)
    uri = ["--tracking-uri", empty_store_uri]
    assert main([*uri, "register", str(folder), "--no-publish"]) == EXIT_OK
    assert "version 1 registered (not published)" in capsys.readouterr().out
    assert Register(empty_store_uri).search().items == []
    assert main([*uri, "publish", "housing-guarantee", "1"]) == EXIT_OK
    assert main([*uri, "show", "housing-guarantee"]) == EXIT_OK
    shown = capsys.readouterr().out
    assert "housing-guarantee, version 1" in shown
    assert "linear" in shown
    assert main([*uri, "retire", "housing-guarantee"]) == EXIT_OK
    assert Register(empty_store_uri).get("housing-guarantee").status == "retired"


def test_bad_record_is_one_clear_message_and_writes_nothing(tmp_path, empty_store_uri, capsys):
    folder = _copy_demo(tmp_path)
    data = yaml.safe_load((folder / "record.yaml").read_text(encoding="utf-8"))
    data["contact"] = {"email": "not-an-email"}
    data["colour"] = "blue"
    del data["purpose"]
    (folder / "record.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    code = main(["--tracking-uri", empty_store_uri, "register", str(folder)])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR
    assert "contact.email" in err and "not-an-email" in err
    assert "colour" in err and "purpose" in err
    assert "Traceback" not in err
    assert Register(empty_store_uri).search(include_unpublished=True).items == []


def test_folder_without_record_is_a_clear_error(tmp_path, empty_store_uri, capsys):
    code = main(["--tracking-uri", empty_store_uri, "register", str(tmp_path)])
    assert code == EXIT_ERROR
    assert "record.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["show", "no-such-algorithm"], "no-such-algorithm"),
        (["publish", "no-such-algorithm", "3"], "no-such-algorithm"),
    ],
)
def test_unknown_algorithm_is_a_clear_error(empty_store_uri, capsys, argv, needle):
    assert main(["--tracking-uri", empty_store_uri, *argv]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_malformed_tracking_uri_exits_non_zero(capsys):
    assert main(["--tracking-uri", "ftp:/nowhere", "list"]) == EXIT_ERROR
    assert "ftp:/nowhere" in capsys.readouterr().err


# -- a folder of saved files, with evaluation data (issue 12) -------------------------
REASON = "Reviewed: the difference is float rounding in the reference library."


def _files_folder(tmp_path: Path, model, reference, evaluation=None, label=None) -> Path:  # type: ignore[no-untyped-def]
    from register import save_model

    folder = tmp_path / "benefits-files"
    folder.mkdir()
    shutil.copy(ROOT / "models" / "benefits-uptake" / "record.yaml", folder / "record.yaml")
    save_model(model, folder / "model")
    reference.to_parquet(folder / "reference.parquet")
    if evaluation is not None:
        evaluation.to_csv(folder / "evaluation.csv", index=False)
    if label is not None:
        (folder / "evaluation.yaml").write_text(f"label: {label}\n", encoding="utf-8")
    return folder


def test_folder_with_evaluation_data_stores_fairness_and_prints_a_summary(
    tmp_path, empty_store_uri, capsys, small_model, small_reference, benefits_build, benefits_record
):
    from register import fairness_report

    evaluation = benefits_build.evaluation_data.head(600)
    folder = _files_folder(tmp_path, small_model, small_reference, evaluation, "ui")
    assert main(["--tracking-uri", empty_store_uri, "register", str(folder)]) == EXIT_OK
    captured = capsys.readouterr()
    reg = Register(empty_store_uri)
    stored = reg.get_fairness("benefits-uptake", 1)
    expected = fairness_report(
        small_model,
        evaluation,
        label="ui",
        protected_attributes=benefits_record.data.protected_attributes,
        positive_class=benefits_record.technical.positive_class,
    )
    assert stored is not None
    assert stored.public_dict() == expected.public_dict()
    meta = reg.get_explanation("benefits-uptake", 1).metadata
    for needle in (
        "explainer",
        meta.explainer,
        "rows explained",
        str(meta.rows),
        "largest additivity error",
        f"{meta.additivity_max_error:.2e}",
        "additivity passed, reproducibility passed",
        "version 1 published",
    ):
        assert needle in captured.out
    assert "explaining" in captured.err and "rows" in captured.err  # the progress bar
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("files", "needle"),
    [
        ({"evaluation.csv": True}, "no evaluation.yaml naming its label column"),
        ({"evaluation.yaml": "label: ui\n"}, "neither evaluation.parquet nor"),
        ({"evaluation.csv": True, "evaluation.yaml": "target: ui\n"}, "must hold one key"),
        ({"evaluation.csv": True, "evaluation.yaml": "label: outcome\n"}, "'outcome'"),
    ],
)
def test_bad_evaluation_files_are_one_plain_message(
    tmp_path, empty_store_uri, capsys, small_model, small_reference, benefits_build, files, needle
):
    folder = _files_folder(tmp_path, small_model, small_reference)
    if files.get("evaluation.csv"):
        benefits_build.evaluation_data.head(50).to_csv(folder / "evaluation.csv", index=False)
    if "evaluation.yaml" in files:
        (folder / "evaluation.yaml").write_text(files["evaluation.yaml"], encoding="utf-8")
    assert main(["--tracking-uri", empty_store_uri, "register", str(folder)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert Register(empty_store_uri).search(include_unpublished=True).items == []


def test_override_flag_on_the_command_line(
    tmp_path, empty_store_uri, capsys, small_model, small_reference, monkeypatch
):
    import explainers
    from register.lifecycle._evidence import CHECKS_FAILED_MESSAGE

    real = explainers.run_checks

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        data = real(*args, **kwargs).to_dict()
        data["reproducibility"] = {**data["reproducibility"], "max_difference": 0.025}
        data["reproducibility"]["passed"] = False
        return explainers.ExplanationChecks.from_dict(data)

    monkeypatch.setattr(explainers, "run_checks", failing)
    folder = _files_folder(tmp_path, small_model, small_reference)
    uri = ["--tracking-uri", empty_store_uri]
    assert main([*uri, "register", str(folder)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert CHECKS_FAILED_MESSAGE.split("{names}")[0].format(subject="'benefits-uptake'") in err
    assert "largest difference 0.025" in err and "Traceback" not in err
    assert Register(empty_store_uri).search(include_unpublished=True).items == []
    flag = "--publish-despite-failed-checks"
    assert main([*uri, "register", str(folder), flag, REASON]) == EXIT_OK
    captured = capsys.readouterr()
    assert "reproducibility FAILED" in captured.out
    assert "published despite failed checks" in captured.out  # the summary row
    assert REASON in captured.err  # and the warning, in full
    entry = [e for e in Register(empty_store_uri).audit_entries("benefits-uptake")][-1]
    assert entry.event == "published"
    assert entry.details["override"]["reason"] == REASON
    assert entry.details["override"]["checks"][0]["max_difference"] == 0.025


def test_untrusted_model_file_in_a_folder_is_one_plain_message(
    tmp_path, empty_store_uri, capsys, small_reference
):
    import skops.io
    from sklearn.preprocessing import FunctionTransformer

    folder = tmp_path / "crafted"
    folder.mkdir()
    shutil.copy(ROOT / "models" / "benefits-uptake" / "record.yaml", folder / "record.yaml")
    small_reference.to_parquet(folder / "reference.parquet")
    marker = tmp_path / "ran"
    model = FunctionTransformer(func=os.system, kw_args={"command": f"touch {marker}"})
    skops.io.dump(model, folder / "model.skops")
    assert main(["--tracking-uri", empty_store_uri, "register", str(folder)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "was refused" in err and "system" in err
    assert "UntrustedTypesFoundException" not in err and "Traceback" not in err
    assert not marker.exists()


def test_a_booster_folder_registers_from_the_command_line(
    tmp_path, empty_store_uri, capsys, benefits_build, small_reference
):
    import lightgbm as lgb
    from sklearn.base import clone

    model = clone(benefits_build.model)
    model.steps[-1] = ("classifier", lgb.LGBMClassifier(n_estimators=10, verbose=-1))
    frame = benefits_build.evaluation_data
    model.fit(frame[list(small_reference.columns)], frame["ui"])
    folder = _files_folder(tmp_path, model, small_reference)
    assert main(["--tracking-uri", empty_store_uri, "register", str(folder)]) == EXIT_OK
    assert "version 1 published" in capsys.readouterr().out
    loaded = Register(empty_store_uri).load_model("benefits-uptake", 1)
    assert (loaded.predict(small_reference) == model.predict(small_reference)).all()
