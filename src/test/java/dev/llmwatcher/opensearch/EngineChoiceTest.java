package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.config.SearchEngine;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which adapter serves a cluster URL: the cluster's own answer to {@code GET /}, asked once; the override wins without
 * asking; a cluster that answers nothing usable (Elasticsearch's test distribution answers 405) is Elasticsearch.
 */
class EngineChoiceTest {

    @Test
    void openSearchSaysItIsOpenSearch() {
        assertThat(OpenSearchClients.engineOf(OpenSearchServer.shared().settings()))
                .isEqualTo(SearchEngine.OPENSEARCH);
    }

    @Test
    void elasticsearchIsAskedOnceAndIsElasticsearch() {
        List<String> asked = new ArrayList<>();
        try (ElasticsearchProxy proxy = new ElasticsearchProxy(TestElasticsearch.shared().url())) {
            proxy.breakOn(request -> {
                asked.add(request.method() + " " + request.path());
                return false;
            }, ElasticsearchProxy.Mode.GONE);

            assertThat(OpenSearchClients.engineOf(ElasticsearchSettings.anonymous(proxy.url())))
                    .isEqualTo(SearchEngine.ELASTICSEARCH);
        }
        assertThat(asked).containsExactly("GET /");
    }

    @Test
    void theOverrideIsTakenWithoutAskingAndAnUnreachableClusterIsLeftToTheElasticsearchAdapter() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        ElasticsearchSettings nobody = ElasticsearchSettings.anonymous(URI.create("http://127.0.0.1:" + port));

        assertThat(OpenSearchClients.engineOf(nobody.withEngine(SearchEngine.OPENSEARCH)))
                .isEqualTo(SearchEngine.OPENSEARCH);
        assertThat(OpenSearchClients.engineOf(nobody)).isEqualTo(SearchEngine.ELASTICSEARCH);
    }
}
