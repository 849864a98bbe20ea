package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestCluster;

/**
 * {@link AbstractKilledRunTest} on OpenSearch 3.x: the killed command-line watcher and the rerun each talk to it
 * through the OpenSearch adapter the cluster's answer chose; the claim leases the killed run took end, and the rerun
 * takes its documents over.
 */
class OpenSearchKilledRunTest extends AbstractKilledRunTest {

    @Override
    protected TestCluster cluster() {
        return OpenSearchServer.shared();
    }
}
