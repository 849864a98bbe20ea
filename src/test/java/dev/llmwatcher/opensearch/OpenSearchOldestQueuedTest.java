package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.AbstractOldestQueuedTest;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The oldest-queued-age metric on OpenSearch 3.x keeps the rules the Elasticsearch adapter keeps. */
class OpenSearchOldestQueuedTest extends AbstractOldestQueuedTest {

    private OpenSearchPorts opened;

    @Override
    protected PortFixture<?> ports() {
        opened = new OpenSearchPorts(OpenSearchServer.shared(), TestElasticsearch.uniqueIndex("answer-cache"));
        return opened;
    }

    @Override
    protected OldestQueued oldestQueued() {
        return new OpenSearchQueueAge(opened.store().client(), new OpenSearchFailures(OpenSearchServer.shared()
                .settings()));
    }

    @AfterEach
    void close() {
        opened.store().close();
    }
}
