"""The API's own OpenAPI document, checked once and used to validate real answers."""
import pytest
from openapi_core import OpenAPI
from openapi_spec_validator import validate

from evidence_repo.api.routes import openapi_document


@pytest.fixture(scope="session")
def spec():
    document = openapi_document()
    validate(document)
    return OpenAPI.from_dict(document)
