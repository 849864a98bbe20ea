package dev.llmwatcher.opensearch;

import dev.llmwatcher.config.ElasticsearchSettings;
import dev.llmwatcher.queue.AbstractResultBackPressureTest;
import dev.llmwatcher.queue.QueueStore;
import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestCluster;

import java.net.URI;
import java.util.Optional;

/** {@link AbstractResultBackPressureTest} on OpenSearch 3.x, whose word for work refused for load is its own. */
class OpenSearchBackPressureTest extends AbstractResultBackPressureTest {

    private OpenSearchQueueStore store;

    @Override
    protected TestCluster cluster() {
        return OpenSearchServer.shared();
    }

    @Override
    protected QueueStore storeAt(URI url) {
        store = OpenSearchQueueStore.connect(ElasticsearchSettings.anonymous(url), Optional.empty());
        return store;
    }

    @Override
    protected void closeStore() {
        store.close();
    }

    @Override
    protected String rejectedExecutionType() {
        return "rejected_execution_exception";
    }
}
