"""Real-shaped Kobo and ODK payloads, and a local stand-in for a Kobo server's data API.

The shapes follow what KoboToolbox sends to a REST service and lists at
``/api/v2/assets/{uid}/data/``: question paths joined by "/", system keys starting with "_",
``meta/instanceID`` and, after an edit, ``meta/deprecatedID``; pages of
``{"count", "next", "previous", "results"}``."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

from ..xlsform import question_name

GROUP = "g__incidents"
ASSET = "aQwErTy1234567"


def kobo_record(instance: str, values: dict, *, territory="41702210815000", period="2026-03", deprecated: str = "",
                kobo_id: int = 1, form="t-monthly", submitted="2026-04-02T08:00:00", attachments=(), narrative="") -> dict:
    """One submission as Kobo posts it; ``values`` maps (indicator code, category) to text."""
    record = {
        "_id": kobo_id,
        "formhub/uuid": "4f8c2a7e9b1d4e0f8a6b5c3d2e1f0a9b",
        "start": "2026-04-02T07:41:12.000+06:00",
        "end": "2026-04-02T07:58:40.000+06:00",
        "territory": territory,
        "period": period,
        **{f"{GROUP}/{question_name(code, category)}": text for (code, category), text in values.items()},
        "aimak_form": form,
        "__version__": "vQe8XkXy7Ru3bQ2zB5",
        "meta/instanceID": instance,
        "_xform_id_string": ASSET,
        "_uuid": instance.removeprefix("uuid:"),
        "_attachments": list(attachments),
        "_status": "submitted_via_web",
        "_geolocation": [None, None],
        "_submission_time": submitted,
        "_tags": [],
        "_notes": [],
        "_validation_status": {},
        "_submitted_by": None,
    }
    if narrative:
        record["narrative"] = narrative
    if deprecated:
        record["meta/deprecatedID"] = deprecated
    return record


def attachment(name="photo.jpg", kobo_id=1, size=48213) -> dict:
    return {
        "download_url": f"https://kf.kobotoolbox.org/api/v2/assets/{ASSET}/data/{kobo_id}/attachments/7/",
        "mimetype": "image/jpeg", "filename": f"monitor/attachments/4f8c2a7e/{name}", "instance": kobo_id,
        "xform": 12, "id": 7, "uid": "attZx81", "question_xpath": "photo", "media_file_basename": name, "bytes": size,
    }


def openrosa_xml(instance: str, values: dict, *, territory="41702210815000", period="2026-03", deprecated: str = "",
                 form_id="aimak-t-monthly", version="abc123", narrative="") -> bytes:
    """One submission as ODK Collect posts it (the instance of the generated XForm)."""
    cells = "".join(f"<{question_name(code, category)}>{escape(text)}</{question_name(code, category)}>"
                    for (code, category), text in values.items())
    meta = f"<instanceID>{instance}</instanceID>" if instance else ""
    if deprecated:
        meta += f"<deprecatedID>{deprecated}</deprecatedID>"
    return (
        f'<?xml version="1.0" ?><data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
        f'id="{form_id}" version="{version}"><territory>{territory}</territory><period>{period}</period>'
        f"<{GROUP}>{cells}</{GROUP}><narrative>{escape(narrative)}</narrative><sources/><aimak_form/>"
        f"<meta>{meta}</meta></data>"
    ).encode()


class FakeKobo:
    """A Kobo data API on 127.0.0.1 (random port) serving ``pages`` of records for ``ASSET``,
    checking the token, and recording what was asked."""

    def __init__(self, pages: list[list[dict]], token="kobo-token"):
        self.pages, self.token, self.requests = pages, token, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append({"path": self.path, "authorization": self.headers.get("Authorization")})
                parsed = urllib.parse.urlsplit(self.path)
                if self.headers.get("Authorization") != f"Token {fake.token}":
                    return self._send(401, {"detail": "Invalid token."})
                if parsed.path != f"/api/v2/assets/{ASSET}/data/":
                    return self._send(404, {"detail": "Not found."})
                query = urllib.parse.parse_qs(parsed.query)
                number = int(query.get("page", ["1"])[0])
                since = json.loads(query["query"][0])["_submission_time"]["$gt"] if "query" in query else ""
                results = [r for r in fake.pages[number - 1] if r["_submission_time"] > since]
                following = dict(query, page=[str(number + 1)])
                body = {
                    "count": sum(len(p) for p in fake.pages),
                    "next": f"{fake.url}{parsed.path}?{urllib.parse.urlencode(following, doseq=True)}" if number < len(fake.pages) else None,
                    "previous": None if number == 1 else f"{fake.url}{parsed.path}?page={number - 1}",
                    "results": results,
                }
                return self._send(200, body)

            def _send(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
