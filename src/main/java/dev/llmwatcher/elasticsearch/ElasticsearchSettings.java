package dev.llmwatcher.elasticsearch;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach Elasticsearch, as the configuration layer hands it over. Either basic auth ({@code username} and
 * {@code password}) or an API key (the encoded value sent as {@code Authorization: ApiKey ...}), or neither.
 * For TLS with a private CA give either the CA certificate (PEM) or its SHA-256 fingerprint.
 *
 * <p>{@link #toString()} never shows the password or the API key.
 */
public record ElasticsearchSettings(URI url, Optional<String> username, Optional<String> password,
                                    Optional<String> apiKey, Optional<Path> caCertificate,
                                    Optional<String> caFingerprint, Duration requestTimeout) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    public ElasticsearchSettings {
        Objects.requireNonNull(url, "url");
        username = username == null ? Optional.empty() : username.filter(s -> !s.isEmpty());
        password = password == null ? Optional.empty() : password;
        apiKey = apiKey == null ? Optional.empty() : apiKey.filter(s -> !s.isEmpty());
        caCertificate = caCertificate == null ? Optional.empty() : caCertificate;
        caFingerprint = caFingerprint == null ? Optional.empty() : caFingerprint.filter(s -> !s.isEmpty());
        requestTimeout = requestTimeout == null ? DEFAULT_REQUEST_TIMEOUT : requestTimeout;
        if (username.isPresent() && apiKey.isPresent()) {
            throw new IllegalArgumentException(
                    "give either an Elasticsearch username/password or an API key, not both");
        }
        if (caCertificate.isPresent() && caFingerprint.isPresent()) {
            throw new IllegalArgumentException("give either a CA certificate or a CA fingerprint, not both");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("Elasticsearch request timeout must be positive: " + requestTimeout);
        }
    }

    /** No authentication, no custom TLS, default timeout. */
    public static ElasticsearchSettings anonymous(URI url) {
        return new ElasticsearchSettings(url, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public static ElasticsearchSettings basicAuth(URI url, String username, String password) {
        return new ElasticsearchSettings(url, Optional.of(username), Optional.of(password), Optional.empty(),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public static ElasticsearchSettings apiKey(URI url, String apiKey) {
        return new ElasticsearchSettings(url, Optional.empty(), Optional.empty(), Optional.of(apiKey),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public ElasticsearchSettings withRequestTimeout(Duration timeout) {
        return new ElasticsearchSettings(url, username, password, apiKey, caCertificate, caFingerprint, timeout);
    }

    @Override
    public String toString() {
        String auth = username.map(u -> "basic(" + u + ")").orElse(apiKey.isPresent() ? "api-key" : "none");
        return "ElasticsearchSettings[url=" + url + ", auth=" + auth + ", caCertificate=" + caCertificate
                + ", caFingerprint=" + caFingerprint.isPresent() + ", requestTimeout=" + requestTimeout + "]";
    }
}
