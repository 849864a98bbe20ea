package dev.llmwatcher.reliability;

import dev.llmwatcher.testing.OpenSearchServer;
import dev.llmwatcher.testing.TestCluster;

/** {@link AbstractOutageTest} on OpenSearch 3.x, through the OpenSearch adapter the cluster's answer chose. */
class OpenSearchOutageTest extends AbstractOutageTest {

    @Override
    protected TestCluster cluster() {
        return OpenSearchServer.shared();
    }

    @Override
    protected String credentialsRefused() {
        return "Unauthorized";
    }
}
