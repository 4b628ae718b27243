#!/usr/bin/env python3
"""Test oracle only: validates a CycloneDX 1.6 JSON file against the official schema bundled with
cyclonedx-python-lib (pinned in scripts/test-requirements.txt). Exit 0 when valid; otherwise prints the
error and exits 1."""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

text = open(sys.argv[1]).read()
error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
if error is not None:
    print(f"invalid: {error}")
    sys.exit(1)
print("valid")
