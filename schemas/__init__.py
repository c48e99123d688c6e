"""The contract shared by issuer and verifier: data model, registry data, errors. Pure, no I/O."""
