package dev.llmwatcher.elasticsearch;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.util.List;
import java.util.Map;

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

    /** A loopback URL nothing listens on: the port was free a moment ago and is closed again. */
    private static URI deadNode() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }
}
