package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;

import java.util.Map;
import java.util.Optional;

/**
 * The OpenSearch adapter as the contract suites drive it: one {@link OpenSearchQueueStore} over the shared test
 * server, documents put in and read back over plain HTTP.
 */
public final class OpenSearchPorts extends PortFixture<OpenSearchQueueStore> {

    private final OpenSearchServer server;

    /** A store with its answer cache in {@code answerCacheIndex}, over a client of its own. */
    public OpenSearchPorts(OpenSearchServer server, String answerCacheIndex) {
        super(OpenSearchQueueStore.connect(server.settings(), Optional.of(answerCacheIndex)));
        this.server = server;
    }

    @Override
    public void queue(String queueIndex, String id, Map<String, Object> source) {
        server.indexDocument(queueIndex, id, source);
    }

    @Override
    public void remove(String queueIndex, String id) {
        server.send("DELETE", "/" + queueIndex + "/_doc/" + id + "?refresh=true", null)
                .requireSuccess("delete " + id);
    }

    @Override
    public Optional<Map<String, Object>> source(String index, String id) {
        return server.source(index, id);
    }
}
