package dev.llmwatcher.cli;

import dev.llmwatcher.testing.OpenSearchServer;

import java.net.URI;
import java.util.Map;
import java.util.Optional;

/** {@code cache} on OpenSearch 3.x through the command line, as {@link CacheCommandTest} on Elasticsearch. */
class OpenSearchCacheCommandTest extends AbstractCacheCommandTest {

    private final OpenSearchServer server = OpenSearchServer.shared();

    @Override
    protected URI url() {
        return server.url();
    }

    @Override
    protected void indexDocument(String index, String id, Map<String, ?> source) {
        server.indexDocument(index, id, source);
    }

    @Override
    protected Optional<Map<String, Object>> source(String index, String id) {
        return server.source(index, id);
    }

    @Override
    protected String mapping(String index) {
        return server.send("GET", "/" + index + "/_mapping", null).body();
    }
}
