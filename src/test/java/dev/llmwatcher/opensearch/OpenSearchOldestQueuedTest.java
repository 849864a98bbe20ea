package dev.llmwatcher.opensearch;

import dev.llmwatcher.queue.AbstractOldestQueuedTest;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The oldest-queued-age metric on OpenSearch 3.x keeps the rules the Elasticsearch adapter keeps. */
class OpenSearchOldestQueuedTest extends AbstractOldestQueuedTest {

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

    @Override
    protected OldestQueued oldestQueued() {
        return new OpenSearchQueueAge(opened.store().client(), new OpenSearchFailures(server().settings()));
    }

    @AfterEach
    void close() {
        opened.store().close();
    }
}
