package dev.llmwatcher.testing;

import dev.llmwatcher.backfill.AbstractBackfillStoreTest;
import dev.llmwatcher.queue.PortFixture;

/** The fake follows the backfill port's contract as the Elasticsearch adapter does. */
class InMemoryBackfillStoreTest extends AbstractBackfillStoreTest {

    @Override
    protected PortFixture<?> ports() {
        return new InMemoryPorts(new InMemoryQueueStore());
    }
}
