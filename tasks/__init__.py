"""Plain functions and Prefect tasks behind the MSSP pipeline flows."""
