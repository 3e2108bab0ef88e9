"""Where the register keeps things: the MLflow tracking store (the only place that
imports mlflow), model files, catalogue tags and tracking URIs."""
