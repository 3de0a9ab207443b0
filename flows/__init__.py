"""Prefect flows of the MSSP pipeline: the parent run, one subflow per file family, download."""

import os

# The ephemeral Prefect server can take 30 s or more to start on a small machine; these
# must be set before Prefect reads its settings, hence here rather than in a flow.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
