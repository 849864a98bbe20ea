package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.http.Http1Client;
import dev.llmwatcher.http.HttpAnswer;
import dev.llmwatcher.http.HttpCall;
import dev.llmwatcher.json.JsonCodec;

import javax.net.ssl.SSLHandshakeException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Elasticsearch's REST API as JSON over HTTP/1.1 ({@link Http1Client}): the handful of endpoints the watcher uses
 * (search with a point in time, count, bulk, refresh, templates, scripts, pipelines) need nothing more, and the
 * official client with its HTTP stack was most of the watcher's start-up time, classes and package size (see
 * {@code BENCHMARKS.md}). Bodies are plain JSON, which 8.x and 9.x servers (and OpenSearch) all accept.
 *
 * <p>Documents travel as plain maps; {@code null} map values are sent, so a partial update can clear a field.
 * One connection pool per instance; nothing is sent until the first request.
 */
public final class ElasticsearchConnection implements AutoCloseable {

    private static final String JSON_TYPE = "application/json";
    private static final String NDJSON_TYPE = "application/x-ndjson";

    private final ElasticsearchSettings settings;
    private final String base;
    private final Optional<String> authorization;
    private final Http1Client http;

    private ElasticsearchConnection(ElasticsearchSettings settings, Http1Client http) {
        this.settings = settings;
        this.base = baseOf(settings.url());
        this.authorization = authorization(settings);
        this.http = http;
    }

    /** Builds the client. Nothing is sent yet; a wrong URL or credentials show on the first request. */
    public static ElasticsearchConnection open(ElasticsearchSettings settings) {
        Http1Client http = settings.caCertificate().map(pem -> Http1Client.create(settings.requestTimeout(),
                        TrustedCa.fromPem(pem)))
                .or(() -> settings.caFingerprint().map(fp -> Http1Client.create(settings.requestTimeout(),
                        TrustedCa.fromFingerprint(fp))))
                .orElseGet(() -> Http1Client.create(settings.requestTimeout()));
        return new ElasticsearchConnection(settings, http);
    }

    /**
     * Reads a CA certificate file as {@link #open} will, so a configuration can be checked before anything runs.
     *
     * @throws IllegalArgumentException saying what is wrong: missing, unreadable, or no certificate in it
     */
    public static void checkCaCertificate(Path pem) {
        TrustedCa.certificates(pem);
    }

    public ElasticsearchSettings settings() {
        return settings;
    }

    /**
     * Sends one request and returns Elasticsearch's JSON answer as a map (empty when it sent no body).
     *
     * @param path a path with query string, e.g. {@code /my-index/_refresh?ignore_unavailable=true}
     * @param body a JSON-serializable value (a map, usually), a JSON string, or null for none
     * @throws ElasticsearchException with Elasticsearch's error when it answers with an error status
     * @throws IOException            when it cannot be reached or does not answer in time
     */
    public Map<String, Object> send(String method, String path, Object body) throws IOException {
        byte[] bytes = body == null ? null
                : body instanceof String text ? text.getBytes(StandardCharsets.UTF_8) : JsonCodec.write(body);
        return exchange(method, path, bytes, JSON_TYPE);
    }

    /**
     * Sends the operations as one {@code _bulk} request and returns one item per operation, in order.
     *
     * @param refresh make the changes visible to searches before answering
     * @throws ElasticsearchException when the request as a whole fails, or the answer has the wrong item count
     */
    public List<BulkItem> bulk(List<BulkOperation> operations, boolean refresh) throws IOException {
        if (operations.isEmpty()) {
            return List.of();
        }
        List<Object> lines = new ArrayList<>(operations.size() * 2);
        for (BulkOperation operation : operations) {
            lines.add(operation.metadata());
            if (operation.document() != null) {
                lines.add(operation.document());
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(operations.size() * 1024);
        JsonCodec.writeLines(body, lines);
        String path = "/_bulk" + (refresh ? "?refresh=true" : "");
        Map<String, Object> answer = exchange("POST", path, body.toByteArray(), NDJSON_TYPE);
        List<BulkItem> items = new ArrayList<>(operations.size());
        if (answer.get("items") instanceof List<?> list) {
            list.forEach(item -> items.add(BulkItem.from(item)));
        }
        if (items.size() != operations.size()) {
            throw new ElasticsearchException("POST " + path, 200, new ErrorCause("unexpected_bulk_answer",
                    items.size() + " items for " + operations.size() + " operations", null, null));
        }
        return items;
    }

    private Map<String, Object> exchange(String method, String path, byte[] body, String contentType)
            throws IOException {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", JSON_TYPE);
        if (body != null) {
            headers.put("Content-Type", contentType);
        }
        authorization.ifPresent(value -> headers.put("Authorization", value));
        HttpAnswer response;
        try {
            response = http.send(new HttpCall(method, URI.create(base + path), headers, body,
                    settings.requestTimeout()));
        } catch (SSLHandshakeException e) {
            throw explained(e);
        }
        int status = response.status();
        if (status >= 200 && status < 300) {
            return parse(response.body());
        }
        throw new ElasticsearchException(method + " " + path, status, errorOf(response.body(), status));
    }

    /**
     * A server certificate this client refused, said plainly with what it was checked against (the JDK's words are
     * {@code PKIX path building failed: sun.security...}); other handshake failures are left as they are.
     */
    private SSLHandshakeException explained(SSLHandshakeException e) {
        boolean certificateRefused = false;
        Throwable innermost = e;
        for (Throwable t = e; t != null && t != t.getCause(); t = t.getCause()) {
            certificateRefused |= t instanceof CertificateException;
            innermost = t;
        }
        if (!certificateRefused) {
            return e;
        }
        String trustedBy = settings.caCertificate().map(pem -> "the CA certificate " + pem)
                .or(() -> settings.caFingerprint().map(fingerprint -> "the CA fingerprint"))
                .orElse("the JDK's default CAs; for a cluster with its own CA give its certificate (PEM) or "
                        + "its SHA-256 fingerprint");
        SSLHandshakeException explained = new SSLHandshakeException("the server's TLS certificate is not trusted ("
                + innermost.getMessage() + "), checked against " + trustedBy);
        explained.initCause(e);
        return explained;
    }

    private static Map<String, Object> parse(byte[] body) throws IOException {
        if (body == null || body.length == 0) {
            return Map.of();
        }
        return JsonCodec.readObject(body);
    }

    private static ErrorCause errorOf(byte[] body, int status) {
        try {
            Map<String, Object> answer = parse(body);
            if (answer.containsKey("error")) {
                return ErrorCause.from(answer.get("error"));
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through: a proxy or load balancer answered with text or HTML
        }
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8).strip();
        return new ErrorCause("http_" + status, text.length() > 200 ? text.substring(0, 200) + "..." : text,
                null, null);
    }

    @Override
    public void close() {
        http.close();
    }

    /** The URL's scheme, host, port and path prefix, without user info or a trailing slash. */
    private static String baseOf(URI url) {
        try {
            String path = url.getPath() == null ? "" : url.getPath().replaceAll("/+$", "");
            return new URI(url.getScheme(), null, url.getHost(), url.getPort(), path, null, null).toString();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a usable Elasticsearch URL: " + url, e);
        }
    }

    private static Optional<String> authorization(ElasticsearchSettings settings) {
        if (settings.apiKey().isPresent()) {
            return Optional.of("ApiKey " + encodedApiKey(settings.apiKey().get()));
        }
        if (settings.username().isPresent()) {
            String pair = settings.username().get() + ":" + settings.password().orElse("");
            return Optional.of("Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        return Optional.empty();
    }

    /**
     * Elasticsearch wants {@code base64(id:api_key)} (the {@code encoded} value its API returns); an {@code id:key}
     * pair is encoded here so either form a user copies works.
     */
    public static String encodedApiKey(String apiKey) {
        if (!apiKey.contains(":")) {
            return apiKey;
        }
        return Base64.getEncoder().encodeToString(apiKey.getBytes(StandardCharsets.UTF_8));
    }

    /** A path segment (an index, id or pipeline name) with reserved characters escaped. */
    public static String segment(String value) {
        return java.net.URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
