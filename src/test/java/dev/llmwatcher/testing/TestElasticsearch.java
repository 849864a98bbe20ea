package dev.llmwatcher.testing;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmwatcher.demo.LocalCertificates;
import dev.llmwatcher.demo.LocalCluster;
import dev.llmwatcher.demo.LocalCluster.Flavor;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.elasticsearch.ElasticsearchClients;
import dev.llmwatcher.elasticsearch.ElasticsearchQueueStore;
import dev.llmwatcher.config.ElasticsearchSettings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Elasticsearch for tests, from the integ-test-zip Maven fetched (no download code here). Each variant is
 * started at most once per test JVM, on first use, and stopped when the JVM exits; tests share it, so they write
 * to their own indices ({@link #uniqueIndex}). Server output goes to {@code instances/<variant>/console.log} and
 * the instance's {@code logs} directory under the work folder ({@link #workDir()}), never to the test output.
 *
 * <ul>
 *   <li>{@link #shared()}: the current 9.x, security off. What almost every test wants.</li>
 *   <li>{@link #secured()}: the same with security on, HTTPS with a private CA made at its start
 *       ({@link #certificates()}), and the file-realm superuser {@link #SUPERUSER}/{@link #SUPERUSER_PASSWORD};
 *       raw helpers, {@link #settings()}, and {@link #client()} trust the CA and
 *       authenticate as it.</li>
 *   <li>{@link #version8()}: an 8.19 server, security off, for compatibility tests.</li>
 * </ul>
 * Besides the shared server at most one of the other two runs at a time: asking for one stops the other, so
 * call them from the test class that needs them (not from a static shared field across classes).
 *
 * <p>Raw HTTP helpers ({@link #get}, {@link #put}, {@link #post}, {@link #delete}) return the status and body and
 * never throw on a non-2xx status; the document helpers ({@link #indexQueueDocument}, {@link #source}, ...) throw
 * {@link IllegalStateException} when Elasticsearch refuses.
 */
public final class TestElasticsearch implements TestCluster {

    /** File-realm superuser of {@link #secured()}. */
    public static final String SUPERUSER = "llmwatcher-admin";
    /** Password of {@link #SUPERUSER}. */
    public static final String SUPERUSER_PASSWORD = "s3cret-llmwatcher-test-pw";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger INDEX_COUNTER = new AtomicInteger();
    private static TestElasticsearch shared;
    private static TestElasticsearch secured;
    private static TestElasticsearch version8;

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(180);

    private final LocalCluster server;
    private final Optional<LocalCluster.Superuser> superuser;
    private final HttpClient http;
    private ElasticsearchClient client;
    private boolean stopped;

    private TestElasticsearch(LocalCluster server, Optional<LocalCluster.Superuser> superuser) {
        this.server = server;
        this.superuser = superuser;
        HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        server.certificates().ifPresent(tls -> client.sslContext(tls.trustingCa()));
        this.http = client.build();
    }

    /** The 9.x test server with security off, started on first call. */
    public static synchronized TestElasticsearch shared() {
        if (shared == null) {
            shared = start("es9", "llmwatcher.test.es.zip", false);
        }
        return shared;
    }

    /** A 9.x test server with security on, HTTPS and {@link #SUPERUSER}, started on first call. */
    public static synchronized TestElasticsearch secured() {
        if (secured == null) {
            stopVersion8();
            secured = start("es9-secured", "llmwatcher.test.es.zip", true);
        }
        return secured;
    }

    /** The 8.19 test server with security off, started on first call. */
    public static synchronized TestElasticsearch version8() {
        if (version8 == null) {
            stopSecured();
            version8 = start("es8", "llmwatcher.test.es8.zip", false);
        }
        return version8;
    }

    // The machine is small and shared: besides the shared server, at most one special variant runs at a time.
    // Test classes run one after another, so a class asking for one variant ends the previous class's variant.
    private static void stopSecured() {
        if (secured != null) {
            secured.stop();
            secured = null;
        }
    }

    private static void stopVersion8() {
        if (version8 != null) {
            version8.stop();
            version8 = null;
        }
    }

    /**
     * Starts a server, trying once more if the first start fails: on a loaded machine a free port picked for it
     * can be taken by another process before the server binds it, and the second start picks new ports.
     */
    private static TestElasticsearch start(String name, String zipProperty, boolean security) {
        Optional<LocalCluster.Superuser> superuser = security
                ? Optional.of(new LocalCluster.Superuser(SUPERUSER, SUPERUSER_PASSWORD)) : Optional.empty();
        LocalCluster.Http http = security ? LocalCluster.Http.TLS : LocalCluster.Http.PLAIN;
        LocalCluster server;
        try {
            server = LocalCluster.start(Flavor.ELASTICSEARCH, zipFrom(zipProperty), workDir(), name, STARTUP_TIMEOUT,
                    superuser, http);
        } catch (RuntimeException firstFailure) {
            System.err.println("Test Elasticsearch " + name + " did not start, trying once more: "
                    + firstFailure.getMessage());
            server = LocalCluster.start(Flavor.ELASTICSEARCH, zipFrom(zipProperty), workDir(), name, STARTUP_TIMEOUT,
                    superuser, http);
        }
        TestElasticsearch es = new TestElasticsearch(server, superuser);
        Runtime.getRuntime().addShutdownHook(new Thread(es::stop, "stop-test-elasticsearch-" + name));
        return es;
    }

    /** Base URL, e.g. {@code http://127.0.0.1:41234} ({@code https://} for {@link #secured()}). */
    @Override
    public URI url() {
        return server.url();
    }

    @Override
    public String engine() {
        return "Elasticsearch";
    }

    /** CPU time the server's processes have used so far. */
    public Duration cpuTime() {
        return server.cpuTime();
    }

    /** Whether this server checks credentials ({@link #secured()}). */
    public boolean securityEnabled() {
        return superuser.isPresent();
    }

    /** The private CA of an HTTPS server ({@link #secured()}): its PEM file and SHA-256 fingerprint. */
    public Optional<LocalCertificates> certificates() {
        return server.certificates();
    }

    /** Settings that reach this server: anonymous, or the superuser for {@link #secured()}, trusting its CA. */
    public ElasticsearchSettings settings() {
        return trustingCa(superuser
                .map(user -> ElasticsearchSettings.basicAuth(url(), user.username(), user.password()))
                .orElseGet(() -> ElasticsearchSettings.anonymous(url())));
    }

    /** {@code settings} (this server's URL, some credentials) that also trust this server's CA, if it has one. */
    public ElasticsearchSettings trustingCa(ElasticsearchSettings settings) {
        return new ElasticsearchSettings(settings.urls(), settings.username(), settings.password(),
                settings.apiKey(), certificates().map(LocalCertificates::caPem), Optional.empty(),
                settings.requestTimeout());
    }

    /**
     * The watcher's settings that reach this server without credentials: {@code ELASTICSEARCH_URL}, and
     * {@code ELASTICSEARCH_CA_CERT} for an HTTPS server; and an answer cache index and a token budget index of its
     * own, so that no test is answered from another test's cache or spends another test's budget.
     */
    @Override
    public Map<String, String> connectionVariables() {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("ELASTICSEARCH_URL", url().toString());
        variables.put("LLM_WATCHER_ANSWER_CACHE_INDEX", uniqueIndex("answer-cache"));
        variables.put("LLM_WATCHER_TOKEN_BUDGET_INDEX", uniqueIndex("token-budget"));
        certificates().ifPresent(tls -> variables.put("ELASTICSEARCH_CA_CERT", tls.caPem().toString()));
        return variables;
    }

    /** The Elasticsearch client the watcher would make for this server ({@link #settings()}); shared, don't close it. */
    public synchronized ElasticsearchClient client() {
        if (client == null) {
            client = ElasticsearchClients.create(settings());
        }
        return client;
    }

    /** The queue store as the watcher makes it, over the shared {@link #client()}. */
    public ElasticsearchQueueStore queueStore() {
        return new ElasticsearchQueueStore(client(), settings());
    }

    /** An index name no other test uses: {@code prefix-N-random}, lower case. */
    public static String uniqueIndex(String prefix) {
        return (prefix + "-" + INDEX_COUNTER.incrementAndGet() + "-"
                + Long.toString(System.nanoTime() & 0xffffff, 36)).toLowerCase(Locale.ROOT);
    }

    /**
     * {@code _llm_watcher} as the original pipeline script writes it: provider {@code ollama}, model
     * {@code llama3.3}, the prompt, an empty {@code format}, {@code options} null, and the original index.
     * Mutable, so a test can change or add fields (e.g. {@code target_field}).
     */
    public static Map<String, Object> pipelineMeta(String originalIndex, String prompt) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("provider", "ollama");
        meta.put("model", "llama3.3");
        meta.put("prompt", prompt);
        meta.put("format", new LinkedHashMap<>());
        meta.put("options", null);
        meta.put("_original_index", originalIndex);
        return meta;
    }

    /** Indexes one document, visible to searches at once. */
    @Override
    public void indexDocument(String index, String id, Map<String, ?> source) {
        Response response = put("/" + index + "/_doc/" + encode(id) + "?refresh=true", toJson(source));
        response.requireSuccess("index " + index + "/" + id);
    }

    /** Indexes many documents in one bulk request (ids to sources), visible to searches at once. */
    @Override
    public void bulkIndex(String index, Map<String, ? extends Map<String, ?>> sourcesById) {
        if (sourcesById.isEmpty()) {
            return;
        }
        StringBuilder body = new StringBuilder();
        sourcesById.forEach((id, source) -> body.append(toJson(Map.of("index", Map.of("_index", index, "_id", id))))
                .append('\n').append(toJson(source)).append('\n'));
        Response response = send("POST", "/_bulk?refresh=true", body.toString(), "application/x-ndjson");
        response.requireSuccess("bulk index into " + index);
        if (Boolean.TRUE.equals(response.json().get("errors"))) {
            throw new IllegalStateException("bulk index into " + index + " had item errors: " + response.body());
        }
    }

    /** Makes recent writes to {@code index} visible to searches. */
    public void refresh(String index) {
        post("/" + index + "/_refresh", "").requireSuccess("refresh " + index);
    }

    /** The document's {@code _source}, or empty when there is no such document (or index). */
    @Override
    public Optional<Map<String, Object>> source(String index, String id) {
        Response response = get("/" + index + "/_doc/" + encode(id));
        if (response.status() == 404) {
            return Optional.empty();
        }
        response.requireSuccess("get " + index + "/" + id);
        @SuppressWarnings("unchecked")
        Map<String, Object> source = (Map<String, Object>) response.json().get("_source");
        return Optional.of(source);
    }

    /** Number of documents in {@code index} after a refresh; 0 when the index does not exist. */
    @Override
    public long count(String index) {
        Response refresh = post("/" + index + "/_refresh", "");
        if (refresh.status() == 404) {
            return 0;
        }
        Response response = get("/" + index + "/_count");
        response.requireSuccess("count " + index);
        return ((Number) response.json().get("count")).longValue();
    }

    public Response get(String path) {
        return send("GET", path, null, null);
    }

    public Response put(String path, String json) {
        return send("PUT", path, json, "application/json");
    }

    @Override
    public Response post(String path, String json) {
        return send("POST", path, json, "application/json");
    }

    public Response delete(String path) {
        return send("DELETE", path, null, null);
    }

    /** Sends a request with this server's credentials (if any) and the given extra headers, e.g. another auth. */
    public Response send(String method, String path, String body, String contentType, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(url().resolve(path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        boolean customAuth = false;
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
            customAuth |= headers[i].equalsIgnoreCase("Authorization");
        }
        if (!customAuth) {
            superuser.ifPresent(user -> request.header("Authorization", user.basicAuthorization()));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " on the test Elasticsearch failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    /** JSON text of a value (maps, lists, strings, numbers). */
    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (client != null) {
            try {
                client.close();
            } catch (IOException e) {
                System.err.println("Closing the test Elasticsearch client failed: " + e.getMessage());
            }
        }
        server.close();
    }

    private static String encode(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Path zipFrom(String property) {
        String value = System.getProperty(property, "").strip();
        if (value.isEmpty() || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException("System property " + property + " must name the Elasticsearch "
                    + "integ-test-zip (set by Maven; run the tests with mvn), but is '" + value + "'");
        }
        return Path.of(value);
    }

    /**
     * Where the servers are unpacked and keep their data: the build's {@code target/test-servers}, unless the
     * unprivileged server user could not reach it (a checkout under {@code /root}, say, which is 700); then a
     * folder under the system temp directory named after the checkout, so parallel checkouts never share one.
     */
    public static Path workDir() {
        Path configured = Path.of(System.getProperty("llmwatcher.test.work", "target/test-servers")).toAbsolutePath();
        if (traversableByOthers(configured)) {
            return configured;
        }
        String tag = Integer.toHexString(configured.toString().hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "llm-watcher-test-servers-" + tag);
    }

    private static boolean traversableByOthers(Path path) {
        for (Path dir = path.getParent(); dir != null; dir = dir.getParent()) {
            try {
                if (Files.exists(dir) && !Files.getPosixFilePermissions(dir)
                        .contains(java.nio.file.attribute.PosixFilePermission.OTHERS_EXECUTE)) {
                    return false;
                }
            } catch (java.io.IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return true;
    }

    /** Status and body of a raw HTTP exchange. */
    public record Response(int status, String body) {

        /** The body as a JSON object. */
        public Map<String, Object> json() {
            try {
                return JSON.readValue(body, new TypeReference<>() {
                });
            } catch (IOException e) {
                throw new UncheckedIOException("not a JSON object: " + body, e);
            }
        }

        public boolean isSuccess() {
            return status >= 200 && status < 300;
        }

        public Response requireSuccess(String what) {
            if (!isSuccess()) {
                throw new IllegalStateException(what + " failed with HTTP " + status + ": " + body);
            }
            return this;
        }
    }
}
