package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;

/** {@link AbstractKilledRunTest} on Elasticsearch. */
class KilledRunTest extends AbstractKilledRunTest {

    @Override
    protected TestCluster cluster() {
        return TestElasticsearch.shared();
    }
}
