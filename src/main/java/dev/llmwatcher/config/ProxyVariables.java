package dev.llmwatcher.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads {@code HTTP_PROXY}, {@code HTTPS_PROXY} and {@code NO_PROXY} (the upper-case form first, then the lower-case
 * one, as curl and Go do) into {@link ProxySettings}. A value without a scheme ({@code proxy.corp:3128}) means an
 * HTTP proxy, as it does for curl. Rejected with a message: anything but an HTTP proxy (the JDK client talks to
 * proxies in plain HTTP only), a URL without a host, and credentials in the URL, which the JDK client would not send.
 */
final class ProxyVariables {

    private final Map<String, String> values;
    private final List<String> problems;

    ProxyVariables(Map<String, String> values, List<String> problems) {
        this.values = values;
        this.problems = problems;
    }

    ProxySettings read() {
        List<String> noProxy = variable("NO_PROXY")
                .map(list -> Arrays.stream(list.split(",")).map(String::strip).filter(e -> !e.isEmpty())
                        .map(e -> e.toLowerCase(Locale.ROOT)).toList())
                .orElse(List.of());
        return new ProxySettings(proxy("HTTP_PROXY"), proxy("HTTPS_PROXY"), noProxy);
    }

    private Optional<String> variable(String upperCaseName) {
        return Stream.of(upperCaseName, upperCaseName.toLowerCase(Locale.ROOT))
                .map(values::get)
                .filter(v -> v != null && !v.isBlank())
                .map(String::strip)
                .findFirst();
    }

    private Optional<URI> proxy(String name) {
        Optional<String> value = variable(name);
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String text = value.get().contains("://") ? value.get() : "http://" + value.get();
        String shown = text.replaceAll("//[^/@]*@", "//");
        try {
            URI uri = new URI(text);
            if (!"http".equalsIgnoreCase(uri.getScheme())) {
                return problem(name + ": expected an http:// proxy URL such as http://proxy.example:3128 (the proxy "
                        + "itself is reached in plain HTTP; https:// providers are tunnelled through it), got '"
                        + shown + "'");
            }
            if (uri.getHost() == null) {
                return problem(name + ": expected a proxy URL with a host and port, such as "
                        + "http://proxy.example:3128, got '" + shown + "'");
            }
            if (uri.getUserInfo() != null) {
                return problem(name + ": proxies that need credentials are not supported; remove them from the URL");
            }
            int port = uri.getPort() < 0 ? 80 : uri.getPort();
            return Optional.of(URI.create("http://" + uri.getHost() + ":" + port));
        } catch (URISyntaxException e) {
            return problem(name + ": not a valid proxy URL (" + e.getReason() + "): '" + shown + "'");
        }
    }

    private Optional<URI> problem(String message) {
        problems.add(message);
        return Optional.empty();
    }
}
