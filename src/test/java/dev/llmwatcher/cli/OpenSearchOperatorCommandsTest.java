package dev.llmwatcher.cli;

import dev.llmwatcher.opensearch.OpenSearchSetup;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;
import java.util.Optional;

/**
 * {@code status}, {@code release} and {@code --dry-run} on OpenSearch 3.x through the command line, as
 * {@link OperatorCommandsTest} on Elasticsearch.
 */
class OpenSearchOperatorCommandsTest extends AbstractOperatorCommandsTest {

    private final OpenSearchServer server = OpenSearchServer.shared();

    @Override
    protected URI url() {
        return server.url();
    }

    @Override
    protected void installQueueTemplate(String queue) {
        try (OpenSearchSetup setup = OpenSearchSetup.open(server.settings())) {
            setup.installQueueTemplate(queue, Optional.empty());
        }
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return server.send(method, path, json);
    }
}
