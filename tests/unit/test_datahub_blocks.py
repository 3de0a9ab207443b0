"""Credentials and store options from blocks/settings (no Prefect server needed)."""

from __future__ import annotations

import json

import pytest
from prefect_aws import AwsCredentials, S3Bucket
from prefect_aws.client_parameters import AwsClientParameters
from prefect_azure import AzureBlobStorageCredentials
from prefect_gcp import GcpCredentials
from pydantic import SecretStr

from blocks.datahub import credentials_from_value, resolve_datahub_credentials
from blocks.store import options_from_block, options_from_env
from tasks.errors import ConfigError
from tasks.settings import Settings


def test_secret_value_as_dict_or_json():
    for value in ({"api_key": "k1", "api_secret": "s1"}, json.dumps({"api_key": "k1",
                                                                      "api_secret": "s1"})):
        creds = credentials_from_value(value)
        assert creds.api_key.get_secret_value() == "k1"
        assert creds.api_secret.get_secret_value() == "s1"
        assert creds.config_text is None
        assert "s1" not in repr(creds)


def test_secret_value_as_config_text():
    creds = credentials_from_value("clientId=abc\nclientSecret=very-secret-value\n")
    assert creds.config_text.get_secret_value().startswith("clientId=abc")
    assert "very-secret-value" in creds.secret_values()


def test_secret_value_missing_field_names_it():
    with pytest.raises(ConfigError, match="api_secret"):
        credentials_from_value({"api_key": "k"})


def test_settings_credentials_or_config_error():
    settings = Settings(datahub_api_key="k", datahub_api_secret="s")
    assert resolve_datahub_credentials(settings).api_secret.get_secret_value() == "s"
    with pytest.raises(ConfigError, match="MSSP_DATAHUB_API_KEY"):
        resolve_datahub_credentials(Settings())


def test_store_options_from_env():
    env = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_DEFAULT_REGION": "us-east-1",
           "AZURE_STORAGE_CONNECTION_STRING": "UseDevelopmentStorage=true",
           "STORAGE_EMULATOR_HOST": "http://127.0.0.1:8"}
    assert options_from_env("s3://b/root", env) == {
        "endpoint_url": "http://127.0.0.1:9", "key": "a", "secret": "b",
        "client_kwargs": {"region_name": "us-east-1"}}
    assert options_from_env("abfss://c@acct.dfs.core.windows.net/root", env) == {
        "connection_string": "UseDevelopmentStorage=true"}
    assert options_from_env("gs://b/root", env) == {
        "endpoint_url": "http://127.0.0.1:8", "token": "anon"}
    assert options_from_env("./data/store", env) == {}


def test_store_options_from_blocks():
    aws = AwsCredentials(
        aws_access_key_id="id", aws_secret_access_key=SecretStr("sec"), region_name="us-east-2",
        aws_client_parameters=AwsClientParameters(endpoint_url="http://127.0.0.1:5000"),
    )
    expected = {"key": "id", "secret": "sec", "endpoint_url": "http://127.0.0.1:5000",
                "client_kwargs": {"region_name": "us-east-2"}}
    assert options_from_block(aws) == expected
    assert options_from_block(S3Bucket(bucket_name="b", credentials=aws)) == expected
    azure = AzureBlobStorageCredentials(connection_string=SecretStr("UseDevelopmentStorage=true"))
    assert options_from_block(azure) == {"connection_string": "UseDevelopmentStorage=true"}
    gcp = GcpCredentials.model_construct(  # skip the validator's search for default credentials
        service_account_info=None, service_account_file="/keys/sa.json", project="p"
    )
    assert options_from_block(gcp) == {"token": "/keys/sa.json", "project": "p"}
