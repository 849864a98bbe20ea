package dev.llmwatcher.opensearch;

import dev.llmwatcher.backfill.AbstractBackfillStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AfterEach;

/** The OpenSearch adapter against the backfill port's contract ({@link AbstractBackfillStoreTest}), on 3.x. */
class OpenSearchBackfillStoreTest extends AbstractBackfillStoreTest {

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
