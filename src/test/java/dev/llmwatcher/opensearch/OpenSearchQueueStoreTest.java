package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.AbstractQueueStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The OpenSearch adapter against the queue port's contract ({@link AbstractQueueStoreTest}), on OpenSearch 3.x. */
class OpenSearchQueueStoreTest extends AbstractQueueStoreTest {

    /** The OpenSearch these tests run against: the shared 3.x server ({@link OpenSearch2Test} overrides it). */
    OpenSearchServer server() {
        return OpenSearchServer.shared();
    }

    private OpenSearchPorts opened;

    @Override
    protected PortFixture<?> ports() {
        opened = new OpenSearchPorts(server(), TestElasticsearch.uniqueIndex("answer-cache"));
        return opened;
    }

    @AfterEach
    void closeStore() {
        opened.store().close();
    }
}
