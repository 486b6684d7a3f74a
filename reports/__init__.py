"""Reports built from mwconform results files.

The results file (`mwconform run --json PATH`, or `pytest --mwc-json PATH`) is one JSON document,
`"schema": "mwconform-results/2"`, published as JSON Schema in `results.schema.json` next to this
module and checked by `schema.validate`:

- run metadata: `mwconform` (version), `python`, `platform`, `mode`, `strict`, `started` (ISO 8601),
  `duration` (seconds), `complete` (false: `incomplete` says why), `collected`;
- `subjects`: name → adapter, profile, description, capabilities, modes, `versions` (framework and
  middleware distributions), `known` (case id → reason), `crashes` (case id → why it is known to
  crash there), `spec` (the `--mwc-subject` value),
  `baseline` (one of our own reference subjects);
- `requirements`: SPEC.md id → title, level, text, sources (title, url);
- `cases`: one verdict per case and subject: id, suite (the area), nodeid, subject, title,
  requirements, level, expect, outcome (pass/fail/error/n/a/known), reason, stale_known (a known
  deviation or declared crash that no longer occurs), expected_crash (on an error the subject
  declares in `crashes`: the declared reason), duration,
  and the suite's evidence: profile, mode, expected, observed, exchanges (request, response with a
  body excerpt, trace), differences, and `violated` (the requirements a fail or known verdict
  actually broke when they are not the case's own).

`html.build` turns one or more results files into a static site (`mwconform report`).
"""
