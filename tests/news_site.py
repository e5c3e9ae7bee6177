"""A stand-in news site on 127.0.0.1: saved pages and feeds from tests/data/web, plus bad cases.

Pages are real-looking saved articles (menus, ads, comments and related links
around the story); feeds name the site's own address ({base} in the files).
Tests may add or change routes while the server runs.
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WEB = Path(__file__).resolve().parent / "data" / "web"

PHA_DIEN = "/xa-hoi/da-nang-cho-chay-thu-pha-dien-qua-song-han-4821.html"
PHA_DIEN_TITLE = "Đà Nẵng cho chạy thử phà điện qua sông Hàn"
PHA_DIEN_COPY = "/tong-hop/pha-dien-song-han.html"  # the same story, republished by an aggregator
THU_VIEN = "/xa-hoi/thu-vien-hue-mo-cua-den-22-gio-4830.html"
THU_VIEN_TITLE = "Thư viện Huế mở cửa đến 22 giờ"
CANG_CA = "/moi-truong/cang-ca-tho-quang-bi-to-xa-nuoc-thai-4842.html"
CANG_CA_TITLE = "Cảng cá Thọ Quang bị tố xả nước thải ra vịnh"
CHO_NOI = "/kinh-te/cho-noi-cai-rang.html"  # windows-1258, declared in a <meta> tag only
CHO_NOI_TITLE = "Chợ nổi Cái Răng thử nghiệm thanh toán không tiền mặt"
SECTION = "/xa-hoi"  # a section front: links, hardly any text
RSS = "/rss/xa-hoi.rss"  # lists THU_VIEN and PHA_DIEN
ATOM = "/rss/moi-truong.atom"  # lists CANG_CA
PDF = "/tai-lieu/bao-cao.pdf"
HUGE = "/trang-rat-lon.html"  # 6 MB of HTML without a Content-Length
MOVED = "/bai-cu.html"  # 301 to PHA_DIEN
LOOP = "/vong-lap/0"  # redirects forever
MISSING = "/khong-co.html"
BROKEN = "/rss/loi.rss"  # a feed whose server fails
TRICKLE = "/cham.html"  # sends its page a few bytes every 0.1 s
# Short news of one template (the same menus, related links, comments, and a template-wide
# canonical address and og:url that name the section, not the story), listed by TIN_NGAN.
TIN_NGAN = "/rss/tin-ngan.rss"  # two entries with one pubDate, one without a date, one older listed last
TRAM_SAC = "/tin-ngan/da-nang-lap-them-40-tram-sac-xe-may-dien-5001.html"
TRAM_SAC_TITLE = "Đà Nẵng lắp thêm 40 trạm sạc xe máy điện"
PHO_CO = "/tin-ngan/hoi-an-cam-xe-khach-tren-29-cho-vao-pho-co-5002.html"
PHO_CO_TITLE = "Hội An cấm xe khách trên 29 chỗ vào phố cổ"
CAU_CA = "/tin-ngan/quang-nam-cam-cau-ca-tren-cau-cua-dai-5003.html"  # its feed entry has no date
CAU_CA_TITLE = "Quảng Nam cấm câu cá trên cầu Cửa Đại"
BENH_VIEN = "/tin-ngan/benh-vien-quang-ngai-thu-tien-gui-xe-gap-doi-4998.html"
BENH_VIEN_TITLE = "Bệnh viện Quảng Ngãi thu tiền gửi xe gấp đôi"


@dataclass
class Route:
    """What the site answers on one path."""

    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class NewsSite:
    """The HTTP server; `url(path)` is an absolute address on it, `hits` counts requests per path."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)
    _server: ThreadingHTTPServer | None = None

    def __enter__(self) -> NewsSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                site.hits[path] = site.hits.get(path, 0) + 1
                route = site.route(path)
                self.send_response(route.status)
                if route.content_type:
                    self.send_header("Content-Type", route.content_type)
                for name, value in route.headers.items():
                    self.send_header(name, value)
                if path not in (HUGE, TRICKLE):
                    self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    # The client may stop reading (the size cap, the time limit), as it should.
                    if path == TRICKLE:
                        for start in range(0, len(route.body), 64):
                            self.wfile.write(route.body[start : start + 64])
                            self.wfile.flush()
                            time.sleep(0.1)
                    else:
                        self.wfile.write(route.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._default_routes()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base(self) -> str:
        """http://127.0.0.1:PORT"""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        """The absolute address of `path` on this site."""
        return self.base + path

    def route(self, path: str) -> Route:
        """The answer for `path` (404 when unknown; LOOP redirects to its next step)."""
        if path.startswith("/vong-lap/"):
            step = int(path.rsplit("/", 1)[1])
            return Route(302, "", b"", {"Location": f"/vong-lap/{step + 1}"})
        return self.routes.get(path, Route(404, "text/html; charset=utf-8", b"<html><body>404</body></html>"))

    def page(self, path: str, file: str, content_type: str = "text/html; charset=utf-8") -> None:
        """Serve tests/data/web/`file` at `path`, with {base} replaced by the site's address."""
        body = (WEB / file).read_bytes().replace(b"{base}", self.base.encode())
        self.routes[path] = Route(200, content_type, body)

    def _default_routes(self) -> None:
        self.page(PHA_DIEN, "pha-dien-song-han.html")
        self.page(PHA_DIEN_COPY, "tin-tong-hop-sao-chep.html")
        self.page(THU_VIEN, "thu-vien-hue-mo-cua-dem.html")
        self.page(CANG_CA, "cang-ca-tho-quang.html")
        self.page(CHO_NOI, "cho-noi-cai-rang-windows-1258.html", "text/html")
        self.page(SECTION, "chuyen-muc-xa-hoi.html")
        self.page(RSS, "rss-mien-trung.xml", "application/rss+xml; charset=utf-8")
        self.page(ATOM, "atom-mien-trung.xml", "application/atom+xml")
        self.routes[PDF] = Route(200, "application/pdf", b"%PDF-1.4\n" + b"0" * 2000)
        self.routes[HUGE] = Route(200, "text/html", b"<html><body>" + b"<p>tin tin tin</p>" * 350_000)
        self.routes[MOVED] = Route(301, "", b"", {"Location": PHA_DIEN})
        self.routes[BROKEN] = Route(500, "text/plain", b"Internal Server Error")
        self.page(TRICKLE, "thu-vien-hue-mo-cua-dem.html")
        self.page(TIN_NGAN, "rss-tin-ngan.xml", "application/rss+xml; charset=utf-8")
        self.page(TRAM_SAC, "tin-ngan-tram-sac.html")
        self.page(PHO_CO, "tin-ngan-pho-co.html")
        self.page(CAU_CA, "tin-ngan-cau-ca.html")
        self.page(BENH_VIEN, "tin-ngan-benh-vien.html")
