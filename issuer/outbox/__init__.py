"""The transactional outbox: work to do outside the database (SMTP, DigiLocker) is enqueued as a
row in the same transaction as the change that causes it, and sent later by a worker."""
