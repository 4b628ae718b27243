#!/usr/bin/env python3
"""Test oracle only: validates CycloneDX 1.6 JSON files against the official schema bundled with
cyclonedx-python-lib (pinned in scripts/test-requirements.txt).

Usage: validate_cyclonedx.py FILE...   Prints "FILE: valid" or "FILE: invalid: ERROR" per file.
Exit 0 when all are valid, 1 when any is invalid, 3 when the library is not installed."""
import sys

try:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except ImportError as e:
    print(f"cyclonedx-python-lib is not installed: {e}")
    sys.exit(3)

validator = JsonStrictValidator(SchemaVersion.V1_6)
status = 0
for path in sys.argv[1:]:
    error = validator.validate_str(open(path).read())
    if error is None:
        print(f"{path}: valid")
    else:
        print(f"{path}: invalid: {error}")
        status = 1
sys.exit(status)
