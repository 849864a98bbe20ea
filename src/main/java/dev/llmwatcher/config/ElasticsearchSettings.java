package dev.llmwatcher.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * How to reach Elasticsearch, as the configuration layer hands it over. Several URLs are nodes of one cluster: the
 * client fails over from a dead one to the next. Either basic auth ({@code username} and {@code password}) or an API
 * key (the encoded value, or {@code id:key}), or neither. For TLS with a private CA give either the CA certificate
 * (PEM) or its SHA-256 fingerprint (64 lower-case hex digits).
 *
 * <p>Plain values only, so the configuration stays free of the Elasticsearch client's types; the adapter builds its
 * client from these. {@link #toString()} never shows the password or the API key.
 *
 * <p>The cluster may be OpenSearch: {@code engine} says which (or {@link SearchEngine#AUTO}: ask it), and
 * {@code sigV4Service} ({@code es} for an Amazon OpenSearch Service domain, {@code aoss} for Serverless) signs every
 * request with AWS SigV4 and the SDK's default credentials instead of a password.
 */
public record ElasticsearchSettings(List<URI> urls, Optional<String> username, Optional<String> password,
                                    Optional<String> apiKey, Optional<Path> caCertificate,
                                    Optional<String> caFingerprint, Duration requestTimeout, SearchEngine engine,
                                    Optional<String> sigV4Service) {

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);

    /** Elasticsearch or OpenSearch as the cluster says, unsigned. */
    public ElasticsearchSettings(List<URI> urls, Optional<String> username, Optional<String> password,
                                 Optional<String> apiKey, Optional<Path> caCertificate,
                                 Optional<String> caFingerprint, Duration requestTimeout) {
        this(urls, username, password, apiKey, caCertificate, caFingerprint, requestTimeout, SearchEngine.AUTO,
                Optional.empty());
    }

    public ElasticsearchSettings {
        engine = engine == null ? SearchEngine.AUTO : engine;
        sigV4Service = sigV4Service == null ? Optional.empty() : sigV4Service.filter(s -> !s.isEmpty());
        urls = List.copyOf(Objects.requireNonNull(urls, "urls"));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one Elasticsearch URL is needed");
        }
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
        return new ElasticsearchSettings(List.of(url), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public static ElasticsearchSettings basicAuth(URI url, String username, String password) {
        return new ElasticsearchSettings(List.of(url), Optional.of(username), Optional.of(password), Optional.empty(),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    public static ElasticsearchSettings apiKey(URI url, String apiKey) {
        return new ElasticsearchSettings(List.of(url), Optional.empty(), Optional.empty(), Optional.of(apiKey),
                Optional.empty(), Optional.empty(), DEFAULT_REQUEST_TIMEOUT);
    }

    /** The first node: where single-node tools (and messages naming "the" cluster) go. */
    public URI url() {
        return urls.get(0);
    }

    /** The URLs as a user wrote them, comma-separated: how messages name the cluster. */
    public String endpoints() {
        return urls.stream().map(URI::toString).collect(Collectors.joining(","));
    }

    public ElasticsearchSettings withUrls(List<URI> nodes) {
        return new ElasticsearchSettings(nodes, username, password, apiKey, caCertificate, caFingerprint,
                requestTimeout, engine, sigV4Service);
    }

    public ElasticsearchSettings withRequestTimeout(Duration timeout) {
        return new ElasticsearchSettings(urls, username, password, apiKey, caCertificate, caFingerprint, timeout,
                engine, sigV4Service);
    }

    public ElasticsearchSettings withCaCertificate(Path pem) {
        return new ElasticsearchSettings(urls, username, password, apiKey, Optional.of(pem), Optional.empty(),
                requestTimeout, engine, sigV4Service);
    }

    public ElasticsearchSettings withCaFingerprint(String sha256) {
        return new ElasticsearchSettings(urls, username, password, apiKey, Optional.empty(), Optional.of(sha256),
                requestTimeout, engine, sigV4Service);
    }

    /** The same cluster, served by {@code engine} (the override, or what the cluster said). */
    public ElasticsearchSettings withEngine(SearchEngine chosen) {
        return new ElasticsearchSettings(urls, username, password, apiKey, caCertificate, caFingerprint,
                requestTimeout, chosen, sigV4Service);
    }

    /** The same cluster, other credentials (a secret's): the engine and the signing kept. */
    public ElasticsearchSettings withCredentials(Optional<String> user, Optional<String> secret,
                                                Optional<String> key) {
        return new ElasticsearchSettings(urls, user, secret, key, caCertificate, caFingerprint, requestTimeout,
                engine, sigV4Service);
    }

    @Override
    public String toString() {
        String auth = username.map(u -> "basic(" + u + ")").orElse(apiKey.isPresent() ? "api-key" : "none");
        return "ElasticsearchSettings[urls=" + endpoints() + ", auth=" + auth + ", caCertificate=" + caCertificate
                + ", caFingerprint=" + caFingerprint.isPresent() + ", requestTimeout=" + requestTimeout
                + (engine == SearchEngine.AUTO ? "" : ", engine=" + engine.value())
                + sigV4Service.map(service -> ", sigV4=" + service).orElse("") + "]";
    }
}
