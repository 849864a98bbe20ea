package dev.llmwatcher.reliability;

import dev.llmwatcher.cli.Main;
import dev.llmwatcher.testing.ElasticsearchProxy;
import dev.llmwatcher.testing.TestCluster;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link AbstractOutageTest} on Elasticsearch, and a failing check of the queue's index template (which the watcher
 * installs on Elasticsearch; not yet on OpenSearch).
 */
class ElasticsearchOutageTest extends AbstractOutageTest {

    @Override
    protected TestCluster cluster() {
        return TestElasticsearch.shared();
    }

    @Override
    protected String credentialsRefused() {
        return "security_exception";
    }

    @Test
    void aFailedQueueTemplateCheckLetsThePassFinishItsDocumentsThenEndsTheRunWithOneError() {
        proxy.failEach(request -> request.path().startsWith("/_index_template/"));

        int status = runCliThroughProxy(request -> false, ElasticsearchProxy.Mode.FORWARD);

        assertThat(status).isEqualTo(Main.FAILED);
        assertThat(errorLines()).hasSize(1).first().asString().startsWith("llm-watcher: Elasticsearch at ")
                .contains("index template").contains("HTTP 500").contains("injected by the test proxy");
        assertThat(documents.notStoredCorrectly()).as("the pass beside the check ran to its end").isEmpty();
        assertThat(es.count(fixture.queueIndex())).isZero();
    }
}
