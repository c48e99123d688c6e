"""The public verifier: checks certificate credentials with issuers' public keys only.

It never imports ``issuer``: it runs on its own machine, without the issuer's database or keys.
"""
