package dev.llmwatcher.cli;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;

/** {@code batches} on OpenSearch 3.x through the command line, as {@link BatchesCommandTest} on Elasticsearch. */
class OpenSearchBatchesCommandTest extends AbstractBatchesCommandTest {

    private final OpenSearchServer server = OpenSearchServer.shared();

    @Override
    protected URI url() {
        return server.url();
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return server.send(method, path, json);
    }
}
