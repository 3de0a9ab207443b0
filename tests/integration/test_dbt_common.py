"""dbt/mssp_common's shared generic tests, built by real dbt on DuckDB in a throw-away project.

The NULL rule of `mssp_common.expression_is_true` (a NULL result fails, unlike dbt_utils) and the
NULL handling of `unique_combination_of_columns` are shown on a model with a NULL row: the test
that should fail fails, and the same rule written to allow NULL passes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tasks.dbt.runner import DbtBuildResult, build_project
from tasks.settings import load_settings

pytestmark = pytest.mark.dbt

COMMON = Path(__file__).resolve().parents[2] / "dbt" / "mssp_common"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> DbtBuildResult:
    root = tmp_path_factory.mktemp("dbt_common")
    project = root / "common_probe"
    (project / "models").mkdir(parents=True)
    (project / "macros").mkdir()
    (project / "dbt_project.yml").write_text(
        "name: common_probe\nversion: '1.0.0'\nconfig-version: 2\nprofile: mssp\n"
        "packages-install-path: \"{{ env_var('DBT_PACKAGES_INSTALL_PATH', 'dbt_packages') }}\"\n"
        "models:\n  common_probe:\n    +materialized: table\n    +schema: probe\n",
        encoding="utf-8",
    )
    (project / "packages.yml").write_text(yaml.safe_dump({"packages": [{"local": str(COMMON)}]}))
    (project / "macros" / "generate_schema_name.sql").write_text(
        (COMMON.parent / "alr" / "macros" / "generate_schema_name.sql").read_text(encoding="utf-8")
    )
    # (1, 5), (NULL, 7), (NULL, 7): one NULL `amount` row, one duplicated (NULL, 7) pair
    (project / "models" / "amounts.sql").write_text(
        "select 1 as id, 5 as amount\n"
        "union all select null as id, null as amount\n"
        "union all select null as id, null as amount\n"
    )
    (project / "models" / "schema.yml").write_text(
        yaml.safe_dump(
            {
                "version": 2,
                "models": [
                    {
                        "name": "amounts",
                        "data_tests": [
                            {"mssp_common.expression_is_true": {
                                "name": "null_fails", "arguments": {"expression": "amount > 0"}}},
                            {"mssp_common.expression_is_true": {
                                "name": "null_allowed", "arguments": {"expression": "amount is null or amount > 0"}}},
                            {"mssp_common.expression_is_true": {
                                "name": "false_fails", "arguments": {"expression": "amount > 5 or amount is null"}}},
                            {"mssp_common.unique_combination_of_columns": {
                                "name": "nulls_are_equal", "arguments": {"combination_of_columns": ["id", "amount"]}}},
                            {"mssp_common.unique_combination_of_columns": {
                                "name": "unique_with_row", "arguments": {"combination_of_columns": ["id"]}}},
                        ],
                    }
                ],
            },
            sort_keys=False,
        )
    )
    # cms_amount's fast DuckDB variant against the plain try_cast it replaces, on awkward texts
    texts = ", ".join(f"('{t}')" for t in AMOUNT_TEXTS)
    (project / "models" / "amount_parse_differences.sql").write_text(
        f"with texts as (select * from (values {texts}) as t(x))\n"
        + "\nunion all\n".join(
            f"select x, {scale} as scale from texts where "
            f"{{{{ mssp_common.cms_amount('x', {scale}) }}}} is distinct from try_cast(x as decimal(38, {scale}))"
            for scale in (0, 2, 4, 14))
    )
    settings = load_settings(output_location=str(root / "probe.duckdb"), temp_location=str(root / "tmp"))
    return build_project(project, settings, work_dir=root / "work", use_prefect=False)


AMOUNT_TEXTS = ("00000000180.26", "-0000000180.26", "+12.50", "00000000000000000001.00", "1.005", "1.015", "-0.005",
                "12.345678", ".5", "5.", " 12.3 ", "-", "", "abc", "1e5", "1,000.00", "nan", "inf",
                "99999999999999999.99", "9999999999999999999999999.99", "0000000000000000000000000000000012.5",
                "1234567890123456789012345678901234567", "00000000000000000000000000000000000000000000000001.25")


def test_model_builds_in_its_verbatim_schema(built: DbtBuildResult) -> None:
    assert built.row_counts["probe.amounts"] == 3, built


def test_cms_amount_fast_variant_parses_like_a_plain_try_cast(built: DbtBuildResult) -> None:
    # the model lists every (text, scale) where the DuckDB variant and try_cast(x as decimal(38, s)) differ
    assert built.row_counts["probe.amount_parse_differences"] == 0, built


def test_expression_is_true_fails_on_null_and_on_false(built: DbtBuildResult) -> None:
    # strict: `amount > 0` is NULL on the NULL rows, which fails; written to allow NULL it passes
    assert "null_fails" in built.failed_nodes
    assert "null_allowed" not in built.failed_nodes
    assert "false_fails" in built.failed_nodes  # amount = 5 is not > 5


def test_unique_combination_compares_nulls_as_values(built: DbtBuildResult) -> None:
    assert "nulls_are_equal" in built.failed_nodes
    assert "unique_with_row" in built.failed_nodes
    assert set(built.failed_nodes) == {"null_fails", "false_fails", "nulls_are_equal", "unique_with_row"}
