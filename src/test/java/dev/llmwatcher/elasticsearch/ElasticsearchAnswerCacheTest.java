package dev.llmwatcher.elasticsearch;

import dev.llmwatcher.cache.AbstractAnswerCacheTest;
import dev.llmwatcher.queue.PortFixture;
import dev.llmwatcher.testing.TestElasticsearch;

/** The Elasticsearch answer cache against the answer cache port's contract, an index of its own per test. */
class ElasticsearchAnswerCacheTest extends AbstractAnswerCacheTest {

    @Override
    protected PortFixture<?> ports() {
        return new ElasticsearchPorts(TestElasticsearch.shared(), TestElasticsearch.uniqueIndex("answer-cache"));
    }
}
