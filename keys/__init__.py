"""Our "hazmat": the only package that touches private keys, ``cryptography`` or ``jwt``.

Issuer and verifier call the recipes here (``sign_credential``, ``verify_jws``, ``public_jwks``);
they never handle raw key objects or algorithms themselves.
"""
