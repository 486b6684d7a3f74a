"""sanic-ext CORS subjects, each configured from the scenario's `CorsPolicy`.

sanic-ext changes every Sanic app in its process once it is importable (and Sanic-Cors decides at
import whether to register as a sanic-ext extension), so these subjects form their own adapter,
graded in their own environment (`uv pip install -e '.[sanic-ext]'` in a checkout, `tox -e sanic-ext`).
Each app still starts from `new_app()` (`AUTO_EXTEND=False`) and extends only itself:

- `sanic-ext/cors`: sanic-ext's built-in CORS, set through `app.config.CORS_*` with
  `AUTO_EXTEND=True` on that app, the way sanic-ext's documentation configures it.
- `sanic-ext/sanic-cors`: Sanic-Cors loaded by sanic-ext, as Sanic-Cors' README writes it:
  `Extend(app, extensions=[CORS], config={"CORS": False, "CORS_OPTIONS": {...}})`.
"""

from __future__ import annotations

from typing import Any

import sanic_ext  # noqa: F401  (this adapter needs sanic-ext: without it, subjects_of names the extra)
from sanic import Sanic

from ..outcomes import NotApplicable
from ..reference.cors import WILDCARD, CorsPolicy
from .base import Setup, Subject
from .cors_sanic import PREFIX_MATCHED, SanicCors, origin_list, sanic_cors_options
from .features import CorsSubject


def sanic_ext_config(policy: CorsPolicy) -> dict[str, Any]:
    """sanic-ext `CORS_*` settings for `policy`. sanic-ext has its own meaning for `*` in
    methods, headers and exposed headers (a wildcard only for requests without credentials), so
    the policy's `*` is passed through as `*`."""
    if policy.private_network:
        raise NotApplicable("sanic-ext's CORS has no Private Network Access setting (it never sends Access-Control-Allow-Private-Network)")
    return {
        "CORS_ORIGINS": WILDCARD if policy.any_origin else origin_list(policy),
        "CORS_SEND_WILDCARD": policy.any_origin,
        "CORS_SUPPORTS_CREDENTIALS": policy.credentials,
        "CORS_METHODS": list(policy.methods),
        "CORS_ALLOW_HEADERS": list(policy.headers),
        "CORS_EXPOSE_HEADERS": list(policy.expose),
        # sanic-ext's default is 5 seconds; an empty value sends no Access-Control-Max-Age.
        "CORS_MAX_AGE": "" if policy.max_age is None else policy.max_age,
    }


class SanicExtCors(CorsSubject):
    name = "sanic-ext/cors"
    adapter = "sanic-ext"
    framework = "sanic"
    packages: tuple[str, ...] = ("sanic", "sanic-ext")
    description = "sanic-ext's built-in CORS: `app.config.CORS_ORIGINS`, `CORS_SUPPORTS_CREDENTIALS`, ... with `AUTO_EXTEND`"
    _re_match = "origin patterns are applied with `pattern.match` (anchored at the start only), so a longer origin that starts with a match is shared"
    _vary_with_origin = "`_add_vary_header` runs only after an Access-Control-Allow-Origin was added, so an answer without one has no Vary: Origin"
    _auto_options = "preflights are answered by sanic-ext's automatic OPTIONS route (204), so every request middleware runs first"
    known = {
        "actual.credentialed-wildcards": (
            "a request with a cookie gets the configured `*` as the literal Access-Control-Expose-Headers `*`, which exposes nothing to it"
        ),
        **dict.fromkeys(("vary.disallowed-origin", "vary.no-origin"), _vary_with_origin),
        "vary.merged-with-handler": "`response.headers['vary'] = 'origin'` replaces the handler's own Vary instead of adding to it",
        **dict.fromkeys(PREFIX_MATCHED, _re_match),
        "vary.preflight-request-headers": (
            "`_add_allow_header` answers with the requested names the policy allows (`request_headers & allow_headers`), "
            "and `_add_vary_header` sets `Vary: origin` only"
        ),
        "preflight.approved-credentialed-wildcards": (
            "it treats `*` as literal only for a request carrying a cookie or Authorization, which a preflight never does, so a "
            "credentialed preflight gets Access-Control-Allow-Methods `*` (with Allow-Credentials: true) that the browser reads literally"
        ),
        "preflight.approved-wildcard-authorization": "CORS_ALLOW_HEADERS='*' is answered with `*`, which never covers Authorization (Fetch §4.8)",
        **dict.fromkeys(("preflight.behind-auth", "preflight.behind-auth-wildcard"), _auto_options + ": an auth middleware answers it 401"),
        **dict.fromkeys(("preflight.never-reaches-handler", "preflight.never-reaches-handler-wildcard"), _auto_options),
        "preflight.behind-redirect": _auto_options + ": an https-redirect middleware answers it 308",
    }

    def layer(self, policy: CorsPolicy) -> Setup:
        config = sanic_ext_config(policy)  # n/a, if it is, before any app is built

        def configure(app: Sanic) -> None:
            app.config.update(config)
            app.config.AUTO_EXTEND = True

        return Setup(configure)


class SanicExtSanicCors(CorsSubject):
    name = "sanic-ext/sanic-cors"
    adapter = "sanic-ext"
    framework = "sanic"
    packages: tuple[str, ...] = ("sanic", "sanic-ext", "Sanic-Cors")
    description = 'Sanic-Cors as a sanic-ext extension: `Extend(app, extensions=[CORS], config={"CORS": False, "CORS_OPTIONS": ...})`'
    # Loaded by sanic-ext it answers every case as it does without sanic-ext; only the Allow of
    # its 405s grows by sanic-ext's automatic HEAD and OPTIONS routes.
    known = SanicCors.known

    def layer(self, policy: CorsPolicy) -> Setup:
        from sanic_cors.extension import CORS
        from sanic_ext import Extend

        options = sanic_cors_options(policy)
        return Setup(lambda app: Extend(app, extensions=[CORS], config={"CORS": False, "CORS_OPTIONS": options}))


SUBJECTS: list[type[Subject]] = [SanicExtCors, SanicExtSanicCors]
