"""The page's protections: one Content-Security-Policy, sent as a header by the server and written into
the page as a <meta> (the only way a static host that sends no headers can carry it), and cross-origin
isolation (COOP + COEP), which only headers can give."""

from __future__ import annotations

# What the page needs and nothing more: scripts, styles, fetches and workers from the app itself;
# WASM compilation (Pyodide, TF.js's wasm backend); p5's inline styles; the data: favicon and
# blob:/mediastream: camera frames; no plugins, no <base>, no framing, no form posts.
# blob: scripts: TF.js's threaded wasm build starts its helper threads as workers from blob: URLs, each of
# which imports the wasm module's JavaScript from another blob: (importScripts); both are made by TF.js
# in the page or the model worker, never fetched.
# No 'unsafe-eval': strings are never run as code (js.eval, Function(), setTimeout("...") are refused).
# tf.min.js 4.22's bundled regenerator-runtime would call Function() at load time; web/tf-prelude.js,
# loaded before it, defines the global it looks for. Pyodide 0.29 and p5 need no eval.
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(CSP_DIRECTIVES)
# Cross-origin isolation: with both on every response (the page, the model worker's script, every file it
# loads), the page and its workers get SharedArrayBuffer, which TF.js's threaded SIMD wasm build needs. The
# page loads nothing from another origin, so require-corp costs nothing. Without them (a static host) TF.js
# finds no SharedArrayBuffer and runs its single-threaded SIMD build: slower on many cores, otherwise the same.
ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}
SECURITY_HEADERS = {  # on every response, with the app's CONTENT_SECURITY_POLICY
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    **ISOLATION_HEADERS,
}
# Browsers ignore these in a <meta> policy (and say so in the console): only a header can carry them.
HEADER_ONLY_DIRECTIVES = ("frame-ancestors", "report-uri", "report-to", "sandbox")


def meta_policy(policy: str) -> str:
    """`policy` as a <meta http-equiv> may carry it: the header-only directives left out."""
    kept = [d.strip() for d in policy.split(";") if d.strip() and d.split()[0].lower() not in HEADER_ONLY_DIRECTIVES]
    return "; ".join(kept)
