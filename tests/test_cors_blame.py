"""A CORS finding lands on the requirement it breaks (issue 16): a layer that sends
`Access-Control-Allow-Credentials` to every refused origin keeps no state between requests, so it
breaks `cors.credentials.refused-origin`, not `cors.origin.per-request`; one that replays an earlier
answer breaks `cors.origin.per-request`."""

from pathlib import Path

from tests.selftest import outcomes, run_suite

STATELESS = "tests.mutants.cors:CredentialsOnDisallowedSubject"
STATEFUL = "tests.mutants.cors:KeepsHeadersAcrossRequestsSubject"


def test_credentials_to_refused_origins_is_not_blamed_on_per_request_state(tmp_path: Path) -> None:
    verdicts = outcomes(run_suite("cors", [STATELESS, STATEFUL], tmp_path, "--mwc-mode=inprocess", "-k", "origin.list"))
    stateless, stateful = "mutant/cors-CredentialsOnDisallowed", "mutant/cors-KeepsHeadersAcrossRequests"
    assert verdicts[(stateless, "origin.list-refused-credentials")] == "fail"
    assert verdicts[(stateless, "origin.list-after-allowed-origin")] == "pass"
    assert verdicts[(stateful, "origin.list-after-allowed-origin")] == "fail"
