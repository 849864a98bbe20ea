package dev.llmwatcher.http;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One HTTP request: sent as is, with {@code Host}, {@code Content-Length} and {@code Connection} added by the client.
 *
 * @param headers names as they should be sent; values must not contain line breaks
 * @param body    the request body, or null for none
 * @param timeout for the whole exchange: connecting, sending, and reading the whole answer
 */
public record HttpCall(String method, URI uri, Map<String, String> headers, byte[] body, Duration timeout) {

    public HttpCall {
        if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("not an http or https URL: " + uri.getScheme() + "://" + uri.getHost());
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in the URL");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("the timeout must be positive: " + timeout);
        }
        headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        headers.forEach((name, value) -> {
            if (name.isEmpty() || containsLineBreak(name) || containsLineBreak(value)) {
                throw new IllegalArgumentException("a header name or value is empty or contains a line break: "
                        + name.replaceAll("[\r\n]", " "));
            }
        });
    }

    private static boolean containsLineBreak(String text) {
        return text.indexOf('\r') >= 0 || text.indexOf('\n') >= 0;
    }
}
