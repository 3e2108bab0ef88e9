"""Tools of a writer of the embedded store (database and artifact folder) who lacks the key.

Each helper changes the store the way an insider or a wrongly restored backup could:
SQL against the sqlite file and plain file writes under ``artifacts/``. None goes
through insyn's writer.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from register import Register
from register.audit import _chain as audit
from register.audit._signing import Signer

PATH_COLUMNS = {
    "runs": ("artifact_uri",),
    "experiments": ("artifact_location",),
    "model_versions": ("source", "storage_location"),
    "logged_models": ("artifact_location",),
}


def clone_store(source: Path, target: Path) -> str:
    """Copy the store folder ``source`` (mlflow.db + artifacts) to ``target`` and point
    every stored path at the copy; returns the copy's tracking URI. Run ids are kept,
    so the copy is signed with the same key (as a restored backup would be)."""
    from mlflow.tracking._tracking_service import utils

    utils._artifact_repos_cache.clear()  # MLflow caches artifact folders by run id, per process
    shutil.copytree(source, target)
    with sqlite3.connect(target / "mlflow.db") as db:
        for table, columns in PATH_COLUMNS.items():
            for column in columns:
                db.execute(
                    f"UPDATE {table} SET {column} = replace({column}, ?, ?)",
                    (str(source), str(target)),
                )
    return f"sqlite:///{target / 'mlflow.db'}"


def db_path(reg: Register) -> Path:
    return Path(reg.tracking_uri[len("sqlite:///") :])


def run_folder(reg: Register, run_id: str) -> Path:
    return Path(reg.client.get_run(run_id).info.artifact_uri[len("file://") :])


def log_entries(reg: Register) -> list[dict[str, Any]]:
    """The claimed entries as stored (raw JSON), in order."""
    run_id = audit.log_run(reg.view) or ""
    folder = run_folder(reg, run_id)
    return [
        json.loads((folder / audit.entry_path(sequence, digest)).read_bytes())
        for sequence, digest in audit.claims(reg.view, run_id)
    ]


def rewrite_log(
    reg: Register, entries: list[dict[str, Any]], *, signer: Signer | None = None
) -> None:
    """Replace the whole log by ``entries``, renumbered and re-hashed into a valid chain.
    Without ``signer`` each entry keeps the signature it had (the key is not at hand);
    with one, entries are re-signed with it and its public key is published beside the
    register's."""
    run_id = audit.log_run(reg.view) or ""
    folder = run_folder(reg, run_id)
    shutil.rmtree(folder / audit.ENTRY_DIR)
    (folder / audit.ENTRY_DIR).mkdir()
    previous = audit.GENESIS_HASH
    rows = []
    for number, original in enumerate(entries, 1):
        entry = {k: v for k, v in original.items() if k not in ("hash", "signature")}
        entry["sequence"], entry["previous_hash"] = number, previous
        if signer is not None:
            entry["key_id"] = signer.key_id
        entry["hash"] = audit.entry_hash(entry)
        if signer is not None:
            entry["signature"] = signer.sign(entry["hash"])
        elif "signature" in original:
            entry["signature"] = original["signature"]
        path = folder / audit.entry_path(number, entry["hash"])
        path.write_bytes(audit.canonical(entry))
        rows.append((f"entry.{number:08d}", entry["hash"]))
        previous = entry["hash"]
    with sqlite3.connect(db_path(reg)) as db:
        db.execute("DELETE FROM params WHERE run_uuid = ? AND key LIKE 'entry.%'", (run_id,))
        db.executemany(
            "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)",
            [(key, value, run_id) for key, value in rows],
        )
    if signer is not None:
        (folder / audit.KEY_DIR / f"{signer.key_id}.pem").write_bytes(signer.public_pem)


def drop_last_entry(reg: Register) -> int:
    """Delete the last entry (its claim and its file); returns its sequence number."""
    run_id = audit.log_run(reg.view) or ""
    sequence, digest = audit.claims(reg.view, run_id)[-1]
    (run_folder(reg, run_id) / audit.entry_path(sequence, digest)).unlink()
    with sqlite3.connect(db_path(reg)) as db:
        db.execute(
            "DELETE FROM params WHERE run_uuid = ? AND key = ?", (run_id, f"entry.{sequence:08d}")
        )
    return sequence


def append_raw(reg: Register, fields: dict[str, Any], *, signer: Signer | None = None) -> int:
    """Append an entry written by hand (e.g. without author or signature) to the chain;
    returns its sequence number."""
    run_id = audit.log_run(reg.view) or ""
    last = audit.head(reg.view)
    entry = {
        "format": 2,
        "sequence": last.sequence + 1,
        "time": "2026-01-01T00:00:00.000+00:00",
        "version": None,
        "details": {},
        "artifacts": [],
        "previous_hash": last.hash,
        **fields,
    }
    if signer is not None:
        entry["key_id"] = signer.key_id
    entry["hash"] = audit.entry_hash(entry)
    if signer is not None:
        entry["signature"] = signer.sign(entry["hash"])
    path = run_folder(reg, run_id) / audit.entry_path(entry["sequence"], entry["hash"])
    path.write_bytes(audit.canonical(entry))
    reg.client.log_param(run_id, f"entry.{entry['sequence']:08d}", entry["hash"])
    return int(entry["sequence"])


def version_file(reg: Register, slug: str, version: int, path: str) -> Path:
    """The stored file ``path`` of a version's run."""
    run_id = reg.client.get_model_version(slug, str(version)).run_id
    return run_folder(reg, str(run_id)) / path
