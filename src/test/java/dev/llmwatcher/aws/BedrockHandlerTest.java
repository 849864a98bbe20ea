package dev.llmwatcher.aws;

import dev.llmwatcher.testing.FakeBedrockServer;
import dev.llmwatcher.testing.TestElasticsearch;
import dev.llmwatcher.testing.WatcherFixture;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed example with {@code provider: bedrock} through the Lambda handler, as Lambda runs it: region from
 * {@code AWS_REGION}, credentials from the SDK's default chain (here its system-property link, where Lambda's would
 * be the role), nothing Bedrock-related in the secret; tokens reach the EMF metrics under the model.
 */
class BedrockHandlerTest {

    private static final String MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final TestElasticsearch es = TestElasticsearch.shared();
    private final LambdaHarness lambda = new LambdaHarness();
    @AutoClose
    private final FakeBedrockServer bedrock = FakeBedrockServer.withTestCredentials();
    @AutoClose
    private final WatcherFixture fixture = WatcherFixture.withFakeProviders(es).withBedrock(bedrock, "ap-southeast-2");
    private final String target = TestElasticsearch.uniqueIndex("reviews");

    @Test
    void theWatcherFunctionScoresTheReviewWithBedrockAndReportsItsTokensPerModel() {
        Map<String, Object> meta = TestElasticsearch.pipelineMeta(target, "From a scale of 1-10 how good is this "
                + "product review (1 is very bad, 10 is very good): {{ctx.message}}");
        meta.put("provider", "bedrock");
        meta.put("model", MODEL);
        meta.put("format", SampleEventsTest.SCALE_SCHEMA);
        es.indexQueueDocument(fixture.queueIndex(), "2", Map.of("message", "I love it!"), meta);
        bedrock.respond(FakeBedrockServer.answer("{\"scale\": 10}", 41, 12));

        Map<String, Object> summary = lambda.watcher(fixture).handleRequest(Map.of(), lambda.context());

        assertThat(summary).containsEntry("processed", 1).containsEntry("failed", 0);
        assertThat(es.source(target, "2")).contains(Map.of("message", "I love it!", "scale", 10));
        assertThat(bedrock.lastRequest().signature().region()).isEqualTo("ap-southeast-2");
        assertThat(bedrock.lastRequest().signature().service()).isEqualTo("bedrock");
        List<Map<String, Object>> modelLines = lambda.metricLines().stream()
                .filter(line -> MODEL.equals(line.get(Metric.MODEL_DIMENSION))).toList();
        assertThat(modelLines).singleElement().satisfies(line -> assertThat(line)
                .containsEntry(Metric.PROMPT_TOKENS.metricName(), 41)
                .containsEntry(Metric.COMPLETION_TOKENS.metricName(), 12));
    }
}
