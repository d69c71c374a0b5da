"""A TLS front for the lab: a private-CA HTTPS endpoint that forwards bytes to the lab's HTTP port.

    with TlsFront(lab.url, cert_path, key_path) as front:
        front.url  # https://127.0.0.1:<port>, signed by cert_path (a self-signed CA)
"""
from __future__ import annotations

import socket
import ssl
import threading
from urllib.parse import urlparse


class TlsFront:
    def __init__(self, target_url: str, cert_path: str, key_path: str):
        target = urlparse(target_url)
        self.target = (target.hostname, target.port)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert_path, key_path)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = "https://127.0.0.1:%d" % self.listener.getsockname()[1]
        self.connections = 0
        self._stopped = threading.Event()

    def __enter__(self):
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._stopped.set()
        self.listener.close()

    def _accept(self):
        while not self._stopped.is_set():
            try:
                raw = self.listener.accept()[0]
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            client = self.context.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError):
            raw.close()  # a client that does not trust the CA ends here
            return
        self.connections += 1
        upstream = socket.create_connection(self.target)
        threading.Thread(target=_pipe, args=(upstream, client), daemon=True).start()
        _pipe(client, upstream)


def _pipe(source, sink):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.close()
            except OSError:
                pass
