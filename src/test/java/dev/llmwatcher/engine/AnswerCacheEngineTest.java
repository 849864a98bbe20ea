package dev.llmwatcher.engine;

import dev.llmwatcher.cache.CacheKey;
import dev.llmwatcher.cache.CachedAnswer;
import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.llm.TokenUsage;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.ScriptedLlmClient.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The answer cache and shared calls in the real engine over the in-memory queue and cache: repeated questions are
 * paid for once, each document still gets the answer its own question gets, and what was saved is reported.
 */
class AnswerCacheEngineTest {

    private static final int MESSAGES = 10;

    private final EngineHarness harness = new EngineHarness();

    AnswerCacheEngineTest() {
        harness.cacheMaxAge = Duration.ofDays(7);
        harness.concurrency = 8;
        for (int m = 0; m < MESSAGES; m++) {
            harness.llm.when("message " + m + ".", Reply.answer("{\"scale\": " + m + "}").after(Duration.ofMillis(20)));
        }
    }

    /** Queues {@code count} documents {@code prefix-i} over the {@value #MESSAGES} messages. */
    private void queue(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            harness.queue(prefix + "-" + i, "message " + (i % MESSAGES) + ".");
        }
    }

    private RunReport pass() {
        return harness.run(Instant.now().plusSeconds(30));
    }

    private void assertEachStoredWithItsOwnAnswer(String prefix, int count) {
        for (int i = 0; i < count; i++) {
            int message = i % MESSAGES;
            assertThat(harness.store.stored(EngineHarness.TARGET, prefix + "-" + i)).as(prefix + "-" + i)
                    .hasValueSatisfying(source -> assertThat(source).containsEntry("scale", message)
                            .containsEntry("message", "message " + message + "."));
        }
    }

    @Test
    void repeatedQuestionsArePaidForOnceAndTheNextPassPaysNothing() {
        queue("a", 100);

        RunReport first = pass();

        assertThat(harness.llm.calls()).isEqualTo(MESSAGES);
        assertEachStoredWithItsOwnAnswer("a", 100);
        assertThat(first.processed()).isEqualTo(100);
        assertThat(first.savings().callsSaved()).isEqualTo(90);
        assertThat(first.savings().sharedCalls()).isEqualTo(90);
        assertThat(first.savingsByModel().get("llama3.3").tokensSaved()).isEqualTo(new TokenUsage(900, 180));
        assertThat(first.tokensByModel()).containsEntry("llama3.3", new TokenUsage(100, 20));
        assertThat(harness.store.cachedAnswers()).hasSize(MESSAGES);
        assertThat(harness.store.lookups()).isLessThanOrEqualTo(100 / harness.pageSize + 1);

        queue("b", 100);
        RunReport second = pass();

        assertThat(harness.llm.calls()).isEqualTo(MESSAGES);
        assertEachStoredWithItsOwnAnswer("b", 100);
        assertThat(second.savings().cacheHits()).isEqualTo(100);
        assertThat(second.tokensByModel()).isEmpty();
    }

    @Test
    void anAnswerThatHadFieldsDroppedIsSharedAndFilteredForEachDocumentButNeverCached() {
        harness.llm.from("message 3.", Reply.answer("{\"scale\": 3, \"message\": \"pwned\", \"approved\": true}"));
        queue("a", 100);

        RunReport first = pass();

        assertThat(harness.llm.calls()).isEqualTo(MESSAGES);
        assertEachStoredWithItsOwnAnswer("a", 100);
        assertThat(harness.store.stored(EngineHarness.TARGET, "a-3")).hasValueSatisfying(source ->
                assertThat(source).doesNotContainKey("approved"));
        assertThat(first.undeclaredFieldsDropped()).as("two fields for each of the ten documents").isEqualTo(20);
        assertThat(harness.store.cachedAnswers().values()).hasSize(MESSAGES - 1)
                .allSatisfy(answer -> assertThat(answer.text()).doesNotContain("pwned"));

        queue("b", 100);
        RunReport second = pass();

        assertThat(harness.llm.calls()).as("only the question whose answer was not cached is asked again")
                .isEqualTo(MESSAGES + 1);
        assertEachStoredWithItsOwnAnswer("b", 100);
        assertThat(second.undeclaredFieldsDropped()).isEqualTo(20);
        assertThat(second.savings().cacheHits()).isEqualTo(90);
    }

    @Test
    void anotherModelOptionSchemaOrEndpointIsAnotherQuestion() {
        harness.queue("plain", "message 1.");
        pass();
        Map<String, Object> otherModel = EngineHarness.meta();
        otherModel.put("model", "llama3.2");
        harness.queue("model", "message 1.", otherModel);
        Map<String, Object> withOption = EngineHarness.meta();
        withOption.put("options", Map.of("temperature", 0));
        harness.queue("option", "message 1.", withOption);
        Map<String, Object> otherSchema = EngineHarness.meta();
        otherSchema.put("format", Map.of("type", "object", "properties", Map.of("scale", Map.of("type", "number"))));
        harness.queue("schema", "message 1.", otherSchema);
        pass();
        assertThat(harness.llm.calls()).isEqualTo(4);

        harness.endpoint = "http://another-ollama.test:11434";
        harness.queue("endpoint", "message 1.");
        pass();

        assertThat(harness.llm.calls()).isEqualTo(5);
    }

    @Test
    void anAnswerOlderThanTheMaximumAgeOrNoLongerValidIsAskedAgain() {
        harness.queue("old", "message 2.");
        pass();
        CacheKey key = harness.store.cachedAnswers().keySet().iterator().next();
        harness.store.cache(key, new CachedAnswer("{\"scale\": 2}", "stop", new TokenUsage(10, 2), "llama3.3",
                Instant.now().minus(Duration.ofDays(8))));
        harness.queue("old-again", "message 2.");
        pass();
        assertThat(harness.llm.calls()).isEqualTo(2);

        harness.store.cache(key, new CachedAnswer("{\"scale\": \"two\"}", "stop", new TokenUsage(10, 2), "llama3.3",
                Instant.now()));
        harness.queue("invalid", "message 2.");
        RunReport report = pass();

        assertThat(harness.llm.calls()).isEqualTo(3);
        assertThat(harness.store.stored(EngineHarness.TARGET, "invalid")).hasValueSatisfying(
                source -> assertThat(source).containsEntry("scale", 2));
        assertThat(report.failed()).isZero();
        assertThat(harness.store.cachedAnswers().get(key).text()).isEqualTo("{\"scale\": 2}");
    }

    @Test
    void aFailedSharedCallIsEachSharersFailureAndIsNotCached() {
        harness.retryBackoff = Duration.ZERO;
        harness.llm.from("message 3.", Reply.failure(LlmException.Kind.SERVER_ERROR).after(Duration.ofMillis(100)));
        for (int i = 0; i < 8; i++) {
            harness.queue("f-" + i, "message 3.");
        }

        RunReport failed = pass();

        assertThat(harness.llm.calls()).isEqualTo(1);
        assertThat(failed.failed()).isEqualTo(8);
        for (int i = 0; i < 8; i++) {
            assertThat(harness.queueMeta("f-" + i)).containsEntry("attempts", 1).containsKey("error");
        }
        assertThat(harness.store.cachedAnswers()).isEmpty();

        harness.llm.from("message 3.", Reply.answer("{\"scale\": 3}"));
        RunReport retried = harness.engine().run(new RunRequest(EngineHarness.QUEUE, Selection.RETRY,
                Instant.now().plusSeconds(30), Integer.MAX_VALUE, StopSignal.never()));

        assertThat(retried.processed()).isEqualTo(8);
        assertThat(harness.llm.calls()).isEqualTo(2);
        assertThat(harness.store.cachedAnswers()).hasSize(1);
    }

    @Test
    void aCacheThatCannotBeReadCostsCallsButNoDocument() {
        harness.store.refuseLookups();
        queue("refused", 20);

        RunReport report = pass();

        assertThat(report.processed()).isEqualTo(20);
        assertThat(report.failed()).isZero();
        assertThat(harness.llm.calls()).as("the pass's own calls are still shared").isEqualTo(MESSAGES);
        assertEachStoredWithItsOwnAnswer("refused", 20);
    }

    @Test
    void withTheCacheOffEveryDocumentIsACall() {
        harness.cacheMaxAge = null;
        queue("off", 30);

        RunReport report = pass();

        assertThat(harness.llm.calls()).isEqualTo(30);
        assertThat(report.savings().callsSaved()).isZero();
        assertThat(harness.store.lookups()).isZero();
    }
}
