"""The same register code against a real ``mlflow server`` process over HTTP."""

from __future__ import annotations

import numpy as np

from register import Register


def test_register_round_trip_through_a_tracking_server(
    mlflow_server, small_model, small_reference, benefits_record
):
    reg = Register(mlflow_server)
    reg.check_reachable()
    version = reg.register_algorithm(small_model, benefits_record, reference_data=small_reference)
    assert version.is_published
    # A second client (as the portal would be) sees the same thing over HTTP.
    reader = Register(mlflow_server)
    assert [i.slug for i in reader.search().items] == ["benefits-uptake"]
    got = reader.get("benefits-uptake")
    assert got.record == benefits_record
    explanation = reader.get_explanation("benefits-uptake", got.version)
    assert explanation.metadata.fingerprint == version.explanation_fingerprint
    model = reader.load_model("benefits-uptake", got.version)
    np.testing.assert_array_equal(
        model.predict_proba(small_reference), small_model.predict_proba(small_reference)
    )
    # Artifacts are served through the server, not a shared folder.
    run = reader.client.get_run(got.run_id)
    assert run.info.artifact_uri.startswith("mlflow-artifacts:")
    assert reader.retire("benefits-uptake").status == "retired"
