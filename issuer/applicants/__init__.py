"""Professionals as applicants: sign-in by a one-time code sent to the registered e-mail."""
