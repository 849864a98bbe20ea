package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.backfill.AbstractBackfillStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.TestElasticsearch;

/**
 * The backfill port's contract on an 8.x cluster: the sliced point in time, {@code create} and the aggregation go
 * through the client's {@code compatible-with=8} headers as the queue's requests do.
 */
class Elasticsearch8BackfillStoreTest extends AbstractBackfillStoreTest {

    private final TestElasticsearch es = TestElasticsearch.version8();

    @Override
    protected PortFixture<?> ports() {
        return new ElasticsearchPorts(es, es.queueStore());
    }
}
