"""Prefect flows of the MSSP pipeline: the parent run, one subflow per file family, download."""

import os

# Defaults for the temporary Prefect server a CLI run starts when no PREFECT_API_URL is set;
# they must be in the environment before Prefect reads its settings, hence here.
# - It can take 30 s or more to start on a small machine.
# - With memoized block registration, the server imports every installed Prefect collection
#   (prefect-snowflake, -dbt, -azure, -aws, -gcp) only to hash their block types: 0.24 GiB of
#   its 0.44 GiB and ~6 s of its start-up. Unmemoized, it registers block types from Prefect's
#   bundled collection data without importing them: every type this project uses (54 types
#   instead of 58; measured 2026-12-05). A block saved later registers its own type anyway.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_MEMOIZE_BLOCK_AUTO_REGISTRATION", "false")
