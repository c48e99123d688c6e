"""DigiLocker issuer API (Pull URI v1.13, legacy Pull Doc) and Push URI; see docs/digilocker.md."""
