"""The transparency record: its schema, validation messages, the bounds a record file
must keep, the input profile, and the model-folder format ``insyn register`` reads."""
