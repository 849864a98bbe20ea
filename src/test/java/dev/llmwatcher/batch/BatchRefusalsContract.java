package dev.llmwatcher.batch;

import dev.llmwatcher.batch.BatchRefusals.Refusals;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every place that keeps the batch refusals must do, run against each implementation: nothing recorded reads as
 * none, a write is read back as written and replaces the last, each queue has its own, and a clear forgets them.
 */
public abstract class BatchRefusalsContract {

    protected static final Instant NOW = Instant.parse("2026-12-07T21:00:00Z");

    protected abstract BatchRefusals refusals();

    /** A queue index of this test alone. */
    protected abstract String queue();

    @Test
    void aQueueNobodyRecordedARefusalForHasNone() {
        assertThat(refusals().read(queue())).isEmpty();
    }

    @Test
    void aRefusalIsReadBackAsWrittenAndTheNextOneReplacesIt() {
        BatchRefusals refusals = refusals();
        String queue = queue();
        Refusals first = new Refusals(1, "token_limit_exceeded: Enqueued token limit reached", NOW,
                NOW.plusSeconds(300));
        Refusals second = new Refusals(2, "invalid_request: The input file is invalid.", NOW.plusSeconds(400),
                NOW.plusSeconds(1_000));

        refusals.write(queue, first);
        assertThat(refusals.read(queue)).contains(first);
        refusals.write(queue, second);
        assertThat(refusals.read(queue)).contains(second);
    }

    @Test
    void eachQueueHasItsOwnAndAClearForgetsThem() {
        BatchRefusals refusals = refusals();
        String queue = queue();
        String other = queue();
        Refusals refused = new Refusals(3, "token_limit_exceeded", NOW, NOW.plusSeconds(1_200));
        refusals.write(queue, refused);

        assertThat(refusals.read(other)).isEmpty();
        refusals.clear(queue);
        assertThat(refusals.read(queue)).isEmpty();
    }
}
