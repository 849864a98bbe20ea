package dev.llmwatcher.engine;

import dev.llmwatcher.app.DryRun;
import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.InMemoryQueueStore.Event;
import dev.llmwatcher.testing.ScriptedLlmClient.Reply;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Elasticsearch pushing back on the result bulk (429 per item, or 429/503 for the whole bulk) is not the document's
 * fault: the answer is paid for, so it is written again, and set aside on its queue document if the deadline comes
 * first, for the next pass to store without calling the LLM again.
 */
class BackPressureTest {

    private final EngineHarness harness = new EngineHarness();

    @Test
    void aPushedBackResultIsWrittenAgainAndStoredWithoutCountingAnAttempt() {
        harness.llm.answerAll(Reply.answer("{\"scale\": 7}"));
        harness.queue("a", "good");
        harness.store.pushBackResultBulks(2);

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        assertThat(harness.store.stored(EngineHarness.TARGET, "a")).contains(Map.of("message", "good", "scale", 7));
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isZero();
        assertThat(harness.store.resultBulks()).as("two pushed back, the third stored").isEqualTo(3);
        assertThat(harness.llm.calls()).isEqualTo(1);
        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.failed()).isZero();
    }

    @Test
    void aBusyResultBulkIsWrittenAgainAndStoredWithoutCountingAnAttempt() {
        harness.llm.answerAll(Reply.answer("{\"scale\": 7}"));
        for (int i = 0; i < 3; i++) {
            harness.queue("b" + i, "good " + i);
        }
        harness.store.rejectResultBulksAsBusy(2);

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        assertThat(harness.store.storedCount(EngineHarness.TARGET)).isEqualTo(3);
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isZero();
        assertThat(harness.llm.calls()).isEqualTo(3);
        assertThat(report.processed()).isEqualTo(3);
        assertThat(report.failed()).isZero();
    }

    @Test
    void backPressurePastTheDeadlineSetsTheResultAsideAndTheNextPassStoresItWithoutACall() {
        harness.llm.answerAll(Reply.answer("{\"scale\": 7}"));
        harness.queue("c", "good");
        harness.store.pushBackResultBulks(Integer.MAX_VALUE);
        Instant deadline = Instant.now().plusMillis(2500);

        RunReport first = harness.run(deadline);

        assertThat(Instant.now()).isBefore(deadline);
        assertThat(harness.store.resultBulks()).as("written again while the deadline allowed").isGreaterThan(2);
        assertThat(first.processed()).isZero();
        assertThat(first.failed()).isZero();
        assertThat(harness.store.stored(EngineHarness.TARGET, "c")).isEmpty();
        assertThat(harness.queueMeta("c"))
                .containsEntry("pending_result", Map.of("message", "good", "scale", 7))
                .containsEntry("claim", null)
                .doesNotContainKeys("error", "attempts");

        harness.store.pushBackResultBulks(0);
        RunReport second = harness.run(Instant.now().plusSeconds(30));

        assertThat(harness.llm.calls()).as("the answer was paid for once").isEqualTo(1);
        assertThat(second.processed()).isEqualTo(1);
        assertThat(second.tokensByModel()).isEmpty();
        assertThat(harness.store.stored(EngineHarness.TARGET, "c")).contains(Map.of("message", "good", "scale", 7));
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isZero();
    }

    @Test
    void aResultThatCannotBeSetAsideEitherStaysClaimedWithoutAnAttempt() {
        harness.llm.answerAll(Reply.answer("{\"scale\": 7}"));
        harness.queue("d", "good");
        harness.store.pushBackResultBulks(Integer.MAX_VALUE);
        harness.store.refuseSetAside();

        RunReport report = harness.run(Instant.now().plusMillis(2500));

        assertThat(harness.llm.calls()).isEqualTo(1);
        assertThat(report.failed()).isZero();
        assertThat(report.processed()).isZero();
        assertThat(harness.store.events()).extracting(Event::operation).contains("setAside");
        assertThat(harness.queueMeta("d")).doesNotContainKeys("error", "attempts", "pending_result")
                .extractingByKey("claim").as("left to its lease").isNotNull();
    }

    @Test
    void pushedBackResultsHoldUpOtherDocumentsFailureRecordsByNoMoreThanOneRound() {
        harness.flushSize = 2;
        harness.flushInterval = Duration.ofSeconds(10);
        harness.llm.when("prose", Reply.answer("I would say a nine.")).answerAll(Reply.answer("{\"scale\": 7}"));
        harness.queue("good", "good");
        harness.queue("bad", "prose");
        harness.store.pushBackResultBulks(3);

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        List<Event> writes = harness.store.events().stream().filter(e -> !e.operation().equals("claim")).toList();
        assertThat(writes).startsWith(new Event("store", List.of("good")), new Event("recordFailures", List.of("bad")));
        assertThat(writes).filteredOn(e -> e.operation().equals("store")).hasSize(4);
        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.failed()).isEqualTo(1);
        assertThat(harness.queueMeta("bad")).containsEntry("attempts", 1);
    }

    @Test
    void aMalformedPendingResultFailsTheDocumentWithoutACall() {
        Map<String, Object> meta = EngineHarness.meta();
        meta.put("pending_result", "not an object");
        harness.queue("e", "good", meta);

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        assertThat(harness.llm.calls()).isZero();
        assertThat(report.failed()).isEqualTo(1);
        assertThat((String) harness.queueMeta("e").get("error")).contains("pending_result")
                .contains("not an object but a string");
    }

    @Test
    void aDryRunListsADocumentWithASetAsideResultAsStoredWithoutACall() {
        Map<String, Object> meta = EngineHarness.meta();
        meta.put("pending_result", Map.of("message", "good", "scale", 7));
        harness.queue("set-aside", "good", meta);
        harness.queue("new", "new");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        DryRun.Summary summary = DryRun.run(harness.store, harness.processor(),
                new QueueQuery(EngineHarness.QUEUE, Selection.NEW, Instant.now(), Optional.empty(), 10),
                new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("id set-aside -> " + EngineHarness.TARGET + ": stored from a set-aside result, no call")
                .contains("READY       id new")
                .doesNotContain("READY       id set-aside");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains(
                "1 documents would be sent to an LLM, 0 would fail before any call, 1 would be stored from a set-aside "
                        + "result without a call");
        assertThat(summary.ready()).isEqualTo(1);
        assertThat(harness.llm.calls()).isZero();
    }

    @Test
    void busyFailureRecordBulksAreWrittenAgainAndThePassGoesOn() {
        harness.llm.when("prose", Reply.answer("I would say a nine.")).answerAll(Reply.answer("{\"scale\": 7}"));
        harness.queue("bad", "prose");
        harness.queue("good", "good");
        harness.store.rejectFailureRecordsAsBusy(2);

        RunReport report = harness.run(Instant.now().plusSeconds(30));

        assertThat(report.failed()).isEqualTo(1);
        assertThat(report.processed()).isEqualTo(1);
        assertThat(harness.queueMeta("bad")).containsEntry("attempts", 1).containsEntry("claim", null);
        assertThat(harness.store.events()).filteredOn(e -> e.operation().equals("recordFailures")).hasSize(3);
    }

    @Test
    void busyReleaseBulksAreWrittenAgainSoReleasedDocumentsAreFreeAtOnce() throws Exception {
        harness.store.rejectReleasesAsBusy(2);

        RunReport report = harness.stoppedWhileACallIsHeld("r", 3);

        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.released()).isEqualTo(2);
        assertThat(harness.store.events()).filteredOn(e -> e.operation().equals("release")).hasSize(3);
        assertThat(harness.store.countEligible(new QueueQuery(EngineHarness.QUEUE, Selection.NEW, Instant.now(),
                Optional.empty(), 10))).isEqualTo(2);
    }
}
