package dev.llmwatcher.engine;

import dev.llmwatcher.llm.LlmException;
import dev.llmwatcher.testing.ScriptedLlmClient.Gate;
import dev.llmwatcher.testing.ScriptedLlmClient.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The pass's call workers against the in-memory queue and a scripted LLM: how many calls run, and what waits. */
class PassConcurrencyTest {

    private final EngineHarness harness = new EngineHarness();

    @Test
    void callsReachTheConcurrencyCapAndNeverExceedIt() throws Exception {
        harness.concurrency = 3;
        Gate firstWave = new Gate();
        harness.llm.when("first", Reply.answer("{\"scale\": 1}").heldBy(firstWave))
                .answerAll(Reply.answer("{\"scale\": 2}").after(Duration.ofMillis(20)));
        for (int i = 0; i < 3; i++) {
            harness.queue("first-" + i, "first " + i);
        }
        for (int i = 0; i < 12; i++) {
            harness.queue("later-" + i, "later " + i);
        }

        CompletableFuture<RunReport> pass = harness.start(Instant.now().plusSeconds(30), StopSignal.never());
        boolean capReached = harness.llm.awaitInFlight(3, Duration.ofSeconds(10));
        int callsWhileCapHeld = harness.llm.calls();
        firstWave.open();
        RunReport report = pass.get(30, TimeUnit.SECONDS);

        assertThat(capReached).as("three calls in flight at once").isTrue();
        assertThat(callsWhileCapHeld).as("no fourth call while three are held").isEqualTo(3);
        assertThat(harness.llm.maxInFlight()).isEqualTo(3);
        assertThat(report.processed()).isEqualTo(15);
        assertThat(harness.store.storedCount(EngineHarness.TARGET)).isEqualTo(15);
    }

    @Test
    void aSlowAnswerHoldsBackNoOtherCall() throws Exception {
        harness.concurrency = 3;
        Gate slow = new Gate();
        harness.llm.when("slow", Reply.answer("{\"scale\": 1}").heldBy(slow))
                .answerAll(Reply.answer("{\"scale\": 2}").after(Duration.ofMillis(10)));
        harness.queue("slow", "slow");
        for (int i = 0; i < 12; i++) {
            harness.queue("fast-" + i, "fast " + i);
        }

        CompletableFuture<RunReport> pass = harness.start(Instant.now().plusSeconds(30), StopSignal.never());
        boolean fastOnesDone = harness.llm.awaitFinished(12, Duration.ofSeconds(10));
        slow.open();
        RunReport report = pass.get(30, TimeUnit.SECONDS);

        assertThat(fastOnesDone).as("all twelve fast calls ended while the slow one was still held").isTrue();
        assertThat(report.processed()).isEqualTo(13);
    }

    @Test
    void oneDocumentsFailureNeverFailsTheRun() {
        harness.llm.when("server", Reply.failure(LlmException.Kind.SERVER_ERROR))
                .when("prose", Reply.answer("I would say a nine."))
                .when("bug", Reply.crash(new IllegalStateException("a bug in a client")))
                .answerAll(Reply.answer("{\"scale\": 4}"));
        harness.queue("server", "server");
        harness.queue("prose", "prose");
        harness.queue("bug", "bug");
        var badTemplate = EngineHarness.meta();
        badTemplate.put("prompt", "Rate: {{ ctx.message ");
        harness.queue("template", "template", badTemplate);
        for (int i = 0; i < 4; i++) {
            harness.queue("good-" + i, "good " + i);
        }

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        assertThat(report.processed()).isEqualTo(4);
        assertThat(report.failed()).isEqualTo(4);
        assertThat(harness.store.storedCount(EngineHarness.TARGET)).isEqualTo(4);
        assertThat(harness.llm.calls()).as("the bad template cost no call").isEqualTo(7);
        for (String id : new String[] {"server", "prose", "bug", "template"}) {
            assertThat(harness.queueMeta(id)).containsEntry("attempts", 1).containsKey("error")
                    .containsEntry("claim", null);
        }
        assertThat((String) harness.queueMeta("bug").get("error")).contains("internal error")
                .contains("a bug in a client");
    }
}
