package dev.llmwatcher.opensearch;

import dev.llmwatcher.cache.AbstractAnswerCacheTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The OpenSearch answer cache against the answer cache port's contract, an index of its own per test. */
class OpenSearchAnswerCacheTest extends AbstractAnswerCacheTest {

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
