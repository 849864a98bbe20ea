package dev.llmwatcher.http;

import java.net.URI;
import java.util.Locale;

/** Where a connection goes: connections are pooled and reused per route. */
record Route(boolean secure, String host, int port) {

    static Route of(URI uri) {
        boolean secure = "https".equalsIgnoreCase(uri.getScheme());
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort() >= 0 ? uri.getPort() : secure ? 443 : 80;
        return new Route(secure, host, port);
    }

    /** The host name to connect to and verify: an IPv6 literal without its brackets. */
    String address() {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The {@code Host} header: the port only when it is not the scheme's default. */
    String hostHeader() {
        return port == (secure ? 443 : 80) ? host : host + ":" + port;
    }

    @Override
    public String toString() {
        return (secure ? "https://" : "http://") + hostHeader();
    }
}
