"""Credential status: status lists (allocation, publication), revocation, suspension, re-issue."""
