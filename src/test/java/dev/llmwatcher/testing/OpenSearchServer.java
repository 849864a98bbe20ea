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

/**
 * A real painless engine for contract tests of the shipped script and pipeline: OpenSearch's integ-test-zip (it
 * has lang-painless and ingest-common; Elasticsearch's has neither), no security plugin, spoken to over plain
 * HTTP (elasticsearch-java refuses OpenSearch). {@link #shared()} is one server for the whole test JVM (the OpenSearch
 * adapter's contract suites), stopped when the JVM ends; {@link #start()} a server of the caller's, closed by it.
 */
public final class OpenSearchServer implements AutoCloseable {

    private final LocalCluster cluster;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private OpenSearchServer(LocalCluster cluster) {
        this.cluster = cluster;
    }

    private static OpenSearchServer shared;

    /** One server for every test of this JVM that asks, started by the first, stopped with the JVM. */
    public static synchronized OpenSearchServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "stop-test-opensearch"));
        }
        return shared;
    }

    /** The adapter's settings for this server: anonymous, plain HTTP. */
    public ElasticsearchSettings settings() {
        return ElasticsearchSettings.anonymous(url());
    }

    /** Indexes one document, visible to searches at once. */
    public void indexDocument(String index, String id, Map<String, ?> source) {
        send("PUT", "/" + index + "/_doc/" + encode(id) + "?refresh=true", JsonCodec.writeString(source))
                .requireSuccess("index " + index + "/" + id);
    }

    /** The document's {@code _source}, or empty when there is no such document (or index). */
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

    public static OpenSearchServer start() {
        String zip = System.getProperty("llmwatcher.test.opensearch.zip", "").strip();
        if (zip.isEmpty() || !Files.isRegularFile(Path.of(zip))) {
            throw new IllegalStateException("System property llmwatcher.test.opensearch.zip must name the "
                    + "OpenSearch integ-test-zip (set by Maven; run the tests with mvn), but is '" + zip + "'");
        }
        return new OpenSearchServer(LocalCluster.start(LocalCluster.Flavor.OPENSEARCH, Path.of(zip),
                TestElasticsearch.workDir(), "opensearch", Duration.ofSeconds(180), OpenSearchServer::healthProbe));
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
