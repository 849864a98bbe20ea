package dev.llmwatcher.cli;

import dev.llmwatcher.elasticsearch.ClusterAdmin;
import dev.llmwatcher.testing.TestElasticsearch;

import java.net.URI;
import java.util.Optional;

/** {@code status}, {@code release} and {@code --dry-run} on Elasticsearch ({@link AbstractOperatorCommandsTest}). */
class OperatorCommandsTest extends AbstractOperatorCommandsTest {

    private final TestElasticsearch es = TestElasticsearch.shared();

    @Override
    protected URI url() {
        return es.url();
    }

    @Override
    protected void installQueueTemplate(String queue) {
        try (ClusterAdmin admin = ClusterAdmin.open(es.settings())) {
            admin.templates().install(queue, Optional.empty());
        }
    }

    @Override
    protected TestElasticsearch.Response send(String method, String path, String json) {
        return es.send(method, path, json, json == null ? null : "application/json");
    }
}
