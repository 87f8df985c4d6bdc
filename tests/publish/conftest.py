"""The fake Hub fixture (tests/fixtures/fake_hub.py) for the publish tests."""

from tests.fixtures.fake_hub import fake_hub

__all__ = ["fake_hub"]
