package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.backfill.AbstractBackfillStoreTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.TestElasticsearch;

/** The Elasticsearch adapter against the backfill port's contract, on the test cluster. */
class ElasticsearchBackfillStoreTest extends AbstractBackfillStoreTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected PortFixture<?> ports() {
        return new ElasticsearchPorts(es, es.queueStore());
    }
}
