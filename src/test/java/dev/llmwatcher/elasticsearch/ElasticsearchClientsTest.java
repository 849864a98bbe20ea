package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ElasticsearchClientsTest {

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final String index = TestElasticsearch.uniqueIndex("clients");

    @Test
    void withTheFirstOfTwoNodesDeadTheClientFailsOverToTheSecond() throws IOException {
        es.indexDocument(index, "1", Map.of("message", "hello"));
        ElasticsearchSettings settings = es.settings().withUrls(List.of(deadNode(), es.url()));
        ElasticsearchClient client = ElasticsearchClients.create(settings);
        try {
            long first = client.count(c -> c.index(index)).count();
            long second = client.count(c -> c.index(index)).count();

            assertThat(first).isEqualTo(1);
            assertThat(second).isEqualTo(1);
        } finally {
            client._transport().close();
        }
    }

    @Test
    void theClientWorksWithoutAnyOpenTelemetryOnTheClassPath() throws IOException {
        es.indexDocument(index, "1", Map.of("message", "hello"));
        ElasticsearchClient client = ElasticsearchClients.create(es.settings());
        try {
            assertThat(client.count(c -> c.index(index)).count()).isEqualTo(1);
        } finally {
            client._transport().close();
        }
        assertThatThrownBy(() -> Class.forName("io.opentelemetry.api.OpenTelemetry"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void requestsCarryTheApiKeyEncodedAndTheCompatibleWith8HeadersAndAskForNoCompression() throws IOException {
        List<Map<String, String>> seen = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4);
        server.createContext("/", exchange -> {
            seen.add(Map.of("authorization", exchange.getRequestHeaders().getFirst("Authorization"),
                    "accept", exchange.getRequestHeaders().getFirst("Accept"),
                    "accept-encoding", String.valueOf(exchange.getRequestHeaders().getFirst("Accept-Encoding"))));
            byte[] body = "{\"count\":0,\"_shards\":{\"total\":1,\"successful\":1,\"failed\":0}}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        try (ElasticsearchClient encoded = ElasticsearchClients.create(
                ElasticsearchSettings.apiKey(url, "ZW5jb2RlZA=="));
             ElasticsearchClient pair = ElasticsearchClients.create(ElasticsearchSettings.apiKey(url, "id:key"))) {
            encoded.count(c -> c.index("q"));
            pair.count(c -> c.index("q"));
        } finally {
            server.stop(0);
        }

        assertThat(seen).extracting(h -> h.get("authorization"))
                .containsExactly("ApiKey ZW5jb2RlZA==", "ApiKey aWQ6a2V5");
        assertThat(seen).extracting(h -> h.get("accept"))
                .containsOnly("application/vnd.elasticsearch+json; compatible-with=8");
        // A gzipped answer costs Elasticsearch CPU to compress and the watcher CPU to inflate (10% of its
        // allocations in a benchmark drain) to save bytes that mostly cross a data centre.
        assertThat(seen).extracting(h -> h.get("accept-encoding")).allSatisfy(encoding ->
                assertThat(encoding).doesNotContain("gzip").doesNotContain("deflate"));
    }

    /** A loopback URL nothing listens on: the port was free a moment ago and is closed again. */
    private static URI deadNode() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
