package dev.llmwatcher.cli;

import dev.llmwatcher.testing.AwsTestCredentials;
import dev.llmwatcher.testing.FakeBedrockServer;
import dev.llmwatcher.testing.CliRunner;
import dev.llmwatcher.testing.TestElasticsearch;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The original README's example with {@code provider: bedrock}, end to end through the command line with
 * {@code --once}: the real Elasticsearch, the real AWS SDK client, credentials from its default chain, and a local
 * server speaking Bedrock's Converse protocol as the endpoint.
 */
class BedrockSeedExampleTest {

    private static final String PROMPT = "From a scale of 1-10 how good is this product review "
            + "(1 is very bad, 10 is very good): {{ctx.message}}";
    private static final Map<String, Object> SCALE_SCHEMA = Map.of("type", "object",
            "properties", Map.of("scale", Map.of("type", "integer")), "required", List.of("scale"));
    private static final String MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final TestElasticsearch es = TestElasticsearch.shared();
    @AutoClose
    private final FakeBedrockServer bedrock = FakeBedrockServer.withTestCredentials();
    private final CliRunner cli = new CliRunner();
    private final String queue = TestElasticsearch.uniqueIndex("llm-queue");
    private final String myIndex = TestElasticsearch.uniqueIndex("my-index");

    private void queueReview(String id, Object format) {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(myIndex, PROMPT);
        meta.put("provider", "bedrock");
        meta.put("model", MODEL);
        meta.put("format", format);
        es.indexQueueDocument(queue, id, Map.of("message", "I love it!"), meta);
    }

    @Test
    void reviewIsScoredByTheForcedToolIntoMyIndexAndTheQueueIsEmpty() {
        queueReview("2", SCALE_SCHEMA);
        bedrock.respond(FakeBedrockServer.text("{\"scale\": 10}"));

        int status = cli.run(Map.of("ELASTICSEARCH_URL", es.url().toString(), "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.endpoint().toString()), "--watch-index", queue, "--once");

        assertThat(status).as(cli.err()).isZero();
        FakeBedrockServer.Request sent = bedrock.lastRequest();
        assertThat(sent.modelId()).isEqualTo(MODEL);
        assertThat(sent.prompt()).endsWith("(1 is very bad, 10 is very good): I love it!");
        assertThat(sent.forcedTool()).isEqualTo("answer");
        assertThat(sent.signature().region()).isEqualTo("us-east-1");
        assertThat(sent.signature().accessKeyId()).isEqualTo(AwsTestCredentials.ACCESS_KEY_ID);
        assertThat(es.source(myIndex, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(es.count(queue)).isZero();
    }

    @Test
    void theBedrockRegionFlagWinsOverAwsRegionAndFreeTextGoesUnderTheTargetField() {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(myIndex, PROMPT);
        meta.put("provider", "bedrock");
        meta.put("model", "amazon.nova-lite-v1:0");
        meta.put("target_field", "verdict");
        es.indexQueueDocument(queue, "3", Map.of("message", "I love it!"), meta);
        bedrock.respond(FakeBedrockServer.text("A ten: the reviewer loves it."));

        int status = cli.run(Map.of("ELASTICSEARCH_URL", es.url().toString(), "AWS_REGION", "us-east-1",
                "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock.endpoint().toString()),
                "--bedrock-region", "eu-central-1", "--watch-index", queue, "--once");

        assertThat(status).as(cli.err()).isZero();
        assertThat(bedrock.lastRequest().signature().region()).isEqualTo("eu-central-1");
        assertThat(bedrock.lastRequest().forcedTool()).isNull();
        assertThat(es.source(myIndex, "3")).contains(Map.of("message", "I love it!",
                "verdict", "A ten: the reviewer loves it."));
    }

    @Test
    void helpListsTheBedrockRegionFlag() {
        assertThat(cli.run(Map.of(), "--help")).isZero();

        assertThat(cli.out()).contains("--bedrock-region");
    }
}
