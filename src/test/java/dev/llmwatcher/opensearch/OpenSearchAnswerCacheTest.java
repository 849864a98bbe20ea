package dev.llmwatcher.opensearch;

import dev.llmwatcher.cache.AbstractAnswerCacheTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The OpenSearch answer cache against the answer cache port's contract, an index of its own per test. */
class OpenSearchAnswerCacheTest extends AbstractAnswerCacheTest {

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
