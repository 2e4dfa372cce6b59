"""The test suite; a package so test modules can share the strategies in conftest.py."""
