package dev.llmwatcher.engine;

import dev.llmwatcher.queue.QueueQuery;
import dev.llmwatcher.queue.Selection;
import dev.llmwatcher.testing.ScriptedLlmClient.Gate;
import dev.llmwatcher.testing.ScriptedLlmClient.Reply;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** How a pass ends: at its deadline, or at a stop signal and its grace period. */
class DeadlineTest {

    private final EngineHarness harness = new EngineHarness();

    @Test
    void theDeadlineStopsNewCallsAndEverythingFinishedIsWrittenBackBeforeTheRunReturns() {
        harness.concurrency = 2;
        harness.llm.answerAll(Reply.answer("{\"scale\": 5}").after(Duration.ofMillis(400)));
        for (int i = 0; i < 20; i++) {
            harness.queue("d" + i, "review " + i);
        }
        Instant deadline = Instant.now().plusMillis(2500);

        RunReport report = harness.run(deadline);

        assertThat(Instant.now()).isBefore(deadline);
        assertThat(report.stoppedBy()).contains("deadline reached");
        assertThat(report.processed()).as("every answered call was stored").isEqualTo(harness.llm.calls())
                .isBetween(2, 16);
        assertThat(harness.store.storedCount(EngineHarness.TARGET)).isEqualTo(report.processed());
        assertThat(harness.store.queueSize(EngineHarness.QUEUE)).isEqualTo(20 - report.processed());
        assertThat(report.failed()).isZero();
        assertThat(report.released()).as("claimed but never started").isEqualTo(20 - report.processed());
    }

    @Test
    void documentsNeverStartedAreReleasedWithoutAnAttempt() {
        harness.concurrency = 1;
        harness.llm.answerAll(Reply.answer("{\"scale\": 5}").after(Duration.ofMillis(300)));
        for (int i = 0; i < 6; i++) {
            harness.queue("d" + i, "review " + i);
        }

        RunReport report = harness.run(Instant.now().plusMillis(2500));

        assertThat(harness.llm.calls()).as("some documents were called for").isPositive();
        assertThat(report.released()).isPositive();
        for (int i = 0; i < 6; i++) {
            harness.store.queued(EngineHarness.QUEUE, "d" + i).ifPresent(left ->
                    assertThat(left.meta()).doesNotContainKeys("error", "attempts").containsEntry("claim", null));
        }
        assertThat(harness.store.countEligible(new QueueQuery(EngineHarness.QUEUE, Selection.NEW, Instant.now(),
                Optional.empty(), 10)))
                .as("released documents are eligible again at once").isEqualTo(report.released());
    }

    @Test
    void aStopLetsTheCallInFlightFinishAndBeStoredAndReleasesTheRest() throws Exception {
        RunReport report = harness.stoppedWhileACallIsHeld("d", 4);

        assertThat(harness.llm.calls()).isEqualTo(1);
        assertThat(report.processed()).isEqualTo(1);
        assertThat(report.released()).isEqualTo(3);
        assertThat(report.stoppedBy()).contains("stop requested");
    }

    @Test
    void aCallStillRunningWhenTheGraceEndsIsCancelledAndItsDocumentReleased() throws Exception {
        harness.concurrency = 1;
        harness.stopGrace = Duration.ofMillis(1200);
        harness.writeReserve = Duration.ofMillis(300);
        Gate never = new Gate();
        harness.llm.answerAll(Reply.answer("{\"scale\": 5}").heldBy(never));
        harness.queue("held", "held");
        StopSignal stop = new StopSignal();

        CompletableFuture<RunReport> pass = harness.start(Instant.now().plusSeconds(30), stop);
        harness.llm.awaitInFlight(1, Duration.ofSeconds(10));
        Instant raised = Instant.now();
        stop.raise();
        RunReport report = pass.get(30, TimeUnit.SECONDS);

        assertThat(Duration.between(raised, Instant.now())).as("returned by the end of the grace period")
                .isLessThan(harness.stopGrace.plusMillis(300));
        assertThat(report.processed()).isZero();
        assertThat(report.failed()).as("cancelled, not the document's fault").isZero();
        assertThat(report.released()).isEqualTo(1);
        assertThat(harness.queueMeta("held")).doesNotContainKeys("error", "attempts").containsEntry("claim", null);
    }
}
