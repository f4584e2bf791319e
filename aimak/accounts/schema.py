"""How the personal API token is described in the OpenAPI schema (registered when the
accounts app is ready, so every API's schema documents it)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "aimak.accounts.tokens.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Personal API token, sent as `Authorization: Token <key>`. "
            "Read-only tokens may only GET; writing needs a read-and-write token (or a signed-in session).",
        }
