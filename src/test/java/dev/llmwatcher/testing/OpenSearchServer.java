package dev.llmwatcher.testing;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.demo.LocalCluster;
import dev.llmwatcher.json.JsonCodec;

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
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A real painless engine for contract tests of the shipped script and pipeline: OpenSearch's integ-test-zip (it
 * has lang-painless and ingest-common; Elasticsearch's has neither), no security plugin, spoken to over plain
 * HTTP (elasticsearch-java refuses OpenSearch). {@link #shared()} is one server for the whole test JVM (the OpenSearch
 * adapter's contract suites), stopped when the JVM ends; {@link #version2()} likewise one of the newest 2.x line, on
 * an older JDK of this machine's (2.x runs under the Security Manager, which JDK 24 and later refuse);
 * {@link #start()} a server of the caller's, closed by it.
 */
public final class OpenSearchServer implements TestCluster, AutoCloseable {

    private final LocalCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OpenSearchServer(LocalCluster cluster) {
        this.cluster = cluster;
    }

    /** Where a JDK that still allows the Security Manager is looked for, when no property names one. */
    private static final Path JVM_DIRECTORY = Path.of("/usr/lib/jvm");
    private static final String VERSION2_JAVA_HOME = "llmwatcher.test.opensearch2.javaHome";

    private static OpenSearchServer shared;
    private static OpenSearchServer version2;

    /** One server for every test of this JVM that asks, started by the first, stopped with the JVM. */
    public static synchronized OpenSearchServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "stop-test-opensearch"));
        }
        return shared;
    }

    /**
     * One OpenSearch 2.x server for every test of this JVM that asks, as {@link #shared()} is one 3.x server; started
     * with a JDK 11 to 21 (system property {@value #VERSION2_JAVA_HOME}, else the first such JDK under
     * {@code /usr/lib/jvm}). Without one it fails, saying what to install: the 2.x line is part of the suite.
     */
    public static synchronized OpenSearchServer version2() {
        if (version2 == null) {
            version2 = start("llmwatcher.test.opensearch2.zip", "opensearch2", version2JavaHome());
            Runtime.getRuntime().addShutdownHook(new Thread(version2::close, "stop-test-opensearch2"));
        }
        return version2;
    }

    private static Path version2JavaHome() {
        String named = System.getProperty(VERSION2_JAVA_HOME, "").strip();
        if (!named.isEmpty()) {
            return Optional.of(Path.of(named)).filter(OpenSearchServer::allowsTheSecurityManager)
                    .orElseThrow(() -> noSecurityManagerJdk(named + " is not a JDK 11 to 21"));
        }
        try (Stream<Path> homes = Files.list(JVM_DIRECTORY)) {
            return homes.filter(OpenSearchServer::allowsTheSecurityManager).sorted().findFirst()
                    .orElseThrow(() -> noSecurityManagerJdk("no JDK 11 to 21 in " + JVM_DIRECTORY));
        } catch (IOException e) {
            throw noSecurityManagerJdk("cannot list " + JVM_DIRECTORY + ": " + e.getMessage());
        }
    }

    private static boolean allowsTheSecurityManager(Path home) {
        return Files.isExecutable(home.resolve("bin").resolve("java"))
                && javaMajor(home).filter(major -> major >= 11 && major <= 21).isPresent();
    }

    /** The major version a JDK's {@code release} file names ({@code JAVA_VERSION="17.0.15"}), if it has one. */
    private static Optional<Integer> javaMajor(Path home) {
        try {
            return Files.readAllLines(home.resolve("release")).stream()
                    .filter(line -> line.startsWith("JAVA_VERSION=\""))
                    .map(line -> line.substring("JAVA_VERSION=\"".length()).split("[.\"]")[0])
                    .filter(major -> major.matches("\\d+")).map(Integer::valueOf).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static IllegalStateException noSecurityManagerJdk(String why) {
        return new IllegalStateException("OpenSearch 2.x needs a JDK 11 to 21 (it runs under the Security Manager, "
                + "which JDK 24 and later refuse), but " + why + ": install one (e.g. apt-get install "
                + "openjdk-17-jdk-headless) or name it with -D" + VERSION2_JAVA_HOME + "=PATH");
    }

    /** The adapter's settings for this server: anonymous, plain HTTP. */
    public ElasticsearchSettings settings() {
        return ElasticsearchSettings.anonymous(url());
    }

    @Override
    public String engine() {
        return "OpenSearch";
    }

    /** {@code ELASTICSEARCH_URL} (the seed's name takes an OpenSearch URL), a cache and a budget index of its own. */
    @Override
    public Map<String, String> connectionVariables() {
        return Map.of("ELASTICSEARCH_URL", url().toString(),
                "LLM_WATCHER_ANSWER_CACHE_INDEX", TestElasticsearch.uniqueIndex("answer-cache"),
                "LLM_WATCHER_TOKEN_BUDGET_INDEX", TestElasticsearch.uniqueIndex("token-budget"));
    }

    @Override
    public void bulkIndex(String index, Map<String, ? extends Map<String, ?>> sourcesById) {
        if (sourcesById.isEmpty()) {
            return;
        }
        StringBuilder body = new StringBuilder();
        sourcesById.forEach((id, source) -> body.append(JsonCodec.writeString(Map.of("index", Map.of("_index", index,
                "_id", id)))).append('\n').append(JsonCodec.writeString(source)).append('\n'));
        TestElasticsearch.Response response = post("/_bulk?refresh=true", body.toString());
        response.requireSuccess("bulk index into " + index);
        if (Boolean.TRUE.equals(response.json().get("errors"))) {
            throw new IllegalStateException("bulk index into " + index + " had item errors: " + response.body());
        }
    }

    @Override
    public long count(String index) {
        if (post("/" + index + "/_refresh", null).status() == 404) {
            return 0;
        }
        TestElasticsearch.Response response = send("GET", "/" + index + "/_count", null);
        response.requireSuccess("count " + index);
        return ((Number) response.json().get("count")).longValue();
    }

    @Override
    public TestElasticsearch.Response post(String path, String json) {
        return send("POST", path, json);
    }

    /** Indexes one document, visible to searches at once. */
    @Override
    public void indexDocument(String index, String id, Map<String, ?> source) {
        send("PUT", "/" + index + "/_doc/" + encode(id) + "?refresh=true", JsonCodec.writeString(source))
                .requireSuccess("index " + index + "/" + id);
    }

    /** The document's {@code _source}, or empty when there is no such document (or index). */
    @Override
    @SuppressWarnings("unchecked")
    public Optional<Map<String, Object>> source(String index, String id) {
        TestElasticsearch.Response response = send("GET", "/" + index + "/_doc/" + encode(id), null);
        if (response.status() == 404) {
            return Optional.empty();
        }
        response.requireSuccess("get " + index + "/" + id);
        return Optional.of((Map<String, Object>) response.json().get("_source"));
    }

    private static String encode(String id) {
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A 3.x server of the caller's, on this JVM's JDK. */
    public static OpenSearchServer start() {
        return start("llmwatcher.test.opensearch.zip", "opensearch", Path.of(System.getProperty("java.home")));
    }

    private static OpenSearchServer start(String zipProperty, String name, Path javaHome) {
        String zip = System.getProperty(zipProperty, "").strip();
        if (zip.isEmpty() || !Files.isRegularFile(Path.of(zip))) {
            throw new IllegalStateException("System property " + zipProperty + " must name the "
                    + "OpenSearch integ-test-zip (set by Maven; run the tests with mvn), but is '" + zip + "'");
        }
        return new OpenSearchServer(LocalCluster.start(LocalCluster.Flavor.OPENSEARCH, Path.of(zip),
                TestElasticsearch.workDir(), name, Duration.ofSeconds(180), javaHome, OpenSearchServer::healthProbe));
    }

    /** Cluster health over plain HTTP, as the rest of this class talks to OpenSearch. */
    private static LocalCluster.ReadinessProbe healthProbe(LocalCluster cluster) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest health = HttpRequest.newBuilder(cluster.url().resolve(
                "/_cluster/health?wait_for_status=yellow&timeout=2s")).timeout(Duration.ofSeconds(10)).build();
        return () -> {
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 ? Optional.empty() : Optional.of("HTTP " + response.statusCode());
            } catch (IOException e) {
                return Optional.of(e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted");
            }
        };
    }

    @Override
    public URI url() {
        return cluster.url();
    }

    public TestElasticsearch.Response send(String method, String path, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(cluster.url().resolve(path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        request.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new TestElasticsearch.Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " on OpenSearch", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        cluster.close();
    }
}
