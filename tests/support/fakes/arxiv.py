"""A loopback arXiv: the RSS feed, the API, PDFs and HTML pages, with scriptable faults."""

from __future__ import annotations

from aiohttp import web

from tests.support.fakes.server import LoopbackServer

RATE_EXCEEDED = b"Rate exceeded.\n"
# What arxiv.org/html answers for a paper it has no HTML for (status 404, an HTML page).
NO_HTML_PAGE = b"""<!DOCTYPE html><html lang="en">
<head><title>No HTML for '2401.01234'</title></head><body>
<header><a href="https://arxiv.org/">arXiv</a></header><main><h1>No HTML for '2401.01234'</h1>
<p>HTML is not available for the source.</p><p>This could be due to the source files not
being HTML, LaTeX, or a conversion failure.</p></main></body></html>"""


class ArxivFake(LoopbackServer):
    """Serves ``feeds`` (by category string, or "*"), ``api`` (by id_list or
    search_query, or "*"), ``pdfs`` and ``html`` pages (by versioned or bare ID).

    A paper without an ``html`` entry gets a 404 with no body; one whose entry
    is ``(status, body)`` gets that answer (e.g. ``(404, NO_HTML_PAGE)``).
    """

    def __init__(self) -> None:
        super().__init__()
        self.feeds: dict[str, bytes] = {}
        self.api: dict[str, bytes] = {}
        self.pdfs: dict[str, bytes] = {}
        self.html: dict[str, bytes | tuple[int, bytes]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/rss/{categories}", self._feed)
        app.router.add_get("/api/query", self._api)
        app.router.add_get(r"/pdf/{arxiv_id:.+}", self._pdf)
        app.router.add_get(r"/html/{arxiv_id:.+}", self._html)

    def urls(self) -> dict[str, str]:
        """The ``[arxiv]`` config keys pointing at this server."""
        return {
            "rss_url": f"{self.url}/rss/{{categories}}",
            "api_url": f"{self.url}/api/query",
            "pdf_url": f"{self.url}/pdf/{{id}}",
            "html_url": f"{self.url}/html/{{id}}",
        }

    def config_toml(self) -> str:
        lines = [f'{key} = "{value}"' for key, value in self.urls().items()]
        pacing = "api_delay_s = 0\npdf_delay_s = 0\nbackoff_s = 0.01\n"
        return "[arxiv]\n" + "\n".join(lines) + "\n" + pacing

    async def _feed(self, request: web.Request) -> web.Response:
        body = self.feeds.get(request.match_info["categories"], self.feeds.get("*"))
        if body is None:
            return web.Response(status=404, text="no such feed")
        return web.Response(body=body, content_type="application/rss+xml")

    async def _api(self, request: web.Request) -> web.Response:
        key = request.query.get("id_list") or request.query.get("search_query") or ""
        body = self.api.get(key, self.api.get("*"))
        if body is None:
            return web.Response(status=404, text="no canned API answer")
        return web.Response(body=body, content_type="application/atom+xml")

    async def _pdf(self, request: web.Request) -> web.Response:
        wanted = request.match_info["arxiv_id"]
        body = self.pdfs.get(wanted) or self.pdfs.get(wanted.rsplit("v", 1)[0])
        if body is None:
            return web.Response(status=404, text="not found")
        return web.Response(body=body, content_type="application/pdf")

    async def _html(self, request: web.Request) -> web.Response:
        wanted = request.match_info["arxiv_id"]
        answer = self.html.get(wanted) or self.html.get(wanted.rsplit("v", 1)[0])
        if answer is None:
            return web.Response(status=404, text="")
        status, body = answer if isinstance(answer, tuple) else (200, answer)
        return web.Response(status=status, body=body, content_type="text/html")
