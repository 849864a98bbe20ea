package dev.llmwatcher.opensearch;

import dev.llmwatcher.backfill.BackfillStore;
import dev.llmwatcher.json.JsonCodec;
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
    private final BackfillStore backfill;

    /** A store with its answer cache in {@code answerCacheIndex}, over a client of its own. */
    public OpenSearchPorts(OpenSearchServer server, String answerCacheIndex) {
        super(OpenSearchQueueStore.connect(server.settings(), Optional.of(answerCacheIndex)));
        this.server = server;
        this.backfill = store().backfill();
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
    public BackfillStore backfillStore() {
        return backfill;
    }

    /** One bulk, refreshed, as the application writes; an item error fails the test's arrangement. */
    @Override
    public void write(String index, Map<String, Map<String, Object>> sourcesById) {
        if (sourcesById.isEmpty()) {
            return;
        }
        StringBuilder body = new StringBuilder();
        sourcesById.forEach((id, source) -> body.append(JsonCodec.writeString(Map.of("index", Map.of("_index", index,
                "_id", id)))).append('\n').append(JsonCodec.writeString(source)).append('\n'));
        var response = server.send("POST", "/_bulk?refresh=true", body.toString());
        response.requireSuccess("bulk index into " + index);
        if (Boolean.TRUE.equals(response.json().get("errors"))) {
            throw new IllegalStateException("bulk index into " + index + " had item errors: " + response.body());
        }
    }

    @Override
    public void delete(String index, String id) {
        server.send("DELETE", "/" + index + "/_doc/" + id + "?refresh=true", null).requireSuccess("delete " + id);
    }

    @Override
    public Optional<Map<String, Object>> source(String index, String id) {
        return server.source(index, id);
    }
}
