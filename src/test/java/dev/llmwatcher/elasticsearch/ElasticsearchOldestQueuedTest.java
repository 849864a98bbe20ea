package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.queue.AbstractOldestQueuedTest;
import dev.llmwatcher.queue.OldestQueued;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.TestElasticsearch;

/** The oldest-queued-age metric on Elasticsearch ({@link QueueAge}). */
class ElasticsearchOldestQueuedTest extends AbstractOldestQueuedTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected PortFixture<?> ports() {
        return new ElasticsearchPorts(es, es.queueStore());
    }

    @Override
    protected OldestQueued oldestQueued() {
        return es.queueStore().admin().queueAge();
    }
}
