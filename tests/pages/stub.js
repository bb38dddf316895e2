// The command-queue stub as an external file, for pages whose CSP forbids inline scripts.
window.touchpoint = window.touchpoint || function () { (touchpoint.q = touchpoint.q || []).push(arguments); };
touchpoint("event", "open_nps");
