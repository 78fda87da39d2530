#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""tls-listener: an HTTPS token endpoint on 127.0.0.1 with the certificate it is given (self-signed, in the
fault matrix), answering every request with a good token answer: a client that does not verify the
certificate gets a token, one that does gets nothing. Counts the requests it answered in its log.
Usage: tls-listener.py --cert PEM --key PEM --port-file FILE   (Python 3.11 standard library only)
"""

import argparse, http.server, os, signal, ssl, sys

ANSWER = b'{"access_token": "ya29.fake-unverified-tls", "expires_in": 3599, "token_type": "Bearer"}'


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("answered %s\n" % self.path)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    do_GET = do_POST


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client that refuses the certificate hangs up mid-handshake: that is the point


def main():
    ap = argparse.ArgumentParser(description="HTTPS stand-in with a given certificate.")
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: os._exit(0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server = Server(("127.0.0.1", 0), Handler)
    # The handshake happens in the request's thread, so that a stalled client blocks nobody.
    server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    tmp = f"{args.port_file}.tmp{os.getpid()}"
    with open(tmp, "w") as fh:
        fh.write(f"{server.server_address[1]}\n")
    os.rename(tmp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
