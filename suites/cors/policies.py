"""The policies the CORS cases configure every subject with (research catalogue §1 fixtures)."""

from dataclasses import replace

from mwconform.reference.cors import CorsPolicy
from mwconform.suites.cors.check import A, B

#: A list of two origins with credentials: the common API setup.
LIST = CorsPolicy(
    origins=(A, B),
    credentials=True,
    methods=("GET", "POST", "PUT", "DELETE"),
    headers=("x-custom", "content-type", "authorization"),
    expose=("x-request-id",),
    max_age=600,
)
#: Everything allowed to everyone, no credentials: the "public API" setup.
STAR = CorsPolicy(origins=("*",), methods=("*",), headers=("*",), max_age=600)
#: STAR that also exposes every response header.
STAR_EXPOSE = CorsPolicy(origins=("*",), methods=("*",), headers=("*",), expose=("*",), max_age=600)
#: One origin with credentials where methods, headers and exposed headers are `*`.
CREDENTIALED_STARS = CorsPolicy(origins=(A,), credentials=True, methods=("*",), headers=("*",), expose=("*",), max_age=600)
#: Every https subdomain of example.com, with credentials.
SUBDOMAINS = CorsPolicy(
    subdomains_of="https://example.com", credentials=True, methods=("GET", "PUT"), headers=("x-custom",), expose=("x-request-id",), max_age=600
)
#: The same intent as a regular expression (matched against the whole origin).
REGEX = CorsPolicy(
    origin_regex=r"https://[a-z0-9-]+\.example\.com", credentials=True, methods=("GET", "PUT"), headers=("x-custom",), max_age=600
)
#: One origin, no credentials, no max-age, and a PATCH spelled in capitals.
PLAIN = CorsPolicy(origins=(A,), methods=("GET", "PUT", "PATCH"), headers=("x-custom",))
#: Seed 001's middleware and preflight route, as a policy.
SEED = CorsPolicy(origins=("*",), methods=("GET", "POST", "PUT", "DELETE", "OPTIONS"), headers=("Content-Type",), max_age=3600)
#: One origin without credentials where methods, headers and exposed headers are `*`.
ONE_ORIGIN_STARS = CorsPolicy(origins=(A,), methods=("*",), headers=("*",), expose=("*",), max_age=600)
#: LIST that opts in to Private Network Access.
LIST_PRIVATE_NETWORK = replace(LIST, private_network=True)
