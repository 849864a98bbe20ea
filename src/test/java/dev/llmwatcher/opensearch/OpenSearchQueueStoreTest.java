package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.AbstractQueueStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The OpenSearch adapter against the queue port's contract ({@link AbstractQueueStoreTest}), on OpenSearch 3.x. */
class OpenSearchQueueStoreTest extends AbstractQueueStoreTest {

    private OpenSearchPorts opened;

    @Override
    protected PortFixture<?> ports() {
        opened = new OpenSearchPorts(OpenSearchServer.shared(), TestElasticsearch.uniqueIndex("answer-cache"));
        return opened;
    }

    @AfterEach
    void closeStore() {
        opened.store().close();
    }
}
