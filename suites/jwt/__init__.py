"""The JWT suite: bearer-token middleware against RFC 7519, 7515, 8725 and 6750, attacks included.

Tokens are minted at test time (keys from `cryptography`, signatures from PyJWT; attack tokens
assembled by hand where no library would make them). See `check.py` for how a case is judged.
"""
