package dev.llmwatcher.elasticsearch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.CompletedDocument;
import dev.llmwatcher.queue.QueueTestSupport;
import dev.llmwatcher.queue.QueueUnavailableException;
import dev.llmwatcher.queue.QueuedDocument;
import dev.llmwatcher.queue.Selection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.llmwatcher.queue.QueueTestSupport.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What sits between the watcher and Elasticsearch does not always answer like Elasticsearch: a load balancer's HTML
 * error page, a bulk answer that lost items, a search hit without its version. Each stops the run with one line that
 * says what came back, never a parser's stack trace, and nothing is deleted.
 */
class UnexpectedAnswersTest {

    private static final String SHARDS = "{\"_shards\":{\"total\":1,\"successful\":1,\"failed\":0}}";

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void anHtmlErrorPageFromAProxyIsReportedWithItsStatusAndText() throws IOException {
        URI url = serve(502, "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>");
        ElasticsearchSettings settings = ElasticsearchSettings.anonymous(url);
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.countEligible(query("q", Selection.NEW, Instant.now())))
                    .isInstanceOfSatisfying(QueueUnavailableException.class, e -> {
                        assertThat(e.getMessage()).contains(url.toString()).contains("HTTP 502")
                                .contains("502 Bad Gateway").doesNotContain("\n");
                        assertThat(e.isAuthenticationFailure()).isFalse();
                    });
        }
    }

    @Test
    void aBulkAnswerWithTheWrongNumberOfItemsStopsTheWriteBack() throws IOException {
        URI url = serve(200, "application/json", "{\"took\":1,\"errors\":false,\"items\":[]}");
        QueuedDocument queued = new QueuedDocument("doc-1", 3, 1, Map.of("message", "hi"));
        ElasticsearchSettings settings = ElasticsearchSettings.anonymous(url);
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.store("q", List.of(new CompletedDocument(queued, "target",
                    Map.of("message", "hi", "scale", 5)))))
                    .isInstanceOf(QueueUnavailableException.class)
                    .hasMessageContaining("0 items for 1 operations").hasMessageNotContaining("\n");
        }
    }

    @Test
    void aSearchHitWithoutItsSequenceNumberIsAnUnreadableAnswerNotACrash() throws IOException {
        URI url = serveByPath(Map.of(
                "/q/_refresh", SHARDS,
                "/q/_pit", "{\"id\":\"p1\"," + SHARDS.substring(1),
                "/_search", "{\"took\":1,\"timed_out\":false,\"pit_id\":\"p1\","
                        + SHARDS.substring(1, SHARDS.length() - 1) + ",\"hits\":{\"total\":{\"value\":1,\"relation\":\"eq\"},\"hits\":[{\"_index\":\"q\","
                        + "\"_id\":\"doc-1\",\"_primary_term\":1,\"_source\":{},\"sort\":[1]}]}}",
                "/_pit", "{\"succeeded\":true,\"num_freed\":1}"));
        ElasticsearchSettings settings = ElasticsearchSettings.anonymous(url);
        try (ElasticsearchClient client = ElasticsearchClients.create(settings)) {
            ElasticsearchQueueStore store = new ElasticsearchQueueStore(client, settings);

            assertThatThrownBy(() -> store.scan(query("q", Selection.NEW, Instant.now())))
                    .isInstanceOf(QueueUnavailableException.class)
                    .hasMessageContaining("search the queue q").hasMessageContaining("doc-1 without _seq_no");
        }
    }

    private URI serve(int status, String contentType, String body) throws IOException {
        start(exchange -> answer(exchange, status, contentType, body));
        return url();
    }

    private URI serveByPath(Map<String, String> answers) throws IOException {
        start(exchange -> {
            String body = answers.get(exchange.getRequestURI().getPath());
            answer(exchange, body == null ? 404 : 200, "application/json", body == null ? "{}" : body);
        });
        return url();
    }

    private void start(com.sun.net.httpserver.HttpHandler handler) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", handler);
        server.start();
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private static void answer(HttpExchange exchange, int status, String contentType, String body)
            throws IOException {
        exchange.getRequestBody().readAllBytes();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("X-Elastic-Product", "Elasticsearch");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
