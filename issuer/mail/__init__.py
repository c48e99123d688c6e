"""E-mail delivery: the certificate mail (PDF attached, signed download link), fresh links on
request, SMTP or a local maildir as transport; sent through the outbox."""
