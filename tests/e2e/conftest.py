"""The verifier page's browser fixtures (``test_verifier_page``), shared with its second pass
(``test_verifier_look``): a real issuer and verifier, headless Chromium, a checked page."""

from tests.e2e.test_verifier_page import browser, page, services

__all__ = ["browser", "page", "services"]
